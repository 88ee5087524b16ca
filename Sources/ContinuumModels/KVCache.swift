/// Key and value storage for one sequence: for every layer, `capacity` positions of
/// `kvDimension` floats each, laid out [layer][position][kvDimension].
/// Bookkeeping (how many positions are valid, what they hold) belongs to the engine;
/// this type only owns memory, allocated once.
///
/// `@unchecked Sendable`: a cache is used by one sequence at a time; the engine hands it
/// between threads only at step boundaries.
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    public let capacity: Int
    public let kvDimension: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    public init(layerCount: Int, capacity: Int, kvDimension: Int) {
        self.layerCount = layerCount
        self.capacity = capacity
        self.kvDimension = kvDimension
        let n = layerCount * capacity * kvDimension
        keys = .allocate(capacity: n)
        values = .allocate(capacity: n)
    }

    public convenience init(configuration c: DecoderConfiguration, capacity: Int) {
        self.init(layerCount: c.layerCount, capacity: capacity, kvDimension: c.kvDimension)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by this cache.
    public var byteCount: Int { 2 * layerCount * capacity * kvDimension * MemoryLayout<Float>.stride }

    @inline(__always) func keys(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        keys + (layer * capacity + position) * kvDimension
    }

    @inline(__always) func values(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        values + (layer * capacity + position) * kvDimension
    }
}
