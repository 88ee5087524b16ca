/// SentencePiece BPE by scores (`tokenizer.ggml.model` = "llama": Llama 2, Gemma), giving the
/// same tokens as llama.cpp's `llm_tokenizer_spm_session` (`src/llama-vocab.cpp`):
/// spaces become "▁", the text starts as one symbol per UTF-8 character, and the adjacent pair
/// whose concatenation is a vocabulary token with the highest score is merged (leftmost on
/// ties) until no pair forms a token; a final symbol that is not a token falls back to one
/// `<0xXX>` token per byte.
///
/// Cost is O(n log n) in the fragment's length (each merge pushes at most two pairs), with
/// memory linear in it, whatever the input.
struct SentencePiece: Sendable {
    /// Token texts as stored (with "▁"), looked up by bytes; the last duplicate wins, as
    /// llama.cpp's `token_to_id` map.
    let tokens: SymbolTable
    /// `tokenizer.ggml.scores`, one per token.
    let scores: [Float]
    /// Token of each byte value for the fallback (`<0xXX>`, else the byte as text), or -1.
    let byteToken: [Int32]
    /// `tokenizer.ggml.add_space_prefix`: prepend a space to a fragment that follows a special
    /// token or starts the text (Llama 2 yes, Gemma no).
    let addSpacePrefix: Bool

    /// "▁" (U+2581), SentencePiece's space.
    static let space: [UInt8] = [0xE2, 0x96, 0x81]

    init(texts: [String], scores: [Float], addSpacePrefix: Bool) {
        var table = SymbolTable(capacity: texts.count)
        for t in texts {
            _ = Array(t.utf8).withUnsafeBytes { table.append($0, index: true) }
        }
        var byteToken = [Int32](repeating: -1, count: 256)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in 0..<256 {
            let name: [UInt8] = Array("<0x".utf8) + [hex[b >> 4], hex[b & 15], UInt8(ascii: ">")]
            if let id = name.withUnsafeBytes({ table.lookup($0) }) {
                byteToken[b] = id
            } else if let id = [UInt8(b)].withUnsafeBytes({ table.lookup($0) }) {
                byteToken[b] = id
            }
        }
        self.tokens = table
        self.scores = scores
        self.byteToken = byteToken
        self.addSpacePrefix = addSpacePrefix
    }

    /// Reusable buffers for `encode`.
    struct Scratch {
        var text: [UInt8] = []
        var start: [Int32] = []
        var length: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        var heap: [Bigram] = []
    }

    struct Bigram {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32

        /// Higher score first, then the leftmost (llama.cpp `llm_bigram_spm::comparator`).
        @inline(__always)
        func precedes(_ o: Bigram) -> Bool { score > o.score || (score == o.score && left < o.left) }
    }

    /// Appends the tokens of one raw-text fragment (not yet escaped) to `out`;
    /// `prefixSpace` adds the leading space (the caller decides from `addSpacePrefix`).
    func encode(_ raw: UnsafeRawBufferPointer, prefixSpace: Bool, _ s: inout Scratch, into out: inout [Int32]) {
        s.text.removeAll(keepingCapacity: true)
        if prefixSpace { s.text.append(contentsOf: Self.space) }
        for b in raw {
            if b == 0x20 { s.text.append(contentsOf: Self.space) } else { s.text.append(b) }
        }
        guard !s.text.isEmpty else { return }
        s.text.withUnsafeBytes { text in encodeEscaped(text, &s, into: &out) }
    }

    private func encodeEscaped(_ text: UnsafeRawBufferPointer, _ s: inout Scratch, into out: inout [Int32]) {
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.heap.removeAll(keepingCapacity: true)
        var offset = 0
        let n = text.count
        while offset < n {
            let len = min(Self.utf8Length(text[offset]), n - offset)
            let index = Int32(s.start.count)
            s.start.append(Int32(offset))
            s.length.append(Int32(len))
            s.prev.append(index - 1)
            offset += len
            s.next.append(offset == n ? -1 : index + 1)
        }
        for i in 1..<max(1, s.start.count) { addBigram(Int32(i - 1), Int32(i), text, &s) }

        while let b = pop(&s.heap) {
            let l = Int(b.left), r = Int(b.right)
            // skip pairs one of whose symbols has since been merged
            guard s.length[l] != 0, s.length[r] != 0, s.length[l] + s.length[r] == b.size else { continue }
            s.length[l] += s.length[r]
            s.length[r] = 0
            s.next[l] = s.next[r]
            if s.next[r] >= 0 { s.prev[Int(s.next[r])] = b.left }
            addBigram(s.prev[l], b.left, text, &s)
            addBigram(b.left, s.next[l], text, &s)
        }

        var i: Int32 = 0
        while i >= 0 {
            let piece = UnsafeRawBufferPointer(rebasing: text[Int(s.start[Int(i)])..<Int(s.start[Int(i)] + s.length[Int(i)])])
            if let id = tokens.lookup(piece) {
                out.append(id)
            } else {
                for byte in piece where byteToken[Int(byte)] >= 0 { out.append(byteToken[Int(byte)]) }
            }
            i = s.next[Int(i)]
        }
    }

    @inline(__always)
    private func addBigram(_ left: Int32, _ right: Int32, _ text: UnsafeRawBufferPointer, _ s: inout Scratch) {
        guard left >= 0, right >= 0 else { return }
        let start = Int(s.start[Int(left)])
        let size = s.length[Int(left)] + s.length[Int(right)]
        let piece = UnsafeRawBufferPointer(rebasing: text[start..<(start + Int(size))])
        guard let id = tokens.lookup(piece), Int(id) < scores.count else { return }
        push(Bigram(score: scores[Int(id)], left: left, right: right, size: size), &s.heap)
    }

    /// Bytes in the UTF-8 sequence a lead byte starts (llama.cpp `unicode_len_utf8`).
    @inline(__always)
    static func utf8Length(_ b: UInt8) -> Int {
        switch b >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    @inline(__always)
    private func push(_ b: Bigram, _ heap: inout [Bigram]) {
        heap.append(b)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    @inline(__always)
    private func pop(_ heap: inout [Bigram]) -> Bigram? {
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
