import ContinuumLedger
import Foundation

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("continuum-ledger-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

func finishedRecord(
    _ id: String, keyID: Int64? = nil, model: String = "qwen", tier: String = "edge",
    backend: String = "local", prompt: Int = 10, completion: Int = 5, cached: Int = 0,
    ttft: Double? = 12, status: RequestStatus = .ok, startedAt: Date = Date()
) -> UsageRecord {
    UsageRecord(
        requestID: id, startedAt: startedAt, finishedAt: startedAt.addingTimeInterval(0.1), keyID: keyID,
        model: model, tier: tier, backend: backend, routeReason: "default",
        promptTokens: prompt, completionTokens: completion, cachedTokens: cached,
        timeToFirstTokenMs: ttft, totalMs: 100, status: status,
        httpStatus: status == .ok ? 200 : 500, error: status == .ok ? nil : "boom")
}

/// Equal up to the rounding of times stored as seconds since 1970 (a Date does not
/// always survive the round trip through a Double bit for bit).
func sameRow(_ a: UsageRecord?, _ b: UsageRecord?) -> Bool {
    guard var a, var b else { return a == nil && b == nil }
    func close(_ x: Date?, _ y: Date?) -> Bool {
        switch (x, y) {
        case (nil, nil): true
        case let (x?, y?): abs(x.timeIntervalSince(y)) < 1e-6
        default: false
        }
    }
    guard close(a.startedAt, b.startedAt), close(a.finishedAt, b.finishedAt) else { return false }
    a.startedAt = b.startedAt
    a.finishedAt = b.finishedAt
    return a == b
}
