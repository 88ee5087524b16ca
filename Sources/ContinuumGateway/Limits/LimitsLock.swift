import Foundation

/// A value behind a lock, for the limits' shared state (no side effects inside the lock).
// @unchecked Sendable: `value` is only touched inside `lock.withLock`.
final class LimitsLock<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
