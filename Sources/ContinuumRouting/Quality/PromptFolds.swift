/// Cross-validation folds grouped by prompt: a prompt's fold is a hash of its normalised
/// text (lower case, whitespace runs collapsed), so the same question never lands on both
/// sides of a split however often, or however spaced, it appears. Deterministic across
/// runs and machines (FNV-1a, not Swift's seeded `Hasher`).
public enum PromptFolds {
    public static func normalised(_ prompt: String) -> String {
        prompt.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// FNV-1a 64 of the UTF-8 bytes.
    public static func fingerprint(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    public static func fold(of prompt: String, folds: Int) -> Int {
        Int(fingerprint(normalised(prompt)) % UInt64(max(1, folds)))
    }
}
