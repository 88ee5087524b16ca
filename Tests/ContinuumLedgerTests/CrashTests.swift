// `kill -9` safety, tested with a real kill: the test re-launches its own test binary as
// a child that runs only `crashChild` (selected by --filter, enabled by an environment
// variable naming the database). The child records rows, flushes, prints READY and
// keeps writing; the parent SIGKILLs it mid-write and opens the database: it is sound,
// every flushed row is there, the interrupted requests say in_progress, and the rows
// committed during the kill form a prefix of what was written (no holes).
import ContinuumLedger
import Foundation
import Testing

private let childVariable = "CONTINUUM_LEDGER_CRASH_CHILD_DB"
private let finishedCount = 300
private let inProgressCount = 7

@Suite struct CrashTests {
    @Test func crashChild() async throws {
        guard let path = ProcessInfo.processInfo.environment[childVariable] else { return }  // parent runs: nothing
        let ledger = try Ledger(path: path)
        let (keyID, _) = try await ledger.createKey(name: "victim", tokenBudget: 1_000_000)
        for i in 0..<finishedCount {
            ledger.begin(finishedRecord("done-\(i)", keyID: keyID, status: .inProgress))
            ledger.record(finishedRecord("done-\(i)", keyID: keyID, prompt: 10, completion: 5))
        }
        for i in 0..<inProgressCount {
            ledger.begin(finishedRecord("running-\(i)", keyID: keyID, prompt: 10, completion: 0, ttft: nil, status: .inProgress))
        }
        await ledger.flush()
        FileHandle.standardOutput.write(Data("READY \(keyID)\n".utf8))  // unbuffered
        // Keep writing until killed, without ever filling the queue (so nothing is dropped
        // and the committed stream rows must be a prefix 0..<k: commits are in order).
        var i = 0
        while i < 10_000_000 {
            if ledger.writerStats.pending > 500 {
                try await Task.sleep(for: .milliseconds(1))
                continue
            }
            ledger.record(finishedRecord("stream-\(i)", model: "stream"))
            i += 1
            if i % 50 == 0 { await Task.yield() }
        }
        try await Task.sleep(for: .seconds(300))  // killed long before
    }

    @Test func flushedRowsSurviveKill9() async throws {
        if ProcessInfo.processInfo.environment[childVariable] != nil { return }  // in the child: parent's job
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")

        let child = Process()
        child.executableURL = try Self.testExecutable()
        child.arguments = Self.childArguments()
        child.environment = ProcessInfo.processInfo.environment.merging([childVariable: path]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Read the child's output until READY; a child stuck for 120 s is terminated,
        // which ends its output.
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { [child] in
            if child.isRunning { child.terminate() }
        }
        let ready = await Self.readyLine(output.fileHandleForReading)
        guard let keyID = ready else {
            child.terminate()
            Issue.record("child never printed READY; arguments \(child.arguments ?? [])")
            return
        }
        // Let the child write for a while, then kill it in the middle of its writes.
        try await Task.sleep(for: .milliseconds(300))
        #expect(kill(child.processIdentifier, SIGKILL) == 0)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGKILL)
        // The child never closed the database: its last commits are in the -wal file.
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 0)

        let ledger = try Ledger(path: path)
        #expect(try await ledger.integrityProblems() == [])
        let streamed = try await ledger.requestCount() - finishedCount - inProgressCount
        print("rows committed by the child while it was being killed: \(streamed)")
        #expect(streamed > 0)
        // No holes: rows 0..<streamed are all there, and nothing after.
        for i in stride(from: 0, to: streamed, by: max(1, streamed / 200)) {
            #expect(try await ledger.request(id: "stream-\(i)") != nil, "stream-\(i) missing")
        }
        #expect(try await ledger.request(id: "stream-\(streamed - 1)") != nil)
        #expect(try await ledger.request(id: "stream-\(streamed)") == nil)
        for i in 0..<finishedCount {
            let row = try await ledger.request(id: "done-\(i)")
            #expect(row?.status == .ok && row?.completionTokens == 5)
        }
        for i in 0..<inProgressCount {
            #expect(try await ledger.request(id: "running-\(i)")?.status == .inProgress)
        }
        #expect(try await ledger.tokensUsed(keyID: keyID) == finishedCount * 15)
        let summary = try #require(try await ledger.usageSummary(since: .distantPast, groupBy: .model).first { $0.group == "qwen" })
        #expect(summary.requests == finishedCount + inProgressCount)
        #expect(summary.inProgress == inProgressCount)
        // At the next start, the interrupted requests are closed as errors.
        #expect(try await ledger.markInterrupted(startedBefore: Date()) == inProgressCount)
        #expect(try await ledger.request(id: "running-0")?.status == .error)
        #expect(try await ledger.request(id: "running-0")?.error?.hasPrefix("interrupted") == true)
        try await ledger.close()
    }

    /// The running test binary (`swift test` runs `<Package>PackageTests.xctest`).
    static func testExecutable() throws -> URL {
        let path = CommandLine.arguments[0]
        let url = URL(fileURLWithPath: path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return url
    }

    /// Runs Swift Testing only, and only the child test.
    static func childArguments() -> [String] {
        ["--testing-library", "swift-testing", "--filter", "CrashTests/crashChild"]
    }

    /// Reads lines on a thread of its own (the read blocks) until "READY <key id>" or EOF.
    static func readyLine(_ handle: FileHandle) async -> Int64? {
        await withCheckedContinuation { continuation in
            Thread {
                var buffer = ""
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    buffer += String(decoding: data, as: UTF8.self)
                    if let range = buffer.range(of: "READY "),
                       let end = buffer[range.upperBound...].firstIndex(of: "\n") {
                        continuation.resume(returning: Int64(buffer[range.upperBound..<end]))
                        return
                    }
                }
                continuation.resume(returning: nil)
            }.start()
        }
    }
}
