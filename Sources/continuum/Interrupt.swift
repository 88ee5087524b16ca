import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C in `chat`: while an answer streams it stops that answer and returns to the
/// prompt; at the prompt it quits, as a shell would.
final class Interrupt: @unchecked Sendable {
    // `@unchecked Sendable`: `pending` is only read and written on `queue`.
    private let queue = DispatchQueue(label: "continuum.interrupt")
    private let source: any DispatchSourceSignal
    private var pending = false
    private var generating = false

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
        source.setEventHandler { [unowned self] in
            if generating { pending = true } else { Stdout.write("\n"); exit(130) }
        }
        source.resume()
    }

    /// Marks the start or end of an answer.
    func setGenerating(_ on: Bool) { queue.sync { generating = on; pending = false } }

    /// True once after Ctrl-C was pressed during an answer.
    var takePending: Bool { queue.sync { defer { pending = false }; return pending } }
}
