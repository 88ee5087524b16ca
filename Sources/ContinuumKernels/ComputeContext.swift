internal import CContinuumKernels

/// Threads + preallocated scratch. Nothing is allocated per call once scratch has grown to the
/// largest size used.
// @unchecked Sendable: the pool and scratch are used by one caller at a time (documented contract);
// `task` is written before the pool publishes a generation (release) and read by workers after
// they observe it (acquire).
public final class ComputeContext: @unchecked Sendable {
    let pool: OpaquePointer
    private var task: ((Int, Int) -> Void)?
    private var indexTask: ((Int, Int) -> Void)?
    private var scratchBase: UnsafeMutableRawPointer?
    private var scratchCapacity = 0

    public init(threads: Int) {
        pool = ck_pool_create(Int32(max(1, threads)))
    }

    deinit {
        ck_pool_destroy(pool)
        scratchBase?.deallocate()
    }

    public var threadCount: Int { Int(ck_pool_threads(pool)) }

    /// Runs body(threadIndex, threadCount) on every thread (the caller's thread is index 0) and
    /// returns when all finished. Called again from inside a body, it runs inline as (0, 1).
    public func parallel(_ body: (Int, Int) -> Void) {
        if threadCount == 1 || ck_pool_in_task() != 0 { body(0, 1); return }
        withoutActuallyEscaping(body) { escaping in
            task = escaping
            ck_pool_run(pool, { ctx, ith, nth in
                let me = Unmanaged<ComputeContext>.fromOpaque(ctx!).takeUnretainedValue()
                me.task!(Int(ith), Int(nth))
            }, Unmanaged.passUnretained(self).toOpaque())
            task = nil
        }
    }

    /// Calls body(index, threadIndex) for every index in 0..<count; indices are handed out one at a
    /// time to whichever threads are running, so a thread the OS has descheduled holds up at most
    /// one index (better than a static split on a busy machine). Each threadIndex is used by one
    /// thread at a time (use it for per-thread scratch). Nested calls run inline.
    public func parallelFor(_ count: Int, _ body: (Int, Int) -> Void) {
        if threadCount == 1 || count <= 1 || ck_pool_in_task() != 0 {
            for i in 0..<count { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            indexTask = escaping
            ck_pool_for(pool, Int32(count), { ctx, index, ith in
                let me = Unmanaged<ComputeContext>.fromOpaque(ctx!).takeUnretainedValue()
                me.indexTask!(Int(index), Int(ith))
            }, Unmanaged.passUnretained(self).toOpaque())
            indexTask = nil
        }
    }

    /// Scratch of at least `bytes` bytes, 64-byte aligned; grows (and forgets old contents) only
    /// when a larger size is first asked for. Kernels taking a context use it, so they must not be
    /// called from inside `parallel` / `parallelFor` bodies (checked).
    package func scratch(bytes: Int) -> UnsafeMutableRawPointer {
        precondition(ck_pool_in_task() == 0, "kernels that take a ComputeContext cannot run inside its parallel bodies")
        if bytes > scratchCapacity || scratchBase == nil {
            scratchBase?.deallocate()
            let cap = max(bytes, 4096, scratchCapacity * 2)
            scratchBase = .allocate(byteCount: cap, alignment: 64)
            scratchCapacity = cap
        }
        return scratchBase!
    }
}
