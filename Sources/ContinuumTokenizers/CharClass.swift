/// The Unicode classes the pre-tokenizer regexes ask about, one byte per scalar.
///
/// `valid` is set for every scalar, so 0 means "outside the current piece" (llama.cpp's
/// `OUT_OF_RANGE`), which the scanners test the same way llama.cpp tests `as_uint()`.
/// Letters are \p{L} (Lu Ll Lt Lm Lo), numbers \p{N} (Nd Nl No), whitespace is the Unicode
/// White_Space property (llama.cpp `unicode_set_whitespace`), and `punctuation` is the class
/// of the default pre-tokenizer's `[\p{P}\$\+<=>\^~\|]` (ASCII punctuation and symbols except
/// the backtick, plus non-ASCII \p{P}). Classes follow the Unicode version of llama.cpp's tables,
/// not the (newer) one of the Swift runtime.
enum CharClass {
    static let valid: UInt8 = 0x80
    static let letter: UInt8 = 0x01
    static let number: UInt8 = 0x02
    static let whitespace: UInt8 = 0x04
    static let punctuation: UInt8 = 0x08

    private static let ascii: [UInt8] = (0..<128).map { c in
        var f = valid
        switch c {
        case 0x41...0x5A, 0x61...0x7A: f |= letter
        case 0x30...0x39: f |= number
        case 0x09...0x0D, 0x20: f |= whitespace
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x5F, 0x7B...0x7E: f |= punctuation  // not 0x60 '`'
        default: break
        }
        return f
    }

    /// Classes of the Basic Multilingual Plane, computed on first use (tens of ms, 64 KiB;
    /// `Tokenizer.init` triggers it):
    /// Unicode property lookups are too slow for CJK-heavy text.
    private static let bmp: [UInt8] = (0..<0x10000).map { classify(UInt32($0)) }

    @inline(__always)
    static func of(_ cp: UInt32) -> UInt8 {
        cp < 128 ? ascii[Int(cp)] : cp < 0x10000 ? bmp[Int(cp)] : classify(cp)
    }

    @inline(never)
    static func classify(_ cp: UInt32) -> UInt8 {
        if cp < 128 { return ascii[Int(cp)] }
        guard let s = Unicode.Scalar(cp) else { return valid }
        let p = s.properties
        var f = valid
        if p.isWhitespace { f |= whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            f |= number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            if f & whitespace == 0 { f |= punctuation }
        default:
            break
        }
        // llama.cpp's tables (src/unicode-data.cpp) predate Unicode 16: scalars assigned since
        // are unassigned there, i.e. plain "other" characters. Checked on every code point.
        if f != valid, let age = p.age, age.major > llamaCppUnicodeMajor { return valid }
        return f
    }

    /// The Unicode version of llama.cpp's character tables.
    static let llamaCppUnicodeMajor = 15
}
