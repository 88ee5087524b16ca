// Active keys in memory, by SHA-256 of their secret, so that `authenticate` on the request
// path is a dictionary lookup instead of a database read (~0.3 ms through GRDB's queues
// on this machine, against a 0.1 ms budget for the whole gateway).
//
// Changes made through this `Ledger` apply at once. Changes made by another process
// (`continuum keys revoke` while serving) are seen on a miss (a new key is looked up in
// the database) or at the next reload, at most `Options.keyCacheTTL` after the last one
// (a revoked key may thus work that much longer). No timer: the first request to find
// the cache stale reloads it.
import Foundation

struct KeyCache {
    var byHash: [Data: KeyRecord] = [:]
    var loadedAt: ContinuousClock.Instant
    var reloading = false

    mutating func replace(with keys: [(hash: Data, record: KeyRecord)], at instant: ContinuousClock.Instant) {
        byHash = Dictionary(keys.map { ($0.hash, $0.record) }, uniquingKeysWith: { $1 })
        loadedAt = instant
        reloading = false
    }

    mutating func remove(id: Int64) {
        byHash = byHash.filter { $0.value.id != id }
    }
}
