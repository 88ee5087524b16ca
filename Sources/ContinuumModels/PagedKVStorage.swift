/// Key and value memory for many sequences at once: `blockCount` blocks of `blockSize`
/// token slots, for every layer; laid out [layer][slot][kvDimension] with
/// slot = block · blockSize + offset. Which block belongs to which sequence, and what it
/// holds, is the engine's bookkeeping (`KVBlockManager`); this type only owns memory,
/// allocated once. Keys and values are IEEE binary16 (F16, the bits `Half` reads), rounded
/// once when written (`Kernels.roundToHalf`), and read as F16 by attention: half the bytes of
/// f32, the same precision llama.cpp's default (f16) KV cache keeps.
///
/// `@unchecked Sendable`: written only by the engine's step loop, one step at a time.
public final class PagedKVStorage: @unchecked Sendable {
    public let layerCount: Int
    public let blockSize: Int
    public let blockCount: Int
    public let kvDimension: Int
    let keys: UnsafeMutablePointer<UInt16>
    let values: UnsafeMutablePointer<UInt16>

    /// Bytes one stored key or value element takes (binary16).
    public static let elementBytes = MemoryLayout<UInt16>.stride

    public var slotCount: Int { blockCount * blockSize }
    public var byteCount: Int { slotCount * Self.bytesPerToken(configuration: layerCount, kvDimension) }

    public init(configuration c: DecoderConfiguration, blockSize: Int, blockCount: Int) {
        precondition(blockSize > 0 && blockCount > 0)
        layerCount = c.layerCount
        self.blockSize = blockSize
        self.blockCount = blockCount
        kvDimension = c.kvDimension
        let n = layerCount * blockCount * blockSize * kvDimension
        keys = .allocate(capacity: n)
        values = .allocate(capacity: n)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// KV bytes one token takes in every layer (keys and values).
    public static func bytesPerToken(configuration c: DecoderConfiguration) -> Int {
        bytesPerToken(configuration: c.layerCount, c.kvDimension)
    }

    static func bytesPerToken(configuration layers: Int, _ kvDimension: Int) -> Int {
        2 * layers * kvDimension * elementBytes
    }

    /// Blocks that fit in `bytes` for this model.
    public static func blocks(fitting bytes: Int, configuration c: DecoderConfiguration, blockSize: Int) -> Int {
        max(1, bytes / (blockSize * bytesPerToken(configuration: c)))
    }

    @inline(__always) func keys(layer: Int) -> UnsafeMutablePointer<UInt16> { keys + layer * slotCount * kvDimension }
    @inline(__always) func values(layer: Int) -> UnsafeMutablePointer<UInt16> { values + layer * slotCount * kvDimension }
}

/// One forward pass over tokens of several sequences (continuous batching). All arrays are
/// owned by the caller and reused from step to step.
public struct DecoderBatch {
    /// (n,) token ids.
    public var tokens: UnsafeBufferPointer<Int32>
    /// (n,) each token's position in its sequence.
    public var positions: UnsafePointer<Int32>
    /// (n,) the KV slot each token's key and value are written to.
    public var slots: UnsafePointer<Int32>
    /// (n,) start of each token's block table in `tables` (the table of its sequence).
    public var tableOffsets: UnsafePointer<Int32>
    public var tables: UnsafePointer<Int32>
    /// (m,) rows whose logits are wanted, in the order they are written to `logits`.
    public var logitRows: UnsafeBufferPointer<Int32>

    public init(tokens: UnsafeBufferPointer<Int32>, positions: UnsafePointer<Int32>, slots: UnsafePointer<Int32>,
                tableOffsets: UnsafePointer<Int32>, tables: UnsafePointer<Int32>, logitRows: UnsafeBufferPointer<Int32>) {
        self.tokens = tokens
        self.positions = positions
        self.slots = slots
        self.tableOffsets = tableOffsets
        self.tables = tables
        self.logitRows = logitRows
    }
}
