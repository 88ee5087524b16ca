/// A routed request's claim on its replica's load, as the router counts it: in flight until
/// `finish`, its expected uncached prompt tokens pending until `firstToken`. Idempotent, so
/// every exit path can call both; a ticket dropped unfinished finishes itself, so no path
/// can leave a replica's count raised.
public final class RouteTicket: @unchecked Sendable {
    // `@unchecked Sendable`: the flags are only touched under the group's lock.
    weak var group: ReplicaGroup?
    let replica: Int
    let pendingTokens: Int
    var gotFirstToken = false
    var finished = false

    init(group: ReplicaGroup?, replica: Int, pendingTokens: Int) {
        self.group = group
        self.replica = replica
        self.pendingTokens = pendingTokens
    }

    public func firstToken() { group?.release(self, finishing: false) }
    public func finish() { group?.release(self, finishing: true) }

    deinit { group?.release(self, finishing: true) }
}
