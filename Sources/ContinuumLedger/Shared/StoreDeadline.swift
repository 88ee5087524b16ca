import Foundation

/// Runs one shared-store statement for at most `seconds`: a request must not hang on a
/// database that stopped answering (a pool waiting to reconnect can wait for minutes), it
/// is refused with 503 instead. The statement is cancelled when the time is up, but not
/// waited for: a statement stuck in the driver must not hold the request.
package func withStoreDeadline<T: Sendable>(_ seconds: Double,
                                    _ body: @escaping @Sendable () async throws(LedgerError) -> T) async throws(LedgerError) -> T {
    let race = DeadlineRace<T>()
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, LedgerError>, Never>) in
        race.start(continuation)
        let work = Task {
            let r: Result<T, LedgerError>
            do throws(LedgerError) { r = .success(try await body()) } catch { r = .failure(error) }
            race.finish(r)
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            if !Task.isCancelled, race.finish(.failure(.unreachable)) { work.cancel() }  // "shared store unreachable"
        }
        race.onFinish { timer.cancel() }
    }
    return try result.get()
}

/// The first of the statement and its deadline to finish resumes the caller.
// @unchecked Sendable: every field is only touched under `lock`.
private final class DeadlineRace<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<T, LedgerError>, Never>?
    private var done = false
    private var cleanup: (@Sendable () -> Void)?

    func start(_ c: CheckedContinuation<Result<T, LedgerError>, Never>) { lock.withLock { continuation = c } }

    /// Resumes the caller with `result` if nothing did yet; true if this call did.
    @discardableResult
    func finish(_ result: Result<T, LedgerError>) -> Bool {
        let (c, after) = lock.withLock { () -> (CheckedContinuation<Result<T, LedgerError>, Never>?, (@Sendable () -> Void)?) in
            guard !done else { return (nil, nil) }
            done = true
            defer { continuation = nil; cleanup = nil }
            return (continuation, cleanup)
        }
        c?.resume(returning: result)
        after?()
        return c != nil
    }

    /// Runs `f` once finished (now, if it already is).
    func onFinish(_ f: @escaping @Sendable () -> Void) {
        let now = lock.withLock { () -> Bool in
            if done { return true }
            cleanup = f
            return false
        }
        if now { f() }
    }
}
