/// Chooses tokens for one sequence: penalties → top-k → top-p → min-p → temperature → draw,
/// the order of llama.cpp's default sampler chain (`common/sampling.cpp`).
///
/// Buffers are allocated once in `init` (candidate arrays of `min(topK, vocabularySize)`
/// entries, or the whole vocabulary when top-k is off; a count table when penalties are on),
/// so ``sample(logits:)`` allocates nothing unless `topLogprobs > 0`. Each call is O(V):
/// top-k is a bounded-heap selection (O(V log k)), top-p without top-k cuts by buckets, and
/// nothing sorts the whole vocabulary.
///
/// Usage: ``accept(contentsOf:)`` the prompt, then per step ``sample(logits:)`` and
/// ``accept(_:)`` the chosen id. `maxTokens` and `stop` are the generation loop's to enforce
/// (see ``StopStringMatcher``).
///
/// Not thread-safe: use one sampler per sequence, from one task at a time.
public final class Sampler {
    /// The validated parameters.
    public let parameters: SamplingParameters
    public let vocabularySize: Int
    /// The seed in use: `parameters.seed`, or the random one picked when that was `nil`.
    /// Passing it back as `parameters.seed` replays the same choices.
    public let seed: UInt64

    private var rng: Xoshiro256StarStar
    private var window: PenaltyWindow
    private let topPBuckets: TopPBuckets
    private let candidateCapacity: Int
    private let candidateIds: UnsafeMutablePointer<Int32>
    private let candidateLogits: UnsafeMutablePointer<Float>
    private let candidateProbs: UnsafeMutablePointer<Float>
    private let topCount: Int
    private let topIds: UnsafeMutablePointer<Int32>
    private let topLogits: UnsafeMutablePointer<Float>
    /// log(minP), computed once.
    private let logMinP: Float

    /// Throws ``SamplingParametersError`` if a parameter is out of range or
    /// `vocabularySize < 1`.
    public init(parameters: SamplingParameters, vocabularySize: Int) throws(SamplingParametersError) {
        guard vocabularySize >= 1, vocabularySize <= Int(Int32.max) else {
            throw .init(.vocabularySize, "must be in 1...\(Int32.max), got \(vocabularySize)")
        }
        self.parameters = try parameters.validated()
        self.vocabularySize = vocabularySize
        if let s = parameters.seed {
            seed = s
        } else {
            var g = SystemRandomNumberGenerator()
            seed = g.next()
        }
        rng = Xoshiro256StarStar(seed: seed)
        window = PenaltyWindow(parameters: parameters, vocabularySize: vocabularySize)
        topPBuckets = TopPBuckets()
        candidateCapacity = parameters.topK > 0 ? Swift.min(parameters.topK, vocabularySize) : vocabularySize
        candidateIds = .allocate(capacity: candidateCapacity)
        candidateLogits = .allocate(capacity: candidateCapacity)
        candidateProbs = .allocate(capacity: candidateCapacity)
        topCount = Swift.min(parameters.topLogprobs, vocabularySize)
        topIds = .allocate(capacity: Swift.max(topCount, 1))
        topLogits = .allocate(capacity: Swift.max(topCount, 1))
        logMinP = parameters.minP > 0 ? Float(SamplingMath.log(Double(parameters.minP))) : -.infinity
    }

    deinit {
        candidateIds.deallocate()
        candidateLogits.deallocate()
        candidateProbs.deallocate()
        topIds.deallocate()
        topLogits.deallocate()
    }

    /// Records a token of this sequence for the penalties: feed the prompt, then every
    /// sampled token. Only the last `penaltyLastN` count. Ids outside the vocabulary are ignored.
    public func accept(_ token: Int32) {
        window.accept(token)
    }

    /// ``accept(_:)`` for each token in order (e.g. the prompt).
    public func accept(contentsOf tokens: some Sequence<Int32>) {
        for t in tokens { window.accept(t) }
    }

    /// Forgets the accepted tokens and restarts the random stream from ``seed``.
    public func reset() {
        window.reset()
        rng = Xoshiro256StarStar(seed: seed)
    }

