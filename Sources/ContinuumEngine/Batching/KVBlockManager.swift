/// What happened to a cached block, for `GET /v1/kv-events`.
public enum KVEvent: Sendable, Equatable {
    /// A full block with this content hash is now cached and can be reused.
    case stored(hash: UInt64, parent: UInt64)
    /// The block with this hash was evicted to make room.
    case evicted(hash: UInt64)
}

/// Bookkeeping of a paged KV cache (storage is `PagedKVStorage`): which blocks are free,
/// which hold a reusable prefix (by content hash), how many sequences use each, and which
/// unused cached blocks to evict first (least recently used). A value type driven by the
/// engine's step loop; no locks, no clock.
///
/// A block is in exactly one state: *free* (no content), *in use* (refCount > 0), or
/// *cached* (refCount 0, has a hash, in the LRU list; reusable until evicted).
public struct KVBlockManager: Sendable {
    public let blockCount: Int
    public let blockSize: Int
    private var refCount: [Int32]
    private var hashOf: [UInt64?]
    private var parentOf: [UInt64]
    private var byHash: [UInt64: Int32] = [:]
    private var free: [Int32]
    // LRU of cached blocks: a doubly linked list over block ids; head = least recently used.
    private var prev: [Int32], next: [Int32]
    private var head: Int32 = -1, tail: Int32 = -1
    private(set) public var cachedCount = 0
    /// Events since the last `drainEvents()`; bounded by the caller draining every step.
    private var events: [KVEvent] = []

    public init(blockCount: Int, blockSize: Int) {
        precondition(blockCount > 0 && blockSize > 0)
        self.blockCount = blockCount
        self.blockSize = blockSize
        refCount = Array(repeating: 0, count: blockCount)
        hashOf = Array(repeating: nil, count: blockCount)
        parentOf = Array(repeating: 0, count: blockCount)
        free = (0..<Int32(blockCount)).reversed()
        prev = Array(repeating: -1, count: blockCount)
        next = Array(repeating: -1, count: blockCount)
    }

    /// Blocks that can be handed out now (free or evictable).
    public var availableCount: Int { free.count + cachedCount }
    public var usedCount: Int { blockCount - availableCount }

    /// The longest run of cached blocks matching `hashes` from the start; each matched block
    /// is taken (refCount + 1). Returns their ids.
    public mutating func acquirePrefix(_ hashes: [UInt64]) -> [Int32] {
        var blocks: [Int32] = []
        for h in hashes {
            guard let b = byHash[h] else { break }
            if refCount[Int(b)] == 0 { unlink(b) }
            refCount[Int(b)] += 1
            blocks.append(b)
        }
        return blocks
    }

    /// How many blocks of `hashes` (from the start) are cached, without taking them.
    public func cachedPrefixLength(_ hashes: [UInt64]) -> Int {
        var k = 0
        for h in hashes {
            if byHash[h] == nil { break }
            k += 1
        }
        return k
    }

    /// A block for new content (refCount 1): a free one, else the least recently used cached
    /// one (its hash is forgotten and an `evicted` event recorded). Nil when all are in use.
    public mutating func allocate() -> Int32? {
        let b: Int32
        if let f = free.popLast() {
            b = f
        } else if head >= 0 {
            b = head
            unlink(b)
            if let h = hashOf[Int(b)] {
                byHash[h] = nil
                events.append(.evicted(hash: h))
            }
            hashOf[Int(b)] = nil
        } else {
            return nil
        }
        refCount[Int(b)] = 1
        return b
    }

    /// Records that in-use block `b` is now full with content `hash` (child of `parent`), so
    /// later prompts can reuse it. If another block already holds that content, `b` stays
    /// private (it is freed, not cached, when released).
    public mutating func publish(_ b: Int32, hash: UInt64, parent: UInt64) {
        guard hashOf[Int(b)] == nil, byHash[hash] == nil else { return }
        hashOf[Int(b)] = hash
        parentOf[Int(b)] = parent
        byHash[hash] = b
        events.append(.stored(hash: hash, parent: parent))
    }

    /// Gives back one reference to each block; unreferenced blocks with content become
    /// cached (most recently used end of the LRU), others free.
    public mutating func release(_ blocks: some Sequence<Int32>) {
        for b in blocks {
            let i = Int(b)
            precondition(refCount[i] > 0, "block \(b) released more often than taken")
            refCount[i] -= 1
            guard refCount[i] == 0 else { continue }
            if hashOf[i] != nil {
                append(b)
            } else {
                free.append(b)
            }
        }
    }

    public func referenceCount(_ b: Int32) -> Int { Int(refCount[Int(b)]) }
    public func hash(of b: Int32) -> UInt64? { hashOf[Int(b)] }

    /// Events since the last call, oldest first.
    public mutating func drainEvents() -> [KVEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: LRU list

    private mutating func append(_ b: Int32) {
        prev[Int(b)] = tail
        next[Int(b)] = -1
        if tail >= 0 { next[Int(tail)] = b } else { head = b }
        tail = b
        cachedCount += 1
    }

    private mutating func unlink(_ b: Int32) {
        let p = prev[Int(b)], n = next[Int(b)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
        prev[Int(b)] = -1
        next[Int(b)] = -1
        cachedCount -= 1
    }
}
