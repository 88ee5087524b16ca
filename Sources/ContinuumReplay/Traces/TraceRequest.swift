/// One request of a trace: when it arrives (seconds from the trace's start), how long its
/// prompt and answer are, and its prompt as a chain of block hashes (equal leading hashes =
/// a shared prefix; traces without prefix information get hashes no other request has).
public struct TraceRequest: Sendable, Equatable {
    public var arrival: Double
    public var promptTokens: Int
    public var outputTokens: Int
    public var blockHashes: [UInt64]
    public var blockSize: Int

    public init(arrival: Double, promptTokens: Int, outputTokens: Int, blockHashes: [UInt64], blockSize: Int) {
        self.arrival = arrival
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.blockHashes = blockHashes
        self.blockSize = blockSize
    }
}

/// Chained block hashes: block i's hash mixes block i − 1's with block i's identity, so a
/// hash stands for the whole prefix up to it (as the engine's KV block hashes do).
public enum BlockChain {
    public static func hashes(_ ids: some Sequence<UInt64>, root: UInt64 = 0x6A09_E667_F3BC_C908) -> [UInt64] {
        var parent = root
        return ids.map { id in
            parent = mix(parent ^ (id &* 0x9E37_79B9_7F4A_7C15))
            return parent
        }
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hashes no other request shares: for traces that carry no prefix information.
    public static func unique(request: Int, blocks: Int) -> [UInt64] {
        hashes((0..<blocks).map { UInt64($0) }, root: mix(UInt64(request) &+ 0x1234_5678))
    }
}

/// A trace that cannot be read, with the line at fault.
public struct TraceError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "trace: \(message)" }
}