    /// Chooses the next token. Does not ``accept(_:)`` it.
    ///
    /// - Parameter logits: `vocabularySize` raw logits from the model, not NaN. Used as scratch
    ///   space (penalties are applied in place) and restored before returning.
    /// - Returns: the token with its log-probability and, if requested, the top alternatives —
    ///   all from the log-softmax of the raw logits, before penalties, truncation and temperature.
    public func sample(logits: UnsafeMutablePointer<Float>) -> SampledToken {
        let n = vocabularySize
        // The model's distribution, for the reported log-probabilities.
        let rawMax = SamplingMath.max(logits, n)
        let rawMass = SamplingMath.sumExp(logits, n, shift: rawMax)
        let logNormalizer = rawMax + Float(SamplingMath.log(rawMass))
        var top: [TokenLogprob] = []
        if topCount > 0 {
            CandidateHeap(ids: topIds, logits: topLogits).selectTop(from: logits, count: n, k: topCount)
            top.reserveCapacity(topCount)
            for i in 0..<topCount {
                top.append(TokenLogprob(id: topIds[i], logprob: topLogits[i] - logNormalizer))
            }
        }

        window.apply(to: logits)
        let chosen: Int32
        if parameters.temperature == 0 {
            chosen = Int32(truncatingIfNeeded: SamplingMath.argmax(logits, n))
        } else if window.changedLogits {
            chosen = draw(logits, max: nil, mass: nil)
        } else {
            chosen = draw(logits, max: rawMax, mass: rawMass)
        }
        window.restore(logits)

        return SampledToken(id: chosen, logprob: logits[Int(chosen)] - logNormalizer, top: top)
    }

    /// Truncates (top-k, top-p, min-p) into the candidate arrays, then draws at temperature.
    /// `max` and `mass` (Σ exp(l - max)) of the logits are passed when already known.
    private func draw(_ logits: UnsafeMutablePointer<Float>, max knownMax: Float?, mass knownMass: Double?) -> Int32 {
        let p = parameters
        let heap = CandidateHeap(ids: candidateIds, logits: candidateLogits)
        var kept: Int
        let maxLogit: Float
        if p.topK > 0 {
            kept = candidateCapacity
            heap.selectTop(from: logits, count: vocabularySize, k: kept)
            maxLogit = candidateLogits[0]
            if p.topP < 1 {
                // Probabilities renormalised over the top-k survivors, as llama.cpp does.
                let z = SamplingMath.expInto(candidateProbs, candidateLogits, kept, shift: maxLogit, scale: 1)
                kept = topPPrefix(count: kept, normalizer: z)
            }
            let threshold = maxLogit + logMinP
            while kept > 1 && candidateLogits[kept - 1] < threshold { kept -= 1 }
        } else {
            // No top-k: min-p is a threshold on logits (p_i ≥ minP·p_max ⇔ l_i ≥ l_max + log minP),
            // so gather its survivors in one pass. Top-p and min-p both keep a most-likely
            // prefix, so the result is the shorter of the two; top-p finds its cut by buckets.
            maxLogit = knownMax ?? SamplingMath.max(logits, vocabularySize)
            if maxLogit == -.infinity { return 0 }  // every token masked: like greedy, lowest id
            // Masked (-inf) tokens can never be drawn, so they are never candidates.
            kept = gather(logits, atLeast: Swift.max(maxLogit + logMinP, -.greatestFiniteMagnitude))
            if p.topP < 1 {
                let keptMass = SamplingMath.expInto(candidateProbs, candidateLogits, kept, shift: maxLogit, scale: 1)
                // Top-p's probabilities are over the whole vocabulary, not just min-p's survivors.
                let z = p.minP == 0 ? keptMass : knownMass ?? SamplingMath.sumExp(logits, vocabularySize, shift: maxLogit)
                kept = topPBuckets.select(
                    ids: candidateIds, logits: candidateLogits, probs: candidateProbs, count: kept,
                    maxLogit: maxLogit, goal: Double(p.topP) * z)
            }
        }

        let total = SamplingMath.expInto(
            candidateProbs, candidateLogits, kept, shift: maxLogit, scale: 1 / p.temperature)
        let target = rng.nextUnit() * total
        var cumulative = 0.0
        var lastPositive = 0
        for i in 0..<kept where candidateProbs[i] > 0 {
            cumulative += Double(candidateProbs[i])
            if cumulative > target { return candidateIds[i] }
            lastPositive = i
        }
        return candidateIds[lastPositive]  // rounding left target at the very top
    }

    /// Length of the shortest prefix of candidateProbs[0..<count] (descending, unnormalised)
    /// whose mass reaches topP·normalizer; `count` if none does.
    private func topPPrefix(count: Int, normalizer: Double) -> Int {
        let goal = Double(parameters.topP) * normalizer
        var cumulative = 0.0
        for i in 0..<count {
            cumulative += Double(candidateProbs[i])
            if cumulative >= goal { return i + 1 }
        }
        return count
    }

    /// Copies every token whose logit is ≥ threshold into the candidate arrays, in id order.
    private func gather(_ logits: UnsafeMutablePointer<Float>, atLeast threshold: Float) -> Int {
        var kept = 0
        var i = 0
        let n = vocabularySize
        while i < n {
            if i + 8 <= n && !SamplingMath.anyAtLeast(logits + i, threshold) {
                i += 8
                continue
            }
            for j in i..<Swift.min(i + 8, n) where logits[j] >= threshold {
                candidateIds[kept] = Int32(truncatingIfNeeded: j)
                candidateLogits[kept] = logits[j]
                kept += 1
            }
            i += 8
        }
        return kept
    }
}
