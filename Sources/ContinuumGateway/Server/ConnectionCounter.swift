import Atomics

/// The open connections of one server, against its cap; shared by every connection.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = ManagedAtomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection when there is room; false when the server is full (a rejected
    /// connection is not counted).
    func admit() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// An admitted connection closed.
    func release() {
        open.wrappingDecrement(ordering: .relaxed)
    }

    var count: Int { open.load(ordering: .relaxed) }
}
