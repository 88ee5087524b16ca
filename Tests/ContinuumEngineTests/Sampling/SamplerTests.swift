import ContinuumEngine
import Foundation
import Testing

/// Parameters that sample the plain softmax(logits / T): no truncation, no penalties.
private func untruncated(temperature: Float = 1, seed: UInt64 = 1) -> SamplingParameters {
    SamplingParameters(temperature: temperature, topK: 0, topP: 1, minP: 0, seed: seed)
}

@Suite struct SamplerTests {
    @Test func greedyPicksArgmaxAndRestoresLogits() throws {
        for seed in UInt64(1)...20 {
            let l = randomLogits(count: 1000 + Int(seed), seed: seed)
            let sampler = try Sampler(parameters: .greedy, vocabularySize: l.count)
            var copy = l
            let token = copy.withUnsafeMutableBufferPointer { sampler.sample(logits: $0.baseAddress!) }
            #expect(Int(token.id) == l.indices.max { l[$0] < l[$1] })
            #expect(copy == l)
        }
    }

    @Test func greedyBreaksTiesByLowestId() throws {
        let l: [Float] = [0, 1, 5, 3, 5, 5, -2, 5, 0, 0, 0, 5]
        let sampler = try Sampler(parameters: .greedy, vocabularySize: l.count)
        #expect(sampleOnce(sampler, l).id == 2)
    }

    @Test func sameSeedSameSequenceDifferentSeedDifferentSequence() throws {
        let l = randomLogits(count: 100, seed: 7, spread: 0.5)  // flat-ish
        func draws(_ seed: UInt64) throws -> [Int32] {
            let s = try Sampler(parameters: untruncated(seed: seed), vocabularySize: l.count)
            return (0..<50).map { _ in sampleOnce(s, l).id }
        }
        let a = try draws(12345)
        #expect(try draws(12345) == a)
        #expect(try draws(12346) != a)
        #expect(try draws(1) != a)
        #expect(Set(a).count > 20)  // really random, not stuck
    }

    @Test func nilSeedPicksOneAndReportsIt() throws {
        let l = randomLogits(count: 100, seed: 9, spread: 0.5)
        var p = untruncated()
        p.seed = nil
        let a = try Sampler(parameters: p, vocabularySize: l.count)
        let first = (0..<30).map { _ in sampleOnce(a, l).id }
        p.seed = a.seed
        let b = try Sampler(parameters: p, vocabularySize: l.count)
        #expect((0..<30).map { _ in sampleOnce(b, l).id } == first)
    }

    @Test func resetReplaysTheSameStream() throws {
        let l = randomLogits(count: 64, seed: 3, spread: 0.5)
        let s = try Sampler(parameters: untruncated(seed: 5), vocabularySize: l.count)
        let first = (0..<30).map { _ in sampleOnce(s, l).id }
        s.reset()
        #expect((0..<30).map { _ in sampleOnce(s, l).id } == first)
    }

    /// Pins the exact stream so a change to the PRNG, the exp or the chain's order shows up;
    /// the arithmetic is integer and plain IEEE float, so this holds on every platform.
    @Test func goldenSequenceForSeed42() throws {
        let l = randomLogits(count: 32000, seed: 2024, spread: 2)
        let s = try Sampler(parameters: SamplingParameters(temperature: 1.0, seed: 42), vocabularySize: l.count)
        let ids = (0..<12).map { _ in sampleOnce(s, l).id }
        #expect(ids == Self.golden42)
    }
    static let golden42: [Int32] = [26978, 17300, 22587, 21907, 2570, 12730, 12486, 31082, 12730, 9769, 22587, 17511]

