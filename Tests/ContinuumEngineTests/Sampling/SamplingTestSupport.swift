import ContinuumEngine
import Foundation

/// Samples once from a copy of `logits`.
func sampleOnce(_ sampler: Sampler, _ logits: [Float]) -> SampledToken {
    var copy = logits
    return copy.withUnsafeMutableBufferPointer { sampler.sample(logits: $0.baseAddress!) }
}

/// Logits whose softmax is `probabilities` (up to a constant).
func logits(fromProbabilities probabilities: [Double]) -> [Float] {
    probabilities.map { Float(Foundation.log($0)) }
}

/// Reproducible pseudo-random logits, roughly Gaussian with the given spread.
func randomLogits(count: Int, seed: UInt64, spread: Float = 3) -> [Float] {
    var g = Xoshiro256StarStar(seed: seed)
    return (0..<count).map { _ in
        // Sum of 4 uniforms: a cheap bell shape.
        var s = 0.0
        for _ in 0..<4 { s += g.nextUnit() }
        return Float(s - 2) * spread
    }
}

/// The sampler chain written the obvious way (full sort, Double softmax), for comparison:
/// the probability of each token after penalties → top-k → top-p → min-p → temperature.
func referenceDistribution(_ raw: [Float], _ p: SamplingParameters, history: [Int32] = []) -> [Double] {
    var l = raw.map(Double.init)
    if p.penaltyLastN > 0 {
        var counts: [Int: Int] = [:]
        for t in history.suffix(p.penaltyLastN) { counts[Int(t), default: 0] += 1 }
        for (t, c) in counts {
            let r = Double(p.repetitionPenalty)
            l[t] = l[t] <= 0 ? l[t] * r : l[t] / r
            l[t] -= Double(c) * Double(p.frequencyPenalty) + Double(p.presencePenalty)
        }
    }
    var order = Array(l.indices).sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }
    var out = [Double](repeating: 0, count: l.count)
    if p.temperature == 0 {
        out[order[0]] = 1
        return out
    }
    if p.topK > 0 { order = Array(order.prefix(p.topK)) }
    let lmax = l[order[0]]
    if p.topP < 1 {
        let z = order.reduce(0.0) { $0 + Foundation.exp(l[$1] - lmax) }
        var cum = 0.0
        for (i, t) in order.enumerated() {
            cum += Foundation.exp(l[t] - lmax) / z
            if cum >= Double(p.topP) {
                order = Array(order.prefix(i + 1))
                break
            }
        }
    }
    if p.minP > 0 {
        let threshold = lmax + Foundation.log(Double(p.minP))
        order = order.filter { l[$0] >= threshold }
    }
    let t = Double(p.temperature)
    let z = order.reduce(0.0) { $0 + Foundation.exp((l[$1] - lmax) / t) }
    for i in order { out[i] = Foundation.exp((l[i] - lmax) / t) / z }
    return out
}

/// log-softmax in Double.
func referenceLogSoftmax(_ raw: [Float]) -> [Double] {
    let m = Double(raw.max()!)
    let lse = m + Foundation.log(raw.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
    return raw.map { Double($0) - lse }
}

/// Frequencies of `draws` samples.
func empiricalFrequencies(_ sampler: Sampler, _ logits: [Float], draws: Int) -> [Double] {
    var counts = [Int](repeating: 0, count: logits.count)
    var copy = logits
    copy.withUnsafeMutableBufferPointer { buf in
        for _ in 0..<draws { counts[Int(sampler.sample(logits: buf.baseAddress!).id)] += 1 }
    }
    return counts.map { Double($0) / Double(draws) }
}

/// Every token's frequency is within 5 standard errors (plus a small floor) of its probability,
/// and tokens of probability 0 never occur.
func frequenciesMatch(_ freq: [Double], _ prob: [Double], draws: Int) -> Bool {
    for (f, p) in zip(freq, prob) {
        if p == 0 && f != 0 { return false }
        let sigma = (p * (1 - p) / Double(draws)).squareRoot()
        if abs(f - p) > 5 * sigma + 1e-3 { return false }
    }
    return true
}
