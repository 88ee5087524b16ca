import Foundation

/// A value behind a lock. `Synchronization.Mutex` would do, but needs macOS 15 and the
/// package supports macOS 14.
// @unchecked Sendable: `value` is only touched inside `lock.withLock`.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
