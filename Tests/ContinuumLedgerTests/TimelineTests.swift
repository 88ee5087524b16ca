import ContinuumLedger
import Foundation
import Testing

/// `usageTimeline`: rows counted per aligned time bucket and group, oldest first, errors
/// and tokens summed, keys labelled "prefix (name)", the time range honoured.
@Suite struct TimelineTests {
    @Test func bucketsAndGroups() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.path("ledger.sqlite"))
        let (keyID, _) = try await ledger.createKey(name: "ops")
        let base = Date(timeIntervalSince1970: 1_800_000_000)  // a multiple of 60 and 3600
        let rows = [
            finishedRecord("a", keyID: keyID, model: "qwen", prompt: 10, completion: 5, startedAt: base.addingTimeInterval(5)),
            finishedRecord("b", model: "qwen", prompt: 1, completion: 2, status: .error, startedAt: base.addingTimeInterval(59)),
            finishedRecord("c", keyID: keyID, model: "phi", startedAt: base.addingTimeInterval(61)),
            finishedRecord("d", model: "qwen", startedAt: base.addingTimeInterval(125)),
            finishedRecord("too-old", model: "qwen", startedAt: base.addingTimeInterval(-1)),
        ]
        for r in rows { ledger.record(r) }
        await ledger.flush()

        let byModel = try await ledger.usageTimeline(since: base, bucketSeconds: 60, groupBy: .model)
        let t = base.timeIntervalSince1970
        #expect(byModel == [
            UsageBucket(start: t, group: "qwen", requests: 2, errors: 1, promptTokens: 11, completionTokens: 7),
            UsageBucket(start: t + 60, group: "phi", requests: 1, errors: 0, promptTokens: 10, completionTokens: 5),
            UsageBucket(start: t + 120, group: "qwen", requests: 1, errors: 0, promptTokens: 10, completionTokens: 5),
        ])

        let byKey = try await ledger.usageTimeline(since: base, until: base.addingTimeInterval(120), bucketSeconds: 3600, groupBy: .key)
        #expect(byKey.map(\.requests) == [2, 1])
        #expect(byKey[0].group.hasSuffix("(ops)"))
        #expect(byKey[1].group == "-")
    }
}
