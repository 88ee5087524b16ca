import ContinuumLedger
import Foundation
import Testing

@Suite struct UsageTests {
    /// The rows the concurrency test writes: request i's begin row and, unless it is left
    /// in progress, its final row.
    struct Generated {
        var begin: UsageRecord
        var final: UsageRecord?
        var stored: UsageRecord { final ?? begin }
    }

    static func generate(count: Int, keys: [Int64], start: Date) -> [Generated] {
        let statuses: [RequestStatus] = [.ok, .ok, .ok, .error, .ok, .cancelled, .ok, .disconnected, .ok, .backendFailed]
        return (0..<count).map { i in
            let keyID: Int64? = i % 5 == 0 ? nil : keys[i % keys.count]
            let model = ["qwen", "llama", "bert", "phi"][i % 4]
            let tier = ["device", "edge", "cloud"][i % 3]
            let backend = "b\(i % 6)"
            let startedAt = start.addingTimeInterval(Double(i) / 1000)
            let begin = UsageRecord(
                requestID: "req-\(i)", startedAt: startedAt, keyID: keyID, model: model, tier: tier,
                backend: backend, routeReason: "test", status: .inProgress)
            if i % 50 == 49 { return Generated(begin: begin) }  // killed mid-request
            var final = begin
            final.finishedAt = startedAt.addingTimeInterval(0.5)
            final.promptTokens = i % 13 + 1
            final.completionTokens = i % 7
            final.cachedTokens = i % 3
            final.timeToFirstTokenMs = Double(i % 97) + 0.5
            final.totalMs = Double(i % 31) * 10
            final.status = statuses[i % statuses.count]
            final.httpStatus = final.status == .ok ? 200 : 502
            final.error = final.status == .ok ? nil : "failed: \(final.status.rawValue)"
            return Generated(begin: begin, final: final)
        }
    }

    /// An independent, in-memory computation of what `usageSummary` should return.
    static func expected(_ rows: [UsageRecord], group: (UsageRecord) -> String) -> [String: UsageSummary] {
        Dictionary(grouping: rows, by: group).mapValues { rows in
            let ttfts = rows.compactMap(\.timeToFirstTokenMs).sorted()
            func rank(_ p: Int) -> Double? {
                ttfts.isEmpty ? nil : ttfts[(ttfts.count * p + 99) / 100 - 1]
            }
            let totals = rows.compactMap(\.totalMs)
            return UsageSummary(
                group: group(rows[0]), keyID: nil, requests: rows.count,
                inProgress: rows.filter { $0.status == .inProgress }.count,
                errors: rows.filter { $0.status != .ok && $0.status != .inProgress }.count,
                promptTokens: rows.map(\.promptTokens).reduce(0, +),
                completionTokens: rows.map(\.completionTokens).reduce(0, +),
                cachedTokens: rows.map(\.cachedTokens).reduce(0, +),
                averageTimeToFirstTokenMs: ttfts.isEmpty ? nil : ttfts.reduce(0, +) / Double(ttfts.count),
                p50TimeToFirstTokenMs: rank(50), p95TimeToFirstTokenMs: rank(95),
                averageTotalMs: totals.isEmpty ? nil : totals.reduce(0, +) / Double(totals.count))
        }
    }

    static func check(_ actual: [UsageSummary], against expected: [String: UsageSummary]) {
        #expect(actual.count == expected.count)
        for summary in actual {
            guard let want = expected[summary.group] else {
                Issue.record("unexpected group \(summary.group)")
                continue
            }
            #expect(summary.requests == want.requests, "\(summary.group)")
            #expect(summary.inProgress == want.inProgress, "\(summary.group)")
            #expect(summary.errors == want.errors, "\(summary.group)")
            #expect(summary.promptTokens == want.promptTokens, "\(summary.group)")
            #expect(summary.completionTokens == want.completionTokens, "\(summary.group)")
            #expect(summary.cachedTokens == want.cachedTokens, "\(summary.group)")
            #expect(summary.p50TimeToFirstTokenMs == want.p50TimeToFirstTokenMs, "\(summary.group)")
            #expect(summary.p95TimeToFirstTokenMs == want.p95TimeToFirstTokenMs, "\(summary.group)")
            #expect(abs((summary.averageTimeToFirstTokenMs ?? -1) - (want.averageTimeToFirstTokenMs ?? -1)) < 1e-9, "\(summary.group)")
            #expect(abs((summary.averageTotalMs ?? -1) - (want.averageTotalMs ?? -1)) < 1e-9, "\(summary.group)")
        }
        // Busiest first.
        #expect(actual.map(\.requests) == actual.map(\.requests).sorted(by: >))
    }

