import ServiceLifecycle

/// Probes every remote backend (`GET {base}/models`) every `interval`: a failed probe opens
/// its circuit breaker, a successful one closes it. Runs until graceful shutdown.
struct HealthChecker: Service {
    let backends: [OpenAIBackend]
    let interval: Duration
    let timeout: Duration

    func run() async throws {
        guard !backends.isEmpty else {
            // A service may not finish before shutdown: wait for it.
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await withTaskGroup(of: Void.self) { group in
                for b in backends {
                    group.addTask {
                        if await b.probe(timeout: timeout) { b.breaker.recordSuccess() } else { b.breaker.recordUnhealthy() }
                    }
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
