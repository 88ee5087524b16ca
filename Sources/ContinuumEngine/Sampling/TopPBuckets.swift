/// Top-p over many unsorted candidates without sorting them all (the idea of llama.cpp's
/// bucket sort in `llama_sampler_top_p_apply`): histogram the probability mass by logit into
/// buckets, find the bucket where the cumulative mass reaches the goal, keep every bucket
/// above it, and sort only that one bucket to find the exact cut. O(n) plus the sort of
/// one bucket; the result is the same set a full sort would keep.
package struct TopPBuckets: ~Copyable {
    static let bucketCount = 1024
    private let mass: UnsafeMutablePointer<Double>
    private let counts: UnsafeMutablePointer<Int>

    package init() {
        mass = .allocate(capacity: Self.bucketCount)
        counts = .allocate(capacity: Self.bucketCount)
    }

    deinit {
        mass.deallocate()
        counts.deallocate()
    }

    /// Candidates are ids/logits/probs[0..<count], all logits finite and ≤ `maxLogit`, with
    /// probs[i] = exp(logits[i] - maxLogit). Reorders them so that [0..<r] is the smallest
    /// most-likely set (ties: lower id first) whose probs sum to at least `goal`, and returns r;
    /// returns `count` if all of them fall short. probs[r...] are left stale.
    package func select(
        ids: UnsafeMutablePointer<Int32>, logits: UnsafeMutablePointer<Float>,
        probs: UnsafeMutablePointer<Float>, count: Int, maxLogit: Float, goal: Double
    ) -> Int {
        guard count > 1 else { return count }
        var minLogit = logits[0]
        for i in 1..<count where logits[i] < minLogit { minLogit = logits[i] }
        let range = maxLogit - minLogit
        let buckets = Self.bucketCount
        // Bucket 0 holds the largest logits. The map is monotone: a larger logit never lands
        // in a later bucket.
        let scale = range > 0 ? Float(buckets) / range : 0
        @inline(__always) func bucket(_ l: Float) -> Int {
            Swift.min(buckets - 1, Int((maxLogit - l) * scale))
        }

        mass.initialize(repeating: 0, count: buckets)
        counts.initialize(repeating: 0, count: buckets)
        for i in 0..<count {
            let b = bucket(logits[i])
            mass[b] += Double(probs[i])
            counts[b] += 1
        }
        var cut = 0
        var massAbove = 0.0
        while cut < buckets && massAbove + mass[cut] < goal {
            massAbove += mass[cut]
            cut += 1
        }
        if cut == buckets { return count }

        // Three-way partition: buckets above the cut, the cut bucket, the rest.
        var low = 0, mid = 0, high = count
        @inline(__always) func swapAt(_ a: Int, _ b: Int) {
            let id = ids[a], l = logits[a], p = probs[a]
            ids[a] = ids[b]
            logits[a] = logits[b]
            probs[a] = probs[b]
            ids[b] = id
            logits[b] = l
            probs[b] = p
        }
        while mid < high {
            let b = bucket(logits[mid])
            if b < cut {
                swapAt(low, mid)
                low += 1
                mid += 1
            } else if b == cut {
                mid += 1
            } else {
                high -= 1
                swapAt(mid, high)
            }
        }

        // Sort a growing prefix of the cut bucket until it reaches the goal.
        let n = mid - low
        let heap = CandidateHeap(ids: ids + low, logits: logits + low)
        var m = Swift.min(n, 64)
        while true {
            heap.selectTopInPlace(count: n, k: m)
            var cumulative = massAbove
            for j in 0..<m {
                let p = SamplingMath.exp(logits[low + j] - maxLogit)
                probs[low + j] = p
                cumulative += Double(p)
                if cumulative >= goal { return low + j + 1 }
            }
            if m == n { return low + n }  // only by rounding: keep the whole bucket
            m = Swift.min(n, m * 8)
        }
    }
}
