// Keys created or revoked on any instance (or by `continuum keys ... --ledger-url`) reach
// this one within a second: the store NOTIFYs `continuum_keys` on every key write, this
// instance LISTENs on a connection of its own and copies the store's key rows into its
// local ledger (ids kept), whose in-memory key table authentication reads. A poll every
// `pollInterval` catches what a lost notification or a reconnect could miss.
//
// While PostgreSQL is down the local copy stays as it was: keys keep authenticating, but
// a key created or revoked meanwhile takes effect here only once the store is back.
import ContinuumLedger
import ServiceLifecycle

extension Gateway {
    /// Mirrors the shared store's keys into the local ledger (LISTEN/NOTIFY plus a poll).
    func keyMirrorServices(_ store: SharedStore) -> [any Service] {
        guard let ledger else { return [] }
        return [KeyMirror(store: store, ledger: ledger)]
    }
}

struct KeyMirror: Service {
    let store: SharedStore
    let ledger: Ledger
    var pollInterval: Duration = .seconds(2)
    /// Pause before listening again after the LISTEN connection was lost.
    var reconnectPause: Duration = .milliseconds(500)

    func run() async throws {
        // Every trigger asks for one copy; triggers arriving during a copy collapse into one.
        let (triggers, trigger) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    while !Task.isCancelled {
                        try? await store.listenForKeyChanges { trigger.yield() }
                        try? await Task.sleep(for: reconnectPause)
                    }
                }
                tasks.addTask {
                    while !Task.isCancelled {
                        trigger.yield()
                        try? await Task.sleep(for: pollInterval)
                    }
                }
                tasks.addTask {
                    var copied: [MirroredKey]?
                    for await _ in triggers {
                        copied = await copy(after: copied)
                    }
                }
                _ = await tasks.next()
                trigger.finish()
                tasks.cancelAll()
            }
        }
    }

    /// Copies the store's keys unless they are the ones copied last; returns what the local
    /// ledger now mirrors (unchanged when the store could not be read).
    private func copy(after previous: [MirroredKey]?) async -> [MirroredKey]? {
        let store = self.store
        guard let keys = try? await store.allKeys() else { return previous }
        if keys == previous { return previous }
        do {
            try await ledger.replaceKeys(with: keys)
            return keys
        } catch {
            return previous
        }
    }
}
