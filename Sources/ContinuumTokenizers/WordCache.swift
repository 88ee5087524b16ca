/// Tokens of recently seen words, least recently used evicted first.
///
/// Keyed by a 64-bit hash of the word's bytes; the bytes are kept and compared on every hit,
/// so a hash collision is a miss, never a wrong answer. Slots form a doubly linked recency
/// list by index. Not thread-safe: `Tokenizer` keeps it in a `Locked`.
struct WordCache {
    let capacity: Int
    private var index: [UInt64: Int32] = [:]
    private var hashes: [UInt64] = []
    private var keys: [[UInt8]] = []
    private var values: [[Int32]] = []
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var head: Int32 = -1  // most recent
    private var tail: Int32 = -1  // least recent

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        index.reserveCapacity(self.capacity)
    }

    var count: Int { keys.count }

    mutating func get(_ hash: UInt64, _ word: UnsafeRawBufferPointer) -> [Int32]? {
        guard let slot = index[hash] else { return nil }
        let s = Int(slot)
        let same = keys[s].withUnsafeBytes { k in
            k.count == word.count && (k.count == 0 || memcmpEqual(k.baseAddress!, word.baseAddress!, k.count))
        }
        guard same else { return nil }
        moveToFront(slot)
        return values[s]
    }

    mutating func put(_ hash: UInt64, _ word: UnsafeRawBufferPointer, _ tokens: [Int32]) {
        if let slot = index[hash] {  // same hash: replace (a collision simply overwrites)
            keys[Int(slot)] = Array(word)
            values[Int(slot)] = tokens
            moveToFront(slot)
            return
        }
        let slot: Int32
        if keys.count < capacity {
            slot = Int32(keys.count)
            hashes.append(hash)
            keys.append(Array(word))
            values.append(tokens)
            prev.append(-1)
            next.append(-1)
        } else {
            slot = tail
            unlink(slot)
            index[hashes[Int(slot)]] = nil
            hashes[Int(slot)] = hash
            keys[Int(slot)] = Array(word)
            values[Int(slot)] = tokens
        }
        index[hash] = slot
        linkFront(slot)
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard head != slot else { return }
        unlink(slot)
        linkFront(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let p = prev[Int(slot)], n = next[Int(slot)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
        prev[Int(slot)] = -1
        next[Int(slot)] = -1
    }

    private mutating func linkFront(_ slot: Int32) {
        prev[Int(slot)] = -1
        next[Int(slot)] = head
        if head >= 0 { prev[Int(head)] = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
