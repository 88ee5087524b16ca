import ContinuumLedger
import Foundation

/// What the dashboard's live panels read, kept in memory since start: finished requests
/// counted by model, tier, backend and status, cascade escalations, personal-data
/// decisions, and the last few hundred TTFT and tokens/s samples (for percentiles).
/// Counters only go up, so the page turns two snapshots into rates. Labels come from
/// finished ledger rows (configured names, not client input), so the sets stay bounded.
final class LiveTally: @unchecked Sendable {
    // `@unchecked Sendable`: every field is read and written under `lock`.
    private let lock = NSLock()
    private var requests: [RequestKey: Int] = [:]
    private var escalations: [String: Int] = [:]
    private var personalData: [String: Int] = [:]
    private var ttft = SampleRing(capacity: 256)
    private var tokensPerSecond = SampleRing(capacity: 256)

    struct RequestKey: Hashable, Sendable {
        let model, tier, backend, status: String
    }

    /// Counts one finished row (a cascade's escalated attempt counts as its own row).
    func record(_ row: UsageRecord) {
        let key = RequestKey(model: row.model, tier: row.tier ?? "-", backend: row.backend ?? "-", status: row.status.rawValue)
        // Tokens per second of decoding: completion tokens over the time after the first one.
        var rate: Double?
        if let total = row.totalMs, let first = row.timeToFirstTokenMs, row.completionTokens > 1, total > first {
            rate = Double(row.completionTokens - 1) / ((total - first) / 1000)
        }
        lock.withLock {
            requests[key, default: 0] += 1
            if let e = row.escalation { escalations[e, default: 0] += 1 }
            let kinds = row.personalData?.split(separator: ",").map(String.init) ?? ["none"]
            for k in kinds { personalData[k, default: 0] += 1 }
            if let t = row.timeToFirstTokenMs { ttft.append(t) }
            if let rate { tokensPerSecond.append(rate) }
        }
    }

    /// The counters and recent-sample percentiles as they are now.
    func snapshot() -> DashboardLive.Traffic {
        lock.withLock {
            DashboardLive.Traffic(
                requests: requests.map { k, n in .init(model: k.model, tier: k.tier, backend: k.backend, status: k.status, count: n) }
                    .sorted { ($0.model, $0.tier, $0.backend, $0.status) < ($1.model, $1.tier, $1.backend, $1.status) },
                escalations: escalations, personalData: personalData,
                timeToFirstTokenMs: ttft.summary, tokensPerSecond: tokensPerSecond.summary)
        }
    }
}

/// The last `capacity` values of a measure, oldest overwritten first.
struct SampleRing: Sendable {
    let capacity: Int
    private var values: [Double] = []
    private var next = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ v: Double) {
        if values.count < capacity { values.append(v) } else { values[next] = v }
        next = (next + 1) % capacity
    }

    /// Count and nearest-rank percentiles of the samples held; nil when empty.
    var summary: DashboardLive.Percentiles? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        func p(_ q: Double) -> Double { s[max(0, Int((q * Double(s.count)).rounded(.up)) - 1)] }
        return .init(samples: s.count, p50: p(0.5), p90: p(0.9), p99: p(0.99), max: s[s.count - 1])
    }
}
