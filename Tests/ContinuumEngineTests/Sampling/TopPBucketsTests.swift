import ContinuumEngine
import Foundation
import Testing

@Suite struct TopPBucketsTests {
    /// The bucketed cut keeps exactly the set a full sort (by logit, ties to the lower id) keeps.
    @Test(arguments: [
        (5000, Float(3), 0.9),
        (5000, 3, 0.3),
        (20_000, 0.5, 0.95),
        (3000, 12, 0.999),  // very peaked: the cut is in the first buckets
        (1000, 0.01, 0.5),  // nearly flat: one bucket holds everything
    ])
    func matchesFullSort(count: Int, spread: Float, topP: Double) {
        var l = randomLogits(count: count, seed: UInt64(count) &+ UInt64(spread * 100), spread: spread)
        for i in stride(from: 0, to: count, by: 97) { l[i] = l[i / 2] }  // some exact ties
        let maxLogit = l.max()!
        var ids = (0..<count).map(Int32.init)
        var logits = l
        var probs = l.map { SamplingMath.exp($0 - maxLogit) }
        let z = probs.reduce(0.0) { $0 + Double($1) }
        let goal = topP * z

        let order = l.indices.sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }
        var cumulative = 0.0
        var expected = order.count
        for (i, t) in order.enumerated() {
            cumulative += Double(probs[t])
            if cumulative >= goal {
                expected = i + 1
                break
            }
        }

        #expect(expected > 1 && expected < count)  // the case really cuts somewhere inside
        let buckets = TopPBuckets()
        let kept = ids.withUnsafeMutableBufferPointer { idp in
            logits.withUnsafeMutableBufferPointer { lp in
                probs.withUnsafeMutableBufferPointer { pp in
                    buckets.select(
                        ids: idp.baseAddress!, logits: lp.baseAddress!, probs: pp.baseAddress!, count: count,
                        maxLogit: maxLogit, goal: goal)
                }
            }
        }
        #expect(kept == expected)
        let keptSet = Set(ids[0..<kept].map(Int.init))
        #expect(keptSet == Set(order.prefix(kept)))
        #expect(Set(ids).count == count)  // a permutation: nothing lost or duplicated
    }
}
