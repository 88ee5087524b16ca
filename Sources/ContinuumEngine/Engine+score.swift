import Foundation
import ContinuumModels
import ContinuumTokenizers

extension Engine {
    /// Teacher-forced scoring: for every position `i` in `from ..< tokens.count`, the model's
    /// distribution over token `i` given `tokens[..<i]`. Each result carries `tokens[i]` as
    /// `id`, its log-probability, and the `topLogprobs` most likely tokens (log-softmax of
    /// the raw logits). Used to compare with a reference engine step by step without the
    /// comparison drifting once the two sample different tokens, and to score answers.
    public func score(_ tokens: [Int32], from: Int, topLogprobs: Int = 5) throws -> [SampledToken] {
        guard from >= 1, from <= tokens.count else {
            throw EngineError(.emptyPrompt, "scoring needs at least one context token before position \(from) of \(tokens.count)")
        }
        let vocab = tokenizer.vocabularySize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw EngineError(.invalidToken, "token \(bad) is outside 0..<\(vocab)")
        }
        guard tokens.count <= contextLength else {
            throw EngineError(.promptTooLong, "\(tokens.count) tokens; the context holds \(contextLength)")
        }
        var params = SamplingParameters.greedy
        params.topLogprobs = topLogprobs
        let sampler = try Sampler(parameters: params, vocabularySize: vocab)
        return withSequence { model, cache, cached in
            let modelVocab = model.configuration.vocabularySize
            let chunk = min(64, model.maxBatch)
            let logits = UnsafeMutablePointer<Float>.allocate(capacity: chunk * modelVocab)
            defer { logits.deallocate() }
            var results: [SampledToken] = []
            cached.removeAll(keepingCapacity: true)
            var position = 0
            // Positions before `from - 1` only fill the cache; the logits of position p
            // predict token p + 1.
            tokens.withUnsafeBufferPointer { t in
                while position < t.count - 1 {
                    let end = min(t.count - 1, position + chunk)
                    let n = end - position
                    model.forward(UnsafeBufferPointer(rebasing: t[position..<end]), start: position, cache: cache,
                                  logits: logits, allLogits: true)
                    for i in 0..<n {
                        let p = position + i
                        guard p + 1 >= from, p + 1 < t.count else { continue }
                        let row = logits + i * modelVocab
                        let target = t[p + 1]
                        var top = sampler.sample(logits: row)
                        var maximum = -Float.infinity
                        for v in 0..<vocab { maximum = max(maximum, row[v]) }
                        var sum = 0.0
                        for v in 0..<vocab { sum += Double(row[v] - maximum).exp() }
                        top.logprob = Float(Double(row[Int(target)] - maximum) - sum.logValue())
                        top.id = target
                        results.append(top)
                    }
                    position = end
                }
            }
            cached.append(contentsOf: tokens[..<position])
            return results
        }
    }
}

private extension Double {
    func exp() -> Double { Foundation.exp(self) }
    func logValue() -> Double { Foundation.log(self) }
}
