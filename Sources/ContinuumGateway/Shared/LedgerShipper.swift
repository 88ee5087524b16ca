// Request rows reach the shared store from each instance's local ledger, which stays the
// spool: a request's row is committed to SQLite as always (never waiting on PostgreSQL),
// and this service copies finished rows to the store every `interval`, at most
// `SharedStore.maxShipBatch` per statement (one multi-row upsert by request id, tagged with
// the instance id), then marks them shipped. PostgreSQL down: the rows stay pending on disk
// and ship when it is back, in order. A row shipped but not marked (the process died in
// between) ships again and replaces itself: none lost, none doubled.
import ContinuumLedger
import Prometheus
import ServiceLifecycle

extension Gateway {
    /// Ships finished ledger rows from the local spool to the shared store.
    func ledgerShippingServices(_ store: SharedStore) -> [any Service] {
        guard let ledger else { return [] }
        return [LedgerShipper(store: store, ledger: ledger, metrics: metrics)]
    }
}

struct LedgerShipper: Service {
    let store: SharedStore
    let ledger: Ledger
    var interval: Duration = .milliseconds(200)
    /// Pause after a failed shipment (the store down or refusing).
    var retryPause: Duration = .seconds(1)
    /// At graceful shutdown, how long the last rows may take to ship (then they wait in
    /// the spool for the next start).
    var finalLimit: Double = 5
    let pending: Gauge
    let shipped: Counter
    let failures: Counter

    init(store: SharedStore, ledger: Ledger, metrics: GatewayMetrics) {
        self.store = store
        self.ledger = ledger
        pending = metrics.registry.makeGauge(descriptor: .init(
            namespace: "continuum", metricName: "ledger_rows_pending_shipment",
            helpText: "Finished ledger rows kept locally, not yet copied to the shared store"))
        shipped = metrics.registry.makeCounter(descriptor: .init(
            namespace: "continuum", metricName: "ledger_rows_shipped", unitName: "total",
            helpText: "Ledger rows copied to the shared store"))
        failures = metrics.registry.makeCounter(descriptor: .init(
            namespace: "continuum", metricName: "ledger_shipment_failures", unitName: "total",
            helpText: "Shipments to the shared store that failed (rows kept, retried)"))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let ok = await shipAll()
                await updatePending()
                try? await Task.sleep(for: ok ? interval : retryPause)
            }
        }
        // Shutting down: the HTTP server has stopped (services stop in reverse order), so
        // every row is recorded; commit them, then ship what the store takes in time.
        await ledger.flush()
        _ = try? await withStoreDeadline(finalLimit) { await shipAll() }
        await updatePending()
    }

    /// Ships batches until the spool is empty; false if a batch failed.
    @discardableResult
    func shipAll() async -> Bool {
        while !Task.isCancelled {
            do {
                let rows = try await ledger.unshippedRows(limit: SharedStore.maxShipBatch)
                guard !rows.isEmpty else { return true }
                let store = self.store, records = rows.map(\.record)
                try await store.upsertRequests(records)
                try await ledger.markShipped(rows)
                shipped.increment(by: Int64(rows.count))
                if rows.count < SharedStore.maxShipBatch { return true }
            } catch {
                failures.increment()
                return false
            }
        }
        return true
    }

    private func updatePending() async {
        if let n = try? await ledger.unshippedCount() { pending.set(Int64(n)) }
    }
}
