import Foundation

/// What `Engine.stream` yields: every token as it is sampled, then the summary.
public enum GenerationUpdate: Sendable {
    case token(GenerationEvent)
    case finished(GenerationResult)
}

extension Engine {
    /// Generates on a thread of its own and yields tokens as they come. Stopping the
    /// iteration (or cancelling the task that iterates) stops the generation after the
    /// current step; errors (bad parameters, a prompt too long) end the stream.
    public func stream(prompt: [Int32], parameters: SamplingParameters) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        AsyncThrowingStream(bufferingPolicy: .unbounded) { continuation in
            let stop = StopFlag()
            continuation.onTermination = { _ in stop.set() }
            let thread = Thread { [self] in
                do {
                    let result = try generate(prompt: prompt, parameters: parameters) { event in
                        if stop.isSet { return false }
                        continuation.yield(.token(event))
                        return true
                    }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.name = "continuum-generate"
            thread.start()
        }
    }
}

/// A flag set from any thread. `@unchecked Sendable`: the value is only touched under `lock`.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
