/// A parsed GGUF v2/v3 file: typed metadata in file order, the tensor directory, and
/// bounds-checked views of tensor data, read from a memory map (or an in-memory copy).
///
/// Parsing never trusts a count, length or offset from the file: each is checked against
/// the bytes left before anything is allocated for it, and all arithmetic on file values is
/// overflow-checked, so a malformed file is a `GGUFError` naming the key or tensor and the
/// byte offset, never a crash.
///
/// Memory: nothing is ever allocated from a count alone; every allocation is bounded by
/// file bytes already seen, so parsing costs at most a small multiple of the header's size
/// and tensor data is never copied. Numeric and bool arrays are views into the file (10^6
/// bools: ~4 KB), string arrays one 8-byte offset per element (~0.9x their bytes), nested
/// arrays ~5x, and the worst case is a header made only of tiny metadata entries, where
/// dictionary slots cost ~14x (100,000 one-byte keys: 23 MB). Measured with mallinfo2.
public struct GGUFFile: Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    public static let defaultAlignment = 32
    /// Nesting depth above which an array is rejected (real files use at most 2).
    public static let maximumArrayDepth = 8
    /// Dimensions a tensor may have (ggml's GGML_MAX_DIMS).
    public static let maximumDimensions = 4
    /// Largest accepted `general.alignment`.
    public static let maximumAlignment = 1 << 20

    public let file: MappedFile
    public let version: UInt32
    /// Metadata keys in file order.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset of the tensor data section.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let valueOffsets: [String: Int]

    /// Maps and parses the file at `path`.
    public init(path: String) throws(GGUFError) {
        try self.init(file: try MappedFile(path: path))
    }

    /// Parses a copy of `bytes` (e.g. `[UInt8]` or `Data`) held in memory.
    public init(bytes: some Collection<UInt8>) throws(GGUFError) {
        try self.init(file: MappedFile(bytes: bytes))
    }

    public init(file: MappedFile) throws(GGUFError) {
        let p = try GGUFParser.parse(file)
        self.file = file
        self.version = p.version
        self.keys = p.keys
        self.metadata = p.metadata
        self.valueOffsets = p.valueOffsets
        self.alignment = p.alignment
        self.dataOffset = p.dataOffset
        self.tensors = p.tensors
        self.tensorIndex = p.tensorIndex
    }

    // MARK: Lookup

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError(.missingTensor, name, offset: 0) }
        return t
    }

    /// The bytes of a tensor of this file, inside the map; valid while this file (or its
    /// `MappedFile`) lives.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        precondition(tensor.offset >= 0 && tensor.byteCount >= 0 && tensor.byteCount <= file.bytes.count
                     && tensor.offset <= file.bytes.count - tensor.byteCount,
                     "tensor '\(tensor.name)' does not belong to \(file.path)")
        return UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// Byte offset of the value of `key` in the file (just after its type tag).
    public func offset(ofKey key: String) -> Int? { valueOffsets[key] }

    /// `general.architecture`, e.g. "llama" or "qwen2".
    public var architecture: String? { metadata["general.architecture"]?.stringValue }
}
