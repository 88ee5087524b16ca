/// A map that remembers the order in which keys were last written, with O(1) put, get,
/// remove and "oldest" (an intrusive doubly-linked list over array slots). Bounds memory by
/// evicting the least recently written key beyond `capacity`.
public struct LRUMap<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var stamp: Double
        var newer: Int
        var older: Int
    }

    public let capacity: Int
    private var slots: [Slot] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var newest = -1
    private var oldest = -1

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { index.count }

    public subscript(key: Key) -> Value? { index[key].map { slots[$0].value } }

    /// When `key` was last written.
    public func stamp(_ key: Key) -> Double? { index[key].map { slots[$0].stamp } }

    /// Writes `value` under `key` as the newest entry; returns the entry evicted to stay
    /// within capacity, if any.
    @discardableResult
    public mutating func put(_ key: Key, _ value: Value, stamp: Double) -> (key: Key, value: Value)? {
        if let i = index[key] {
            slots[i].value = value
            slots[i].stamp = stamp
            unlink(i)
            linkNewest(i)
            return nil
        }
        let slot = Slot(key: key, value: value, stamp: stamp, newer: -1, older: -1)
        let i: Int
        if let f = free.popLast() { slots[f] = slot; i = f } else { slots.append(slot); i = slots.count - 1 }
        index[key] = i
        linkNewest(i)
        if index.count > capacity, let old = oldestEntry {
            remove(old.key)
            return (old.key, old.value)
        }
        return nil
    }

    /// Changes the value without making the entry newer.
    public mutating func update(_ key: Key, _ body: (inout Value) -> Void) {
        guard let i = index[key] else { return }
        body(&slots[i].value)
    }

    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        unlink(i)
        free.append(i)
        return slots[i].value
    }

    /// Changes every value in place (recency unchanged); entries for which `body` returns
    /// false are removed. O(count): for rare events such as a replica leaving.
    public mutating func modifyAll(_ body: (inout Value) -> Bool) {
        for (key, i) in index where !body(&slots[i].value) { remove(key) }
    }

    public var oldestEntry: (key: Key, value: Value, stamp: Double)? {
        oldest < 0 ? nil : (slots[oldest].key, slots[oldest].value, slots[oldest].stamp)
    }

    /// Removes entries last written before `cutoff` (oldest first); returns how many.
    @discardableResult
    public mutating func removeOlder(than cutoff: Double) -> Int {
        var n = 0
        while let o = oldestEntry, o.stamp < cutoff {
            remove(o.key)
            n += 1
        }
        return n
    }

    private mutating func unlink(_ i: Int) {
        let (n, o) = (slots[i].newer, slots[i].older)
        if n >= 0 { slots[n].older = o } else { newest = o }
        if o >= 0 { slots[o].newer = n } else { oldest = n }
        slots[i].newer = -1
        slots[i].older = -1
    }

    private mutating func linkNewest(_ i: Int) {
        slots[i].older = newest
        slots[i].newer = -1
        if newest >= 0 { slots[newest].newer = i }
        newest = i
        if oldest < 0 { oldest = i }
    }
}