    @Test func thousandConcurrentRequestsAllLandWithExactSummaries() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.path("ledger.sqlite"))
        let alice = try await ledger.createKey(name: "alice").id
        let bob = try await ledger.createKey(name: "bob").id
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let generated = Self.generate(count: 1_000, keys: [alice, bob], start: start)

        // 50 tasks, 20 requests each, begin and finish interleaved across tasks.
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<50 {
                group.addTask {
                    for row in generated[(task * 20)..<(task * 20 + 20)] {
                        #expect(ledger.begin(row.begin))
                        await Task.yield()
                        if let final = row.final { #expect(ledger.record(final)) }
                    }
                }
            }
        }
        await ledger.flush()
        let stats = ledger.writerStats
        #expect(stats.pending == 0)
        #expect(stats.dropped == 0)
        #expect(stats.failed == 0)
        #expect(stats.written == 1_000 + generated.filter { $0.final != nil }.count)

        #expect(try await ledger.requestCount() == 1_000)
        let stored = generated.map(\.stored)
        for row in stored.prefix(60) {
            #expect(sameRow(try await ledger.request(id: row.requestID), row))
        }

        let names = [alice: "alice", bob: "bob"]
        let keys = try await ledger.listKeys()
        func keyLabel(_ record: UsageRecord) -> String {
            guard let id = record.keyID else { return "-" }
            let key = keys.first { $0.id == id }!
            return "\(key.prefix) (\(names[id]!))"
        }
        Self.check(try await ledger.usageSummary(since: start, groupBy: .key), against: Self.expected(stored, group: keyLabel))
        Self.check(try await ledger.usageSummary(since: start, groupBy: .model), against: Self.expected(stored) { $0.model })
        Self.check(try await ledger.usageSummary(since: start, groupBy: .tier), against: Self.expected(stored) { $0.tier! })
        Self.check(try await ledger.usageSummary(since: start, groupBy: .backend), against: Self.expected(stored) { $0.backend! })

        // Key budgets: final rows only.
        for id in [alice, bob] {
            let billed = stored.filter { $0.keyID == id && $0.status != .inProgress }.map(\.billedTokens).reduce(0, +)
            #expect(try await ledger.tokensUsed(keyID: id) == billed)
        }

        // A time window: the last 100 requests.
        let since = start.addingTimeInterval(0.9)
        let windowed = try await ledger.usageSummary(since: since, groupBy: .model)
        #expect(windowed.map(\.requests).reduce(0, +) == 100)
        Self.check(windowed, against: Self.expected(stored.filter { $0.startedAt >= since }) { $0.model })

        // Bounded listing, newest first.
        let page = try await ledger.requests(limit: 10)
        #expect(page.map(\.requestID) == (990..<1000).reversed().map { "req-\($0)" })
        let next = try await ledger.requests(before: page.last!.startedAt, limit: 5)
        #expect(next.map(\.requestID) == (985..<990).reversed().map { "req-\($0)" })
        try await ledger.close()
    }

    @Test func percentilesAreNearestRank() async throws {
        let ledger = try Ledger.inMemory()
        let start = Date()
        for i in 1...100 {
            ledger.record(finishedRecord("r\(i)", model: "m", ttft: Double(i), startedAt: start))
        }
        ledger.record(finishedRecord("solo", model: "solo", ttft: 7, startedAt: start))
        ledger.record(finishedRecord("none", model: "none", ttft: nil, startedAt: start))
        await ledger.flush()
        let summary = try await ledger.usageSummary(since: start, groupBy: .model)
        #expect(summary.map(\.group) == ["m", "none", "solo"])
        #expect(summary[0].p50TimeToFirstTokenMs == 50)
        #expect(summary[0].p95TimeToFirstTokenMs == 95)
        #expect(summary[0].averageTimeToFirstTokenMs == 50.5)
        #expect(summary[1].p50TimeToFirstTokenMs == nil)
        #expect(summary[1].averageTimeToFirstTokenMs == nil)
        #expect(summary[2].p50TimeToFirstTokenMs == 7)
        #expect(summary[2].p95TimeToFirstTokenMs == 7)
        #expect(try await ledger.usageSummary(since: start, groupBy: .model, limit: 1).count == 1)
    }

    @Test func beginThenRecordReplacesAndALateBeginDoesNotClobber() async throws {
        let ledger = try Ledger.inMemory()
        let final = finishedRecord("r1", prompt: 3, completion: 4)
        var begin = final
        begin.status = .ok  // begin forces in_progress whatever it is given
        begin.promptTokens = 0
        ledger.begin(begin)
        await ledger.flush()
        #expect(try await ledger.request(id: "r1")?.status == .inProgress)
        ledger.record(final)
        ledger.begin(begin)  // e.g. a retried begin after the end: ignored
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "r1"), final))
    }

    @Test func longErrorTextIsCut() async throws {
        let ledger = try Ledger.inMemory()
        var record = finishedRecord("r1", status: .error)
        record.error = String(repeating: "x", count: 10_000)
        ledger.record(record)
        await ledger.flush()
        #expect(try await ledger.request(id: "r1")?.error?.count == UsageRecord.maxErrorLength)
    }
}
