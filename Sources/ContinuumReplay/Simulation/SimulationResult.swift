/// What happened to one request in a simulation (nil times: rejected, it could never fit).
public struct RequestOutcome: Sendable, Equatable {
    public var arrival: Double
    public var firstToken: Double?
    public var finish: Double?
    public var replica: Int
    public var promptTokens: Int
    public var cachedTokens: Int
    public var outputTokens: Int

    public var timeToFirstToken: Double? { firstToken.map { $0 - arrival } }
}

/// A policy's run: per-request outcomes and the summary figures of the report.
public struct SimulationResult: Sendable {
    public let policy: String
    public let loadFactor: Double
    public let outcomes: [RequestOutcome]
    public let replicaBusySeconds: [Double]

    public var completed: [RequestOutcome] { outcomes.filter { $0.finish != nil } }
    public var rejected: Int { outcomes.count - completed.count }
    public var ttfts: [Double] { completed.compactMap(\.timeToFirstToken).sorted() }
    public var meanTTFT: Double { let t = ttfts; return t.isEmpty ? 0 : t.reduce(0, +) / Double(t.count) }
    public var p50TTFT: Double { Self.percentile(ttfts, 50) }
    public var p99TTFT: Double { Self.percentile(ttfts, 99) }

    /// Output tokens per second from the first arrival to the last finish.
    public var throughput: Double {
        let done = completed
        guard let start = outcomes.map(\.arrival).min(), let end = done.compactMap(\.finish).max(), end > start else { return 0 }
        return Double(done.reduce(0) { $0 + $1.outputTokens }) / (end - start)
    }

    /// Share of prompt tokens served from a replica's KV cache.
    public var hitRate: Double {
        let done = completed
        let prompt = done.reduce(0) { $0 + $1.promptTokens }
        return prompt == 0 ? 0 : Double(done.reduce(0) { $0 + $1.cachedTokens }) / Double(prompt)
    }

    /// Busiest replica's compute time over the mean (1 = perfectly even).
    public var loadImbalance: Double {
        let mean = replicaBusySeconds.reduce(0, +) / Double(max(1, replicaBusySeconds.count))
        return mean == 0 ? 1 : (replicaBusySeconds.max() ?? 0) / mean
    }

    /// Nearest-rank percentile of sorted values.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
