#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex (Synchronization.Mutex needs macOS 15; the package
/// supports macOS 14).
///
/// `@unchecked Sendable`: `value` is only reached inside `withLock`, which holds the mutex.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// First index of `needle` in `haystack[from..<to]`, or nil (memchr for the first byte).
func findBytes(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
    let n = needle.count
    guard n > 0, let base = haystack.baseAddress else { return nil }
    let first = Int32(needle[0])
    var i = from
    while i + n <= to {
        guard let hit = memchr(base + i, first, to - i - n + 1) else { return nil }
        let at = base.distance(to: UnsafeRawPointer(hit))
        if memcmpEqual(base + at, needle.baseAddress!, n) { return at }
        i = at + 1
    }
    return nil
}
