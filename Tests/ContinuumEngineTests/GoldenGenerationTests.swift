import ContinuumEngine
import Foundation
import Testing

/// Greedy decoding against llama.cpp's golden vectors: token ids equal up to the first
/// step where llama.cpp's top two log-probabilities are within 1e-3 (a near-tie two correct
/// engines may break differently); top-5 log-probabilities within 0.05 wherever both agree
/// on the top token.
@Suite(.serialized) struct GoldenGenerationTests {
    static let tieMargin = 1e-3
    static let logprobTolerance = 0.05

    @Test func smolLM2MatchesLlamaCpp() throws {
        try check(model: TestResources.smolLM2, golden: TestResources.sharedGolden.appendingPathComponent("smollm2-135m-q4_1.json"))
    }

    @Test func qwen25MatchesLlamaCpp() throws {
        try check(model: TestResources.qwen25, golden: TestResources.projectGolden.appendingPathComponent("qwen2.5-coder-0.5b-q4_k_m.json"))
    }

    func check(model file: String, golden url: URL) throws {
        guard let path = TestResources.model(file) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(file)))
            return
        }
        let golden = try GoldenFile.load(url)
        let engine = try Engine(.init(modelPath: path, threads: 2, contextLength: 1024))
        for g in golden.generate {
            var params = SamplingParameters.greedy
            params.maxTokens = g.output_ids.count
            params.topLogprobs = 5
            engine.resetCache()
            var steps: [SampledToken] = []
            try engine.generate(prompt: g.prompt_ids, parameters: params) { steps.append($0.token); return true }

            var compared = 0
            for (i, ref) in g.steps.enumerated() {
                let tie = ref.top.count > 1 && ref.top[0].logprob - ref.top[1].logprob < Self.tieMargin
                if tie { break }
                guard i < steps.count else {
                    Issue.record("\(g.name): stopped after \(steps.count) tokens, llama.cpp generated \(g.steps.count)")
                    break
                }
                let ours = steps[i]
                #expect(ours.id == ref.id, "\(g.name) step \(i): token \(ours.id), llama.cpp \(ref.id)")
                if ours.id != ref.id { break }
                for t in ref.top {
                    guard let mine = ours.top.first(where: { $0.id == t.id }) else {
                        // Near the bottom of the top 5 a token may swap with the 6th: then its
                        // logprob must be within tolerance of our 5th.
                        let fifth = Double(ours.top.last?.logprob ?? 0)
                        #expect(abs(fifth - t.logprob) <= Self.logprobTolerance,
                                "\(g.name) step \(i): llama.cpp's top token \(t.id) (\(t.logprob)) missing from our top-5")
                        continue
                    }
                    #expect(abs(Double(mine.logprob) - t.logprob) <= Self.logprobTolerance,
                            "\(g.name) step \(i) token \(t.id): logprob \(mine.logprob), llama.cpp \(t.logprob)")
                }
                compared += 1
            }
            #expect(compared > 0, "\(g.name): no step compared")
        }
    }
}
