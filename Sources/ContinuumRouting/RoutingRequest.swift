/// What a replica policy sees of a request: its prompt as a chain of KV-block hashes (block
/// i's hash covers the prompt up to the end of block i, so equal hashes mean equal
/// prefixes), the block size in tokens and the prompt length. The last block may be
/// partial. Policies never see the text: baselines that hash characters upstream are
/// applied at block granularity (see each policy's notes).
public struct RoutingRequest: Sendable, Equatable {
    public var blockHashes: [UInt64]
    public var blockSize: Int
    public var promptTokens: Int

    public init(blockHashes: [UInt64], blockSize: Int, promptTokens: Int) {
        precondition(blockSize > 0 && promptTokens >= 0)
        self.blockHashes = blockHashes
        self.blockSize = blockSize
        self.promptTokens = promptTokens
    }

    /// Blocks that are full (a trailing partial block is not reusable by itself).
    public var fullBlocks: Int { min(blockHashes.count, promptTokens / blockSize) }

    /// Prompt tokens covered by the first `blocks` blocks.
    public func tokens(inFirst blocks: Int) -> Int { min(blocks * blockSize, promptTokens) }
}

/// A replica's load as the router sees it: requests it sent there and has not seen finish,
/// and its own estimate of the prompt tokens still waiting to be prefilled there.
public struct ReplicaLoad: Sendable, Equatable {
    public var outstanding: Int
    public var pendingPrefillTokens: Int
    /// The replica's prefill speed (tokens/s), as measured (e.g. by `continuum bench`).
    public var prefillTokensPerSecond: Double
    /// Seconds one decode step adds per sequence decoding there (the cost of sharing a replica
    /// with running generations).
    public var decodeSecondsPerSequence: Double
    public var healthy: Bool

    public init(outstanding: Int = 0, pendingPrefillTokens: Int = 0, prefillTokensPerSecond: Double = 1000,
                decodeSecondsPerSequence: Double = 0, healthy: Bool = true) {
        self.outstanding = outstanding
        self.pendingPrefillTokens = pendingPrefillTokens
        self.prefillTokensPerSecond = prefillTokensPerSecond
        self.decodeSecondsPerSequence = decodeSecondsPerSequence
        self.healthy = healthy
    }
}

/// A policy's choice: the replica (an index into the loads it was given), why, and how many
/// prompt tokens it expects that replica to have cached (the router's estimate of the
/// prefill it saves, used for its pending-prefill bookkeeping).
public struct RoutingDecision: Sendable, Equatable {
    public var replica: Int
    public var reason: String
    public var expectedCachedTokens: Int

    public init(replica: Int, reason: String, expectedCachedTokens: Int = 0) {
        self.replica = replica
        self.reason = reason
        self.expectedCachedTokens = expectedCachedTokens
    }
}

/// What replicas report about their KV caches (`GET /v1/kv-events`), and membership changes.
public enum RoutingEvent: Sendable, Equatable {
    case stored(replica: Int, hashes: [UInt64])
    case evicted(replica: Int, hashes: [UInt64])
    /// The replica's event stream is connected: from now on its index is exact.
    case subscribed(replica: Int)
    /// The replica is gone (or its event stream broke): forget what it held.
    case removed(replica: Int)
}

/// Chooses a replica for each request. Pure: no I/O, no clock but the `now` it is given
/// (seconds), no randomness but its own seeded generator; so a simulation is deterministic.
/// Not thread-safe: one caller at a time (the gateway holds it under a lock).
public protocol RoutingPolicy: AnyObject {
    var name: String { get }
    /// Picks one of `replicas` (indices into it) for `request`. At least one is healthy.
    func route(_ request: RoutingRequest, replicas: [ReplicaLoad], now: Double) -> RoutingDecision
    /// KV events and membership changes; policies that do not use them ignore them.
    func observe(_ event: RoutingEvent, now: Double)
}

extension RoutingPolicy {
    public func observe(_ event: RoutingEvent, now: Double) {}
}

extension [ReplicaLoad] {
    /// Indices of healthy replicas (all of them if none is marked healthy, so a policy always answers).
    var healthyIndices: [Int] {
        let h = indices.filter { self[$0].healthy }
        return h.isEmpty ? [Int](indices) : h
    }
}