    @Test func lowTemperatureApproachesGreedy() throws {
        for seed in UInt64(1)...10 {
            let l = randomLogits(count: 500, seed: seed)
            let greedy = try Sampler(parameters: .greedy, vocabularySize: l.count)
            var p = untruncated(temperature: 1e-3, seed: seed)
            let cold = try Sampler(parameters: p, vocabularySize: l.count)
            p.topK = 40
            p.topP = 0.95
            p.minP = 0.05
            let coldTruncated = try Sampler(parameters: p, vocabularySize: l.count)
            let expected = sampleOnce(greedy, l).id
            for _ in 0..<20 {
                #expect(sampleOnce(cold, l).id == expected)
                #expect(sampleOnce(coldTruncated, l).id == expected)
            }
        }
    }

    @Test func topKOneIsGreedy() throws {
        for seed in UInt64(1)...10 {
            let l = randomLogits(count: 2000, seed: seed, spread: 0.3)
            let expected = try sampleOnce(Sampler(parameters: .greedy, vocabularySize: l.count), l).id
            let s = try Sampler(
                parameters: SamplingParameters(temperature: 2, topK: 1, topP: 1, minP: 0, seed: seed),
                vocabularySize: l.count)
            for _ in 0..<20 { #expect(sampleOnce(s, l).id == expected) }
        }
    }

    @Test(arguments: [0, 40])
    func topPKeepsTheMinimalPrefix(topK: Int) throws {
        let l = logits(fromProbabilities: [0.15, 0.5, 0.05, 0.3])  // order by probability: 1, 3, 0, 2
        func support(_ topP: Float) throws -> Set<Int32> {
            let s = try Sampler(
                parameters: SamplingParameters(temperature: 1, topK: topK, topP: topP, minP: 0, seed: 1),
                vocabularySize: l.count)
            return Set((0..<2000).map { _ in sampleOnce(s, l).id })
        }
        #expect(try support(0.4) == [1])
        #expect(try support(0.79) == [1, 3])
        #expect(try support(0.81) == [1, 3, 0])
        #expect(try support(1.0) == [1, 3, 0, 2])
    }

    @Test func topPOverAWideFlatTailGrowsTheSortedPrefix() throws {
        // 1000 equal logits, the rest impossible: top-p 0.5 keeps ids 0..<500 (ties → lowest id),
        // more than the first 256 the sampler sorts, so the prefix has to grow.
        var l = [Float](repeating: -.infinity, count: 1200)
        for i in 0..<1000 { l[i] = 0 }
        let s = try Sampler(
            parameters: SamplingParameters(temperature: 1, topK: 0, topP: 0.5, minP: 0, seed: 3),
            vocabularySize: l.count)
        let ids = (0..<1000).map { _ in sampleOnce(s, l).id }
        #expect(ids.allSatisfy { $0 < 500 })
        #expect(ids.max()! >= 490)
        #expect(Set(ids).count > 380)  // ~432 expected for 1000 uniform draws from 500
    }

    @Test(arguments: [0, 40])
    func minPCutsRelativeToTheMostLikelyToken(topK: Int) throws {
        let l = logits(fromProbabilities: [0.05, 0.3, 0.5, 0.15])  // p/pmax: 0.1, 0.6, 1, 0.3
        func support(_ minP: Float) throws -> Set<Int32> {
            let s = try Sampler(
                parameters: SamplingParameters(temperature: 1, topK: topK, topP: 1, minP: minP, seed: 2),
                vocabularySize: l.count)
            return Set((0..<2000).map { _ in sampleOnce(s, l).id })
        }
        #expect(try support(0.05) == [0, 1, 2, 3])
        #expect(try support(0.2) == [1, 2, 3])
        #expect(try support(0.35) == [1, 2])
        #expect(try support(0.7) == [2])
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() throws {
        let p = SamplingParameters(temperature: 0, repetitionPenalty: 1.1, penaltyLastN: 64)
        let positive: [Float] = [2.0, 1.9, -5]
        let s = try Sampler(parameters: p, vocabularySize: 3)
        #expect(sampleOnce(s, positive).id == 0)
        s.accept(0)
        #expect(sampleOnce(s, positive).id == 1)  // 2.0 / 1.1 = 1.82 < 1.9

        let negative: [Float] = [-1.0, -1.05, -5]
        let t = try Sampler(parameters: p, vocabularySize: 3)
        t.accept(0)
        #expect(sampleOnce(t, negative).id == 1)  // -1.0 × 1.1 = -1.1 < -1.05
    }

    @Test(arguments: [
        (Float(0.4), Float(0), Int32(0)),  // 3 - 2×0.4 = 2.2 > 2
        (0.6, 0, 1),  // 3 - 2×0.6 = 1.8 < 2
        (0, 0.9, 0),  // 3 - 0.9 = 2.1: presence counts once, not per occurrence
        (0, 1.1, 1),  // 3 - 1.1 = 1.9
        (0.3, 0.3, 0),  // 3 - 2×0.3 - 0.3 = 2.1
        (0.3, 0.5, 1),  // 3 - 2×0.3 - 0.5 = 1.9
    ])
    func frequencyAndPresencePenalties(frequency: Float, presence: Float, expected: Int32) throws {
        let l: [Float] = [3, 2]
        let s = try Sampler(
            parameters: SamplingParameters(
                temperature: 0, frequencyPenalty: frequency, presencePenalty: presence, penaltyLastN: 8),
            vocabularySize: 2)
        s.accept(contentsOf: [0, 0])
        #expect(sampleOnce(s, l).id == expected)
    }

    @Test func penaltiesOnlySeeTheLastNTokens() throws {
        let l: [Float] = [3, 2, -10]
        let s = try Sampler(
            parameters: SamplingParameters(temperature: 0, presencePenalty: 2, penaltyLastN: 3),
            vocabularySize: 3)
        s.accept(0)
        #expect(sampleOnce(s, l).id == 1)
        s.accept(contentsOf: [2, 2])
        #expect(sampleOnce(s, l).id == 1)  // 0 is still among the last 3
        s.accept(2)
        #expect(sampleOnce(s, l).id == 0)  // pushed out
        s.accept(0)
        s.reset()
        #expect(sampleOnce(s, l).id == 0)
    }

    @Test func penalisedChoiceStillReportsTheModelsLogprob() throws {
        let l: [Float] = [2.0, 1.9, -1]
        let s = try Sampler(
            parameters: SamplingParameters(temperature: 0, repetitionPenalty: 1.5, topLogprobs: 3),
            vocabularySize: 3)
        s.accept(0)
        var copy = l
        let token = copy.withUnsafeMutableBufferPointer { s.sample(logits: $0.baseAddress!) }
        #expect(copy == l)  // penalties were applied in place and undone
        let ref = referenceLogSoftmax(l)
        #expect(token.id == 1)
        #expect(abs(Double(token.logprob) - ref[1]) < 1e-5)
        #expect(token.top.map(\.id) == [0, 1, 2])
    }

    @Test func logprobsAreTheModelsLogSoftmaxAndSumToOne() throws {
        let l = randomLogits(count: 20, seed: 11)
        let s = try Sampler(
            parameters: SamplingParameters(temperature: 1.3, topK: 3, penaltyLastN: 0, seed: 4, topLogprobs: 20),
            vocabularySize: l.count)
        let ref = referenceLogSoftmax(l)
        for _ in 0..<10 {
            let token = sampleOnce(s, l)
            #expect(token.top.count == 20)
            let mass = token.top.reduce(0.0) { $0 + Foundation.exp(Double($1.logprob)) }
            #expect(abs(mass - 1) < 1e-5)
            #expect(abs(Double(token.logprob) - ref[Int(token.id)]) < 1e-5)
            #expect(Set(token.top.map(\.id)).count == 20)
        }
    }

    @Test func topLogprobsAreSortedAndCorrect() throws {
        var l = randomLogits(count: 50_000, seed: 12)
        l[777] = l.max()!  // a tie for first place: lower id first
        l[70] = l[777]
        let s = try Sampler(
            parameters: SamplingParameters(seed: 1, topLogprobs: 20), vocabularySize: l.count)
        let token = sampleOnce(s, l)
        let ref = referenceLogSoftmax(l)
        let expected = Array(l.indices.sorted { ref[$0] > ref[$1] || (ref[$0] == ref[$1] && $0 < $1) }.prefix(20))
        #expect(token.top.map { Int($0.id) } == expected)
        #expect(token.top.first?.id == 70)
        for entry in token.top { #expect(abs(Double(entry.logprob) - ref[Int(entry.id)]) < 1e-4) }
        #expect(zip(token.top, token.top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
    }

    @Test func noTopLogprobsUnlessAsked() throws {
        let l = randomLogits(count: 100, seed: 1)
        let s = try Sampler(parameters: SamplingParameters(seed: 1), vocabularySize: l.count)
        #expect(sampleOnce(s, l).top.isEmpty)
    }

    @Test(arguments: [Float(1), 0.7, 1.6])
    func frequenciesMatchSoftmaxOverTemperature(temperature: Float) throws {
        let l: [Float] = [1.0, 0.5, 0.0, -0.5, 2.0, 1.5, -1.0, 0.25]
        let s = try Sampler(parameters: untruncated(temperature: temperature, seed: 99), vocabularySize: l.count)
        let freq = empiricalFrequencies(s, l, draws: 20_000)
        let prob = referenceDistribution(l, untruncated(temperature: temperature))
        #expect(frequenciesMatch(freq, prob, draws: 20_000), "\(freq) vs \(prob)")
    }

    /// The whole chain against the obvious implementation, on logits where truncation matters.
    @Test(arguments: [
        SamplingParameters(seed: 5),  // defaults: top-k 40, top-p 0.95, min-p 0.05, T 0.8
        SamplingParameters(temperature: 1.2, topK: 0, topP: 0.9, minP: 0, seed: 6),
        SamplingParameters(temperature: 0.9, topK: 0, topP: 1, minP: 0.1, seed: 7),
        SamplingParameters(temperature: 1, topK: 10, topP: 0.8, minP: 0.2, seed: 8),
        SamplingParameters(
            temperature: 1, topK: 0, topP: 0.9, minP: 0.02, repetitionPenalty: 1.3,
            frequencyPenalty: 0.2, presencePenalty: 0.3, penaltyLastN: 16, seed: 9),
    ])
    func chainMatchesReference(parameters: SamplingParameters) throws {
        let l = randomLogits(count: 150, seed: 21, spread: 2.5)
        let history: [Int32] = (0..<40).map { Int32(($0 * 37) % 150) } + [Int32(l.indices.max { l[$0] < l[$1] }!)]
        let s = try Sampler(parameters: parameters, vocabularySize: l.count)
        s.accept(contentsOf: history)
        let freq = empiricalFrequencies(s, l, draws: 10_000)
        let prob = referenceDistribution(l, parameters, history: history)
        #expect(prob.filter { $0 > 0 }.count > 3)
        #expect(frequenciesMatch(freq, prob, draws: 10_000))
    }

    @Test(arguments: [0, 40])
    func maskedTokensAreNeverDrawn(topK: Int) throws {
        var l = [Float](repeating: -.infinity, count: 300)
        for i in [3, 150, 299] { l[i] = Float(i % 7) * 0.1 }
        let s = try Sampler(
            parameters: SamplingParameters(temperature: 5, topK: topK, topP: 1, minP: 0, seed: 1), vocabularySize: l.count)
        let ids = Set((0..<300).map { _ in sampleOnce(s, l).id })
        #expect(ids == [3, 150, 299])
    }

    @Test func invalidVocabularySizeThrows() {
        #expect(throws: SamplingParametersError.self) { try Sampler(parameters: .greedy, vocabularySize: 0) }
    }

    @Test func topKAndTopLogprobsLargerThanTheVocabularyAreClamped() throws {
        let l: [Float] = [0, 1, 2]
        let s = try Sampler(parameters: SamplingParameters(topK: 40, seed: 1, topLogprobs: 20), vocabularySize: 3)
        let token = sampleOnce(s, l)
        #expect(token.top.map(\.id) == [2, 1, 0])
    }
}
