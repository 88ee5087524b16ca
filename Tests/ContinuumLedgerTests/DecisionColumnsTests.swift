import ContinuumLedger
import Foundation
import Testing

/// The routing decision stored with each request (policy, reason code, escalation,
/// personal data, user, estimated tokens): written, replaced, read back and grouped by.
@Suite struct DecisionColumnsTests {
    static func decided(
        _ id: String, policy: String?, reason: String?, escalation: String?, personalData: String?,
        user: String?, estimated: Bool = false, ttft: Double = 10, startedAt: Date
    ) -> UsageRecord {
        var record = finishedRecord(id, ttft: ttft, startedAt: startedAt)
        record.policy = policy
        record.reasonCode = reason
        record.escalation = escalation
        record.personalData = personalData
        record.user = user
        record.tokensEstimated = estimated
        return record
    }

    @Test func everyFieldRoundTrips() async throws {
        let ledger = try Ledger.inMemory()
        let full = Self.decided(
            "r1", policy: "cascade", reason: "privacy_kept", escalation: "before",
            personalData: "email,phone", user: "user-42", estimated: true, startedAt: Date())
        let bare = finishedRecord("r2")
        ledger.record(full)
        ledger.record(bare)
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "r1"), full))
        #expect(sameRow(try await ledger.request(id: "r2"), bare))
        let listed = try await ledger.requests(limit: 10)
        #expect(sameRow(listed.first { $0.requestID == "r1" }, full))
        let stored = try #require(try await ledger.request(id: "r2"))
        #expect(stored.policy == nil && stored.reasonCode == nil && stored.escalation == nil)
        #expect(stored.personalData == nil && stored.user == nil && !stored.tokensEstimated)
    }

    /// The final row replaces every decision column of the `begin` row, and a second final
    /// row replaces the first (including clearing them).
    @Test func finalRowReplacesTheDecision() async throws {
        let ledger = try Ledger.inMemory()
        let start = Date()
        var begin = Self.decided(
            "r1", policy: "continuum", reason: "policy", escalation: nil, personalData: nil,
            user: "u", startedAt: start)
        begin.status = .inProgress
        ledger.begin(begin)
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "r1"), begin))

        let final = Self.decided(
            "r1", policy: "cascade", reason: "fallback", escalation: "after", personalData: "iban",
            user: "v", estimated: true, startedAt: start)
        ledger.record(final)
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "r1"), final))

        let cleared = finishedRecord("r1", startedAt: start)
        ledger.record(cleared)
        await ledger.flush()
        #expect(sameRow(try await ledger.request(id: "r1"), cleared))
    }

    @Test func longUserIsCut() async throws {
        let ledger = try Ledger.inMemory()
        var record = finishedRecord("r1")
        record.user = String(repeating: "u", count: 10_000)
        ledger.record(record)
        await ledger.flush()
        #expect(try await ledger.request(id: "r1")?.user == String(repeating: "u", count: UsageRecord.maxUserLength))
    }

    @Test func summariesGroupByEachDecisionColumn() async throws {
        let ledger = try Ledger.inMemory()
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let policies: [String?] = ["round-robin", "continuum", "only", "cascade", nil]
        let reasons: [String?] = ["only_backend", "policy", "privacy_kept", "fallback", nil, "policy"]
        let escalations: [String?] = ["no", "before", "after", nil]
        let personal: [String?] = [nil, "email", "email,phone", nil, nil, "iban", nil]
        let users: [String?] = ["alice", "bob", nil]
        let rows = (0..<200).map { (i: Int) -> UsageRecord in
            Self.decided(
                "r\(i)", policy: policies[i % policies.count], reason: reasons[i % reasons.count],
                escalation: escalations[i % escalations.count], personalData: personal[i % personal.count],
                user: users[i % users.count], estimated: i % 2 == 0, ttft: Double(i % 37),
                startedAt: start.addingTimeInterval(Double(i) / 1000))
        }
        for row in rows { ledger.record(row) }
        await ledger.flush()

        let groupings: [(UsageGrouping, (UsageRecord) -> String?)] = [
            (.policy, \.policy), (.reason, \.reasonCode), (.escalation, \.escalation),
            (.personalData, \.personalData), (.user, \.user),
        ]
        for (grouping, value) in groupings {
            let summary = try await ledger.usageSummary(since: start, groupBy: grouping)
            UsageTests.check(summary, against: UsageTests.expected(rows) { value($0) ?? "-" })
            #expect(summary.contains { $0.group == "-" }, "\(grouping): NULL shows as -")
            #expect(summary.allSatisfy { $0.keyID == nil })
        }
        #expect(UsageGrouping(rawValue: "personal-data") == .personalData)
        #expect(UsageGrouping(rawValue: "reason") == .reason)
    }
}
