import ContinuumRouting
import Foundation
import Testing

@Suite struct AnswerConfidenceTests {
    @Test func oneTokenIsItsProbability() {
        let c = AnswerConfidence(logprobs: [Float(log(0.37))])
        #expect(abs(c.score - 0.37) < 1e-6)
        #expect(c.tokens == 1)
    }

    @Test func geometricMeanOfSeveralTokens() {
        let probs = [0.9, 0.5, 0.2, 0.99]
        let c = AnswerConfidence(logprobs: probs.map { Float(log($0)) })
        let expected = exp(probs.map { log($0) }.reduce(0, +) / Double(probs.count))
        #expect(abs(c.score - expected) < 1e-6)
    }

    @Test func incrementalEqualsBatch() {
        var c = AnswerConfidence()
        for l: Float in [-0.1, -2.5, -0.01] { c.add(l) }
        #expect(c == AnswerConfidence(logprobs: [-0.1, -2.5, -0.01]))
    }

    @Test func edgeValues() {
        #expect(AnswerConfidence().score == 1)  // nothing generated: nothing to doubt
        #expect(AnswerConfidence(logprobs: [0, 0]).score == 1)
        #expect(AnswerConfidence(logprobs: [-.infinity, 0]).score == 0)
        #expect(AnswerConfidence(logprobs: [.nan]).score == 0)
        #expect(AnswerConfidence(logprobs: [0.5]).score == 1)  // positive logprobs are clamped to certainty
        #expect(AnswerConfidence(logprobs: [-800]).score == 0)
        #expect(abs(AnswerConfidence(logprobs: [-30]).score - exp(-30)) < 1e-18)
    }
}
