extension Tokenizer {
    /// Texts of the tokens only `encode(_:parseSpecial: true)` matches whole (control and
    /// unknown), which chat message contents must not produce. User-defined tokens match in
    /// plain text too, so they need no protection.
    var specialTokenTexts: [String] {
        vocabulary.special.entries.filter(\.needsParseSpecial).map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// Tokens of a chat prompt rendered by `ChatTemplate.prompt`: special tokens parsed, then
    /// `ChatTemplate.sentinel` (U+FDD0, UTF-8 EF B7 90) removed from the plain-text pieces
    /// between them before they are tokenized, so text the sentinel split stays plain text.
    func encodeMarked(_ text: String, addBOS: Bool? = nil) -> [Int32] {
        var out: [Int32] = []
        if addBOS ?? addsBOS, let bos = bosID { out.append(bos) }
        var text = text
        text.withUTF8 { utf8 in
            let p = UnsafeRawBufferPointer(utf8)
            for f in vocabulary.special.partition(p, parseSpecial: true) {
                if f.token >= 0 { out.append(f.token); continue }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(f.end - f.start)
                var k = f.start
                while k < f.end {
                    if k + 2 < f.end, p[k] == 0xEF, p[k + 1] == 0xB7, p[k + 2] == 0x90 { k += 3; continue }
                    bytes.append(p[k])
                    k += 1
                }
                bytes.withUnsafeBytes { encode($0, parseSpecial: false, into: &out) }
            }
        }
        return out
    }
}
