import ContinuumLedger
import Foundation
import Testing

/// The ledger as the spool of a shared store: which rows ship, and that a row rewritten
/// while its copy was in flight stays pending.
@Suite struct SpoolTests {
    @Test func finishedRowsShipOnceAndRewrittenRowsShipAgain() async throws {
        let ledger = try Ledger.inMemory()
        ledger.begin(UsageRecord(requestID: "running", model: "m", status: .inProgress))
        ledger.record(finishedRecord("a"))
        ledger.record(finishedRecord("b"))
        await ledger.flush()

        let first = try await ledger.unshippedRows(limit: 10)
        #expect(Set(first.map(\.record.requestID)) == ["a", "b"])  // in-progress rows wait
        #expect(try await ledger.unshippedCount() == 2)

        // "b" is written again after it was read: marking must not hide the new version.
        ledger.record(finishedRecord("b", completion: 50))
        await ledger.flush()
        #expect(try await ledger.markShipped(first) == 1)
        let second = try await ledger.unshippedRows(limit: 10)
        #expect(second.map(\.record.requestID) == ["b"])
        #expect(second.first?.record.completionTokens == 50)
        #expect(try await ledger.markShipped(second) == 1)
        #expect(try await ledger.unshippedRows(limit: 10).isEmpty)
        #expect(try await ledger.unshippedCount() == 0)

        // A request interrupted by a crash is closed at the next start, and then ships.
        #expect(try await ledger.markInterrupted(startedBefore: Date().addingTimeInterval(1)) == 1)
        #expect(try await ledger.unshippedRows(limit: 10).map(\.record.requestID) == ["running"])
    }

    @Test func batchesAreOldestFirst() async throws {
        let ledger = try Ledger.inMemory()
        let now = Date()
        for i in 0..<5 { ledger.record(finishedRecord("r\(i)", startedAt: now.addingTimeInterval(Double(-i)))) }
        await ledger.flush()
        #expect(try await ledger.unshippedRows(limit: 2).map(\.record.requestID) == ["r4", "r3"])
    }
}
