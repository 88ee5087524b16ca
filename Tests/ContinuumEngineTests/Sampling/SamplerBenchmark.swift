import ContinuumEngine
import Foundation
import Testing

/// Time of one `sample()` over a Qwen2-sized vocabulary. Run in release:
/// `CONTINUUM_BENCH=1 swift test -c release --filter SamplerBenchmark`
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CONTINUUM_BENCH"] != nil))
struct SamplerBenchmark {
    static let vocabularySize = 151_936

    @Test(arguments: [
        ("defaults (top-k 40, top-p 0.95, min-p 0.05, T 0.8)", SamplingParameters(seed: 1)),
        ("greedy", SamplingParameters.greedy),
        ("defaults + penalties (last 64) + top 20 logprobs",
         SamplingParameters(repetitionPenalty: 1.1, frequencyPenalty: 0.1, presencePenalty: 0.1, seed: 1, topLogprobs: 20)),
        ("top-k off, top-p 0.95, min-p 0.05", SamplingParameters(topK: 0, seed: 1)),
        ("top-k off, top-p 0.95, min-p off", SamplingParameters(topK: 0, minP: 0, seed: 1)),
    ])
    func sampleTime(name: String, parameters: SamplingParameters) throws {
        var l = randomLogits(count: Self.vocabularySize, seed: 77, spread: 3)
        let sampler = try Sampler(parameters: parameters, vocabularySize: Self.vocabularySize)
        sampler.accept(contentsOf: (0..<64).map { Int32($0 * 997) })
        let iterations = 500
        var checksum = 0
        let clock = ContinuousClock()
        var cpu = 0.0
        let elapsed = l.withUnsafeMutableBufferPointer { buf in
            for _ in 0..<20 { checksum &+= Int(sampler.sample(logits: buf.baseAddress!).id) }  // warm-up
            return clock.measure {
                let start = threadCPUSeconds()
                for _ in 0..<iterations { checksum &+= Int(sampler.sample(logits: buf.baseAddress!).id) }
                cpu = threadCPUSeconds() - start
            }
        }
        let perCall = elapsed / iterations
        let cpuMicros = (cpu / Double(iterations) * 1e6).rounded()
        print("sample() V=\(Self.vocabularySize) \(name): wall \(perCall), thread CPU \(cpuMicros) µs per call (checksum \(checksum))")
        #expect(perCall < .milliseconds(1) || parameters.topK == 0)
    }

    /// CPU time of this thread: on a shared, loaded machine wall time also counts waiting.
    private func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    @Test func kernelTimes() {
        let l = randomLogits(count: Self.vocabularySize, seed: 77, spread: 3)
        let clock = ContinuousClock()
        var sink = 0.0
        l.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            let n = Self.vocabularySize
            let tMax = clock.measure { for _ in 0..<200 { sink += Double(SamplingMath.max(p, n)) } } / 200
            let tSum = clock.measure { for _ in 0..<200 { sink += SamplingMath.sumExp(p, n, shift: 9) } } / 200
            let tArg = clock.measure { for _ in 0..<200 { sink += Double(SamplingMath.argmax(p, n)) } } / 200
            print("max \(tMax), sumExp \(tSum), argmax \(tArg) (\(sink))")
        }
    }
}
