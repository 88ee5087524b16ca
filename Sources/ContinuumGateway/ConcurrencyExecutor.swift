import NIOCore
import NIOPosix

extension Gateway {
    /// Runs Swift concurrency's jobs on the server's own event loop threads instead of a
    /// second pool: a proxied request then crosses no threads between accepting it, calling
    /// the upstream and answering. On a 2-core machine this halved the gateway's added
    /// latency (docs/BENCHMARKS.md). Call once, first thing in the process, before tasks
    /// pile up elsewhere. Returns false where the hook is not supported.
    @discardableResult
    public static func runConcurrencyOnEventLoops(loops: Int? = nil) -> Bool {
        if let loops { NIOSingletons.groupLoopCountSuggestion = loops }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
