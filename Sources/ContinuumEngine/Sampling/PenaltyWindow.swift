/// The last `penaltyLastN` accepted tokens and how often each occurs among them, kept in a
/// ring buffer and a vocabulary-sized count table so that applying penalties costs
/// O(penaltyLastN) per token and allocates nothing.
///
/// Penalties as in llama.cpp `llama_sampler_penalties_apply`: for each distinct recent token
/// with count c, a logit l becomes (l ≤ 0 ? l·repeat : l/repeat) − c·frequency − presence.
struct PenaltyWindow: ~Copyable {
    private let capacity: Int
    private let vocabularySize: Int
    private let repeatPenalty: Float
    private let frequencyPenalty: Float
    private let presencePenalty: Float
    private let ring: UnsafeMutablePointer<Int32>
    private let counts: UnsafeMutablePointer<Int32>
    private let savedIds: UnsafeMutablePointer<Int32>
    private let savedLogits: UnsafeMutablePointer<Float>
    private var head = 0
    private var filled = 0
    private var savedCount = 0

    /// An inactive window (neutral penalties or `penaltyLastN == 0`) holds nothing.
    init(parameters: SamplingParameters, vocabularySize: Int) {
        let active = parameters.penaltiesActive
        capacity = active ? parameters.penaltyLastN : 0
        self.vocabularySize = vocabularySize
        repeatPenalty = parameters.repetitionPenalty
        frequencyPenalty = parameters.frequencyPenalty
        presencePenalty = parameters.presencePenalty
        ring = .allocate(capacity: Swift.max(capacity, 1))
        savedIds = .allocate(capacity: Swift.max(capacity, 1))
        savedLogits = .allocate(capacity: Swift.max(capacity, 1))
        let countSlots = active ? vocabularySize : 1
        counts = .allocate(capacity: countSlots)
        counts.initialize(repeating: 0, count: countSlots)
    }

    deinit {
        ring.deallocate()
        counts.deallocate()
        savedIds.deallocate()
        savedLogits.deallocate()
    }

    /// Records a token of this sequence; ids outside the vocabulary are ignored.
    mutating func accept(_ token: Int32) {
        guard capacity > 0, token >= 0, Int(token) < vocabularySize else { return }
        if filled == capacity {
            counts[Int(ring[head])] -= 1
        } else {
            filled += 1
        }
        ring[head] = token
        counts[Int(token)] += 1
        head += 1
        if head == capacity { head = 0 }
    }

    mutating func reset() {
        for j in 0..<filled { counts[Int(ring[j])] = 0 }
        head = 0
        filled = 0
        savedCount = 0
    }

    /// Penalises logits in place, remembering the originals for ``restore(_:)``.
    mutating func apply(to logits: UnsafeMutablePointer<Float>) {
        savedCount = 0
        guard filled > 0 else { return }
        for j in 0..<filled {
            let t = Int(ring[j])
            let c = counts[t]
            guard c > 0 else { continue }  // already done (marked negative)
            var l = logits[t]
            savedIds[savedCount] = Int32(truncatingIfNeeded: t)
            savedLogits[savedCount] = l
            savedCount += 1
            l = l <= 0 ? l * repeatPenalty : l / repeatPenalty
            l -= Float(c) * frequencyPenalty + presencePenalty
            logits[t] = l
            counts[t] = -c
        }
        for j in 0..<savedCount {
            let t = Int(savedIds[j])
            counts[t] = -counts[t]
        }
    }

    /// Whether the last ``apply(to:)`` changed any logit (until ``restore(_:)``).
    var changedLogits: Bool { savedCount > 0 }

    /// Puts back the logits changed by the last ``apply(to:)``.
    mutating func restore(_ logits: UnsafeMutablePointer<Float>) {
        for j in 0..<savedCount { logits[Int(savedIds[j])] = savedLogits[j] }
        savedCount = 0
    }
}
