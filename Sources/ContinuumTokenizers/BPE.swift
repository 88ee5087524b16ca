/// Byte-level BPE over one word: start from one symbol per byte, repeatedly merge the adjacent
/// pair with the lowest merge rank (leftmost on ties), as llama.cpp `llm_tokenizer_bpe_session`
/// does with its priority queue. Symbols are ids in a `SymbolTable` (vocabulary ids first, then
/// merge results the vocabulary lacks), so merging never builds strings.
struct BPE: Sendable {
    /// Number of vocabulary tokens; symbol ids at or above it are not tokens.
    let vocabularySize: Int
    let symbols: SymbolTable
    let merges: PairTable
    /// Initial symbol of each byte.
    let byteSymbol: [Int32]
    /// Token of a lone byte, or -1 (llama.cpp falls back to these for non-token symbols).
    let byteToken: [Int32]

    /// Reusable buffers for `encode`.
    struct Scratch {
        var ids: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var heap: [Candidate] = []
    }

    struct Candidate {
        var rank: Int32
        var left: Int32
        var leftID: Int32
        var rightID: Int32
        var merged: Int32

        @inline(__always)
        func precedes(_ o: Candidate) -> Bool { rank < o.rank || (rank == o.rank && left < o.left) }
    }

    /// Appends the tokens of `word` to `out`.
    func encode(_ word: UnsafeRawBufferPointer, _ s: inout Scratch, into out: inout [Int32]) {
        let n = word.count
        if n == 0 { return }
        if n == 1 {
            emit(byteSymbol[Int(word[0])], into: &out)
            return
        }
        s.ids.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            s.ids.append(byteSymbol[Int(word[i])])
            s.prev.append(Int32(i - 1))
            s.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        for i in 0..<(n - 1) { push(Int32(i), s.ids[i], s.ids[i + 1], &s.heap) }

        while let c = pop(&s.heap) {
            let l = Int(c.left)
            guard s.ids[l] == c.leftID else { continue }
            let r = Int(s.next[l])
            guard r >= 0, s.ids[r] == c.rightID else { continue }
            s.ids[l] = c.merged
            s.ids[r] = -1
            let rn = s.next[r]
            s.next[l] = rn
            if rn >= 0 { s.prev[Int(rn)] = c.left }
            let p = s.prev[l]
            if p >= 0 { push(p, s.ids[Int(p)], c.merged, &s.heap) }
            if rn >= 0 { push(c.left, c.merged, s.ids[Int(rn)], &s.heap) }
        }

        var i: Int32 = 0
        while i >= 0 {
            emit(s.ids[Int(i)], into: &out)
            i = s.next[Int(i)]
        }
    }

    @inline(__always)
    private func emit(_ symbol: Int32, into out: inout [Int32]) {
        if Int(symbol) < vocabularySize {
            out.append(symbol)
            return
        }
        // A merge result with no token: one token per byte, dropping bytes without one.
        let r = symbols.range(symbol)
        symbols.bytes.withUnsafeBufferPointer { b in
            for k in r where byteToken[Int(b[k])] >= 0 { out.append(byteToken[Int(b[k])]) }
        }
    }

    @inline(__always)
    private func push(_ left: Int32, _ a: Int32, _ b: Int32, _ heap: inout [Candidate]) {
        guard let m = merges.lookup(a, b) else { return }
        heap.append(Candidate(rank: m.rank, left: left, leftID: a, rightID: b, merged: m.merged))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    @inline(__always)
    private func pop(_ heap: inout [Candidate]) -> Candidate? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        heap[0] = last
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && heap[l + 1].precedes(heap[l]) { m = l + 1 }
            guard heap[m].precedes(heap[i]) else { break }
            heap.swapAt(i, m)
            i = m
        }
        return top
    }
}
