/// The content hash of a full KV block, chained to its parent so that equal hashes mean
/// equal prefixes: hash(block i) = FNV-1a-64 over the little-endian bytes of
/// (hash(block i-1) as UInt64, then each token id as UInt32), with hash(block -1) =
/// `KVBlockHash.root`. Stable across processes and platforms, so a gateway that
/// tokenizes the same text can compute the same hashes and route to the replica that
/// holds them (published with the KV events).
public enum KVBlockHash {
    public static let scheme = "fnv1a64(parent_u64le || token_u32le...), root 0xcbf29ce484222325"
    public static let root: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    public static func hash(parent: UInt64, tokens: some Collection<Int32>) -> UInt64 {
        var h = root
        @inline(__always) func mix(_ byte: UInt64) { h = (h ^ byte) &* prime }
        for i in 0..<8 { mix((parent >> (8 * UInt64(i))) & 0xff) }
        for t in tokens {
            let u = UInt32(bitPattern: t)
            for i in 0..<4 { mix(UInt64((u >> (8 * UInt32(i))) & 0xff)) }
        }
        return h
    }

    /// Hashes of every full block of `tokens`, in order.
    public static func chain(_ tokens: [Int32], blockSize: Int) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(tokens.count / blockSize)
        var parent = root
        var start = 0
        while start + blockSize <= tokens.count {
            parent = hash(parent: parent, tokens: tokens[start..<(start + blockSize)])
            out.append(parent)
            start += blockSize
        }
        return out
    }
}
