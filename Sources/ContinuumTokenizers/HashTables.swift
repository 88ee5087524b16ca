/// 64-bit hash of a byte string: 8 bytes at a time, multiply-xorshift mixing. Not
/// cryptographic; equal keys are always verified byte by byte after a hash match.
@inline(__always)
func hashBytes(_ p: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(p.count)
    var i = 0
    let n = p.count
    while i + 8 <= n {
        h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        i += 8
    }
    if i < n {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    }
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
}

/// BPE merges: (left symbol, right symbol) -> (rank, merged symbol), open addressing with
/// linear probing over a power-of-two table. Built once; read-only afterwards.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private static let empty = UInt64.max

    init(capacityFor count: Int) {
        var cap = 16
        while cap < count * 2 { cap <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: cap)
        values = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Inserts unless the pair is already present (the first, lowest rank wins, as in llama.cpp).
    mutating func insertIfAbsent(_ left: Int32, _ right: Int32, rank: Int32, merged: Int32) {
        let k = Self.key(left, right)
        var i = slot(k)
        while keys[i] != Self.empty {
            if keys[i] == k { return }
            i = (i + 1) & mask
        }
        keys[i] = k
        values[i] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    /// (rank, merged symbol) for a pair, or nil.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let k = Self.key(left, right)
        return keys.withUnsafeBufferPointer { kp in
            var i = slot(k)
            while true {
                let stored = kp[i]
                if stored == k {
                    let v = values[i]
                    return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
                }
                if stored == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }
}

/// Interned byte strings: each distinct string gets a dense id, its bytes kept in one arena.
/// Looked up by bytes without building a String or an Array.
struct SymbolTable: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Start of symbol i's bytes in `bytes`; `starts[i + 1]` is its end.
    private(set) var starts: [Int32] = [0]
    private var slots: [Int32]
    private var hashes: [UInt64]
    private var mask: Int

    var count: Int { starts.count - 1 }

    init(capacity: Int) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slots = [Int32](repeating: -1, count: cap)
        hashes = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
    }

    /// Appends a symbol (possibly a duplicate string) and returns its id; `index` decides
    /// whether lookups of these bytes should now find it (last one indexed wins).
    mutating func append(_ piece: UnsafeRawBufferPointer, index: Bool) -> Int32 {
        let id = Int32(count)
        bytes.append(contentsOf: piece)
        starts.append(Int32(bytes.count))
        if index { setIndex(piece, id) }
        return id
    }

    /// The id of an existing string, or a new id for it.
    mutating func intern(_ piece: UnsafeRawBufferPointer) -> Int32 {
        if let id = lookup(piece) { return id }
        return append(piece, index: true)
    }

    private mutating func setIndex(_ piece: UnsafeRawBufferPointer, _ id: Int32) {
        if count * 2 > slots.count { grow() }
        let h = hashBytes(piece)
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 {
            if hashes[i] == h && equal(slots[i], piece) { slots[i] = id; return }
            i = (i + 1) & mask
        }
        slots[i] = id
        hashes[i] = h
    }

    private mutating func grow() {
        let old = zip(slots, hashes).filter { $0.0 >= 0 }
        let cap = slots.count * 2
        slots = [Int32](repeating: -1, count: cap)
        hashes = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
        for (id, h) in old {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = id
            hashes[i] = h
        }
    }

    @inline(__always)
    private func equal(_ id: Int32, _ piece: UnsafeRawBufferPointer) -> Bool {
        let s = Int(starts[Int(id)]), e = Int(starts[Int(id) + 1])
        guard e - s == piece.count else { return false }
        return bytes.withUnsafeBytes { b in
            piece.count == 0 || memcmpEqual(b.baseAddress! + s, piece.baseAddress!, piece.count)
        }
    }

    func lookup(_ piece: UnsafeRawBufferPointer) -> Int32? {
        let h = hashBytes(piece)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[i]
            if id < 0 { return nil }
            if hashes[i] == h && equal(id, piece) { return id }
            i = (i + 1) & mask
        }
    }

    /// The bytes of symbol `id`.
    @inline(__always)
    func range(_ id: Int32) -> Range<Int> { Int(starts[Int(id)])..<Int(starts[Int(id) + 1]) }
}

@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
