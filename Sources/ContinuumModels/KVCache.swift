/// Key and value storage for one sequence: `capacity` positions, every layer. It is the
/// one-block case of `PagedKVStorage` (block 0 holds every position), so a single sequence
/// runs through exactly the same forward pass as a batch. Bookkeeping (how many positions
/// are valid, what they hold) belongs to the engine; this type only owns memory.
///
/// `@unchecked Sendable`: a cache is used by one sequence at a time; the engine hands it
/// between threads only at step boundaries.
public final class KVCache: @unchecked Sendable {
    let storage: PagedKVStorage

    public init(configuration c: DecoderConfiguration, capacity: Int) {
        storage = PagedKVStorage(configuration: c, blockSize: max(1, capacity), blockCount: 1)
    }

    public var capacity: Int { storage.blockSize }
    public var layerCount: Int { storage.layerCount }
    public var kvDimension: Int { storage.kvDimension }
    /// Bytes held by this cache.
    public var byteCount: Int { storage.byteCount }
}
