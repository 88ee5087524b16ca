/// Turns tokens into text one token at a time, as they are generated.
///
/// A token can end in the middle of a multi-byte UTF-8 character (byte-level BPE splits
/// emoji and CJK across tokens), so `append` returns only text whose characters are complete
/// and holds back a trailing incomplete sequence until the next token completes it. Bytes that
/// can never become valid UTF-8 come out as U+FFFD; the output is always valid text.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: Tokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []

    /// `renderSpecial`: emit control tokens (e.g. `<|im_end|>`) as their text; off by default.
    public init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds one token; returns the text that is now complete (possibly "").
    public mutating func append(_ id: Int32) -> String {
        tokenizer.vocabulary.appendPiece(id, renderSpecial: renderSpecial, to: &pending)
        let cut = pending.count - Self.incompleteTail(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is held back (an incomplete character becomes U+FFFD) and resets.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of a trailing sequence that is a valid but unfinished UTF-8 character, else 0.
    static func incompleteTail(_ b: [UInt8]) -> Int {
        let n = b.count
        // Find the last non-continuation byte within the last 4 bytes.
        var k = n - 1
        while k >= 0 && k >= n - 4 && b[k] & 0xC0 == 0x80 { k -= 1 }
        guard k >= 0, k >= n - 4 else { return 0 }
        let lead = b[k]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return 0  // ASCII or invalid lead: nothing to wait for
        }
        let have = n - k
        guard have < need else { return 0 }
        // The second byte has a narrower range after some leads (no overlongs or surrogates).
        if have >= 2 {
            let second = b[k + 1]
            switch lead {
            case 0xE0: if second < 0xA0 { return 0 }
            case 0xED: if second > 0x9F { return 0 }
            case 0xF0: if second < 0x90 { return 0 }
            case 0xF4: if second > 0x8F { return 0 }
            default: break
            }
        }
        return have
    }
}
