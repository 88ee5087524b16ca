import ContinuumLedger

/// Runs one shared-store statement for at most `seconds`: a request must not hang on a
/// database that stopped answering (a dropped link can take minutes to notice), it is
/// refused with 503 instead. The statement is cancelled when the time is up.
func withStoreDeadline<T: Sendable>(_ seconds: Double,
                                    _ body: @escaping @Sendable () async throws(LedgerError) -> T) async throws(LedgerError) -> T {
    let result: Result<T, LedgerError> = await withTaskGroup(of: Result<T, LedgerError>?.self) { group in
        group.addTask {
            do throws(LedgerError) { return .success(try await body()) } catch { return .failure(error) }
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first ?? .failure(.unreachable)  // "shared store unreachable": no answer in time
    }
    return try result.get()
}
