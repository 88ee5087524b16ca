/// Thrown by `timeboxed` when the body did not finish in time.
struct TimeboxExpired: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit)" }
}

/// Runs `body`, cancelling it after `limit`: a call to the shared store waits at most that
/// long (the connection pool itself waits up to 15 s for a connection to a database that
/// is down before failing requests).
func timeboxed<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeboxExpired(limit: limit) }
        return value
    }
}
