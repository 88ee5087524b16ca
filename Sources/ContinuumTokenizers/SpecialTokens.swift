/// Finds special tokens (control, user-defined, unknown) whole in the input before
/// pre-tokenization, with llama.cpp's precedence (`tokenizer_st_partition`): tokens are tried
/// longest first, each splitting the text pieces that earlier tokens left, leftmost
/// occurrences first.
struct SpecialTokens: Sendable {
    struct Entry: Sendable {
        var id: Int32
        var bytes: [UInt8]
        /// Control or unknown: only matched when parsing special tokens. User-defined
        /// tokens are always matched (HF tokenizers and llama.cpp do the same).
        var needsParseSpecial: Bool
    }

    /// A piece of the input: bytes `start..<end`, or the special token `token` when >= 0.
    struct Fragment {
        var start: Int
        var end: Int
        var token: Int32
    }

    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries.filter { !$0.bytes.isEmpty }.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
    }

    func partition(_ text: UnsafeRawBufferPointer, parseSpecial: Bool) -> [Fragment] {
        var fragments = [Fragment(start: 0, end: text.count, token: -1)]
        guard !text.isEmpty else { return [] }
        var next: [Fragment] = []
        for e in entries where parseSpecial || !e.needsParseSpecial {
            var changed = false
            next.removeAll(keepingCapacity: true)
            e.bytes.withUnsafeBytes { needle in
                for f in fragments {
                    guard f.token < 0 else { next.append(f); continue }
                    var pos = f.start
                    while let m = findBytes(needle, in: text, from: pos, to: f.end) {
                        changed = true
                        if m > pos { next.append(Fragment(start: pos, end: m, token: -1)) }
                        next.append(Fragment(start: m, end: m + needle.count, token: e.id))
                        pos = m + needle.count
                    }
                    if pos < f.end { next.append(Fragment(start: pos, end: f.end, token: -1)) }
                }
            }
            if changed { swap(&fragments, &next) }
        }
        return fragments
    }
}
