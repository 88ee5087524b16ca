/// Partial selection over parallel (id, logit) arrays without allocating: a bounded min-heap
/// keeps the k best seen so far (root = worst of them), then an in-place heapsort orders them.
/// "Better" means a larger logit, ties broken by the lower id, so results are deterministic.
/// Cost O(n log k); with small k nearly every element is rejected by one compare with the root.
struct CandidateHeap {
    let ids: UnsafeMutablePointer<Int32>
    let logits: UnsafeMutablePointer<Float>

    @inline(__always)
    private func worse(_ a: Int, _ b: Int) -> Bool {
        let la = logits[a], lb = logits[b]
        return la < lb || (la == lb && ids[a] > ids[b])
    }

    @inline(__always)
    private func swapAt(_ a: Int, _ b: Int) {
        let i = ids[a], l = logits[a]
        ids[a] = ids[b]
        logits[a] = logits[b]
        ids[b] = i
        logits[b] = l
    }

    /// Restores the heap property below `i` in heap[0..<n].
    private func siftDown(_ start: Int, _ n: Int) {
        var i = start
        while true {
            let l = 2 * i + 1
            if l >= n { return }
            var worst = l
            if l + 1 < n && worse(l + 1, l) { worst = l + 1 }
            if !worse(worst, i) { return }
            swapAt(i, worst)
            i = worst
        }
    }

    private func heapify(_ n: Int) {
        var i = n / 2 - 1
        while i >= 0 {
            siftDown(i, n)
            i -= 1
        }
    }

    /// Turns heap[0..<n] into descending order (best first).
    private func sortHeap(_ n: Int) {
        var end = n - 1
        while end > 0 {
            swapAt(0, end)
            siftDown(0, end)
            end -= 1
        }
    }

    /// Writes the k best of source[0..<count] (id = index) to [0..<k], best first. 1 ≤ k ≤ count.
    func selectTop(from source: UnsafePointer<Float>, count: Int, k: Int) {
        for i in 0..<k {
            ids[i] = Int32(truncatingIfNeeded: i)
            logits[i] = source[i]
        }
        heapify(k)
        // Every later index is larger than every id in the heap, so a tie never wins:
        // only a strictly larger logit replaces the root.
        var root = logits[0]
        var i = k
        while i < count {
            if i + 8 <= count {
                if !SamplingMath.anyAbove(source + i, root) {
                    i += 8
                    continue
                }
                for j in i..<(i + 8) where source[j] > root {
                    ids[0] = Int32(truncatingIfNeeded: j)
                    logits[0] = source[j]
                    siftDown(0, k)
                    root = logits[0]
                }
                i += 8
            } else {
                if source[i] > root {
                    ids[0] = Int32(truncatingIfNeeded: i)
                    logits[0] = source[i]
                    siftDown(0, k)
                    root = logits[0]
                }
                i += 1
            }
        }
        sortHeap(k)
    }

    /// Reorders [0..<count] in place so that [0..<k] holds the k best, best first; the rest
    /// keep all other candidates in some order. 1 ≤ k ≤ count.
    func selectTopInPlace(count: Int, k: Int) {
        heapify(k)
        for i in k..<count where worse(0, i) {
            swapAt(0, i)
            siftDown(0, k)
        }
        sortHeap(k)
    }
}
