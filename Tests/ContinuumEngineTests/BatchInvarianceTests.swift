import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import ContinuumTokenizers
import Foundation
import Testing

/// Prefill runs batched matmuls and multi-query attention; decode runs matvecs one token at
/// a time. The kernels are batch-invariant (each output row is computed in the same order
/// whatever n), so the logits after a prompt processed in one batch, in chunks, and token by
/// token are bitwise equal: a prompt served from the prefix cache, or a request batched
/// with others, gets exactly the answer it would get alone.
@Suite(.serialized) struct BatchInvarianceTests {
    static let text = """
        The history of computing is a story of abstraction. Early machines were programmed by \
        rewiring panels; then came stored programs, assemblers, compilers and operating systems. \
        Each layer hid the one below it, so that people could think about problems rather than \
        circuits. Today a single line of a high-level language may run on billions of transistors \
        spread over many cores, caches and accelerators, and the programmer rarely notices. \
        Yet performance still depends on the layers below: memory bandwidth, cache sizes and \
        the width of vector units decide how fast a language model answers a question.
        """

    @Test(arguments: [TestResources.smolLM2, TestResources.qwen25])
    func batchedChunkedAndSequentialAgree(_ file: String) throws {
        guard let path = TestResources.model(file) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(file)))
            return
        }
        let gguf = try GGUFFile(path: path)
        let tokenizer = try Tokenizer(gguf: gguf)
        let tokens = tokenizer.encode(Self.text + " " + Self.text, parseSpecial: false)
        #expect(tokens.count > 200)
        let context = ComputeContext(threads: 2)
        let model = try ModelRegistry.load(gguf, context: context, maxBatch: 512)
        let vocab = model.configuration.vocabularySize

        func lastLogits(chunk: Int) -> [Float] {
            let cache = KVCache(configuration: model.configuration, capacity: tokens.count)
            var logits = [Float](repeating: 0, count: vocab)
            tokens.withUnsafeBufferPointer { t in
                logits.withUnsafeMutableBufferPointer { l in
                    var p = 0
                    while p < t.count {
                        let n = min(chunk, t.count - p)
                        model.forward(UnsafeBufferPointer(rebasing: t[p..<(p + n)]), start: p, cache: cache, logits: l.baseAddress!)
                        p += n
                    }
                }
            }
            return logits
        }

        let batchedRaw = lastLogits(chunk: 512)
        let batched = logSoftmax(batchedRaw)
        for chunk in [37, 1] {
            let otherRaw = lastLogits(chunk: chunk)
            #expect(batchedRaw == otherRaw, "chunk \(chunk): max |logit difference| \(zip(batchedRaw, otherRaw).map { abs($0 - $1) }.max() ?? 0)")
            let other = logSoftmax(otherRaw)
            let top = batched.indices.sorted { batched[$0] > batched[$1] }.prefix(20)
            #expect(other.indices.max { other[$0] < other[$1] } == top.first, "chunk \(chunk): different top token")
            let meanError = top.map { Double(abs(batched[$0] - other[$0])) }.reduce(0, +) / Double(top.count)
            #expect(meanError < 0.1, "chunk \(chunk): mean |logprob difference| over the top 20 is \(meanError)")
        }
    }

    private func logSoftmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        let lse = log(x.reduce(0.0) { $0 + exp(Double($1 - m)) })
        return x.map { Float(Double($0 - m) - lse) }
    }
}
