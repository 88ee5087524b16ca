/// One item of a GBNF sequence as written, before it is lowered to byte sets and rule refs.
indirect enum GBNFTerm: Equatable {
    /// A string literal, as Unicode code points.
    case literal([UInt32])
    /// `[...]` or `[^...]`: inclusive code point ranges.
    case charClass(ranges: [ClosedRange<UInt32>], negated: Bool)
    /// `.`: any code point.
    case any
    /// A reference to a named rule; `offset` is where it was written, for error messages.
    case ref(String, offset: Int)
    /// `( a | b )`.
    case group([[GBNFTerm]])
    /// `x*`, `x+`, `x?`, `x{m}`, `x{m,}`, `x{m,n}` (`max == nil`: unbounded).
    case repeated(GBNFTerm, min: Int, max: Int?)
}

/// A named rule: alternatives, each a sequence of terms.
struct GBNFRule: Equatable {
    var name: String
    var alternatives: [[GBNFTerm]]
    var offset: Int
}

/// Parses llama.cpp's GBNF dialect (`src/llama-grammar.cpp`, `grammars/README.md`): rules
/// `name ::= alts`, newlines end a rule except after `::=`, after `|` and inside `( )`;
/// `#` comments; escapes `\x \u \U \t \r \n \\ \" \[ \] \-`.
struct GBNFParser {
    private let text: [UInt8]
    private var pos = 0
    private let limits: GrammarLimits
    /// Parentheses nested deeper than this are refused (the parser recurses on them).
    static let maxNesting = 256

    init(_ source: String, limits: GrammarLimits) {
        self.text = Array(source.utf8)
        self.limits = limits
    }

    /// All rules in source order; a name defined twice keeps both bodies as alternatives
    /// (llama.cpp replaces; we refuse instead, see `parse`).
    mutating func parse() throws(GrammarError) -> [GBNFRule] {
        guard text.count <= limits.maxGrammarBytes else {
            throw GrammarError(.limitExceeded, "grammar is \(text.count) bytes, over the limit maxGrammarBytes=\(limits.maxGrammarBytes)")
        }
        var rules: [GBNFRule] = []
        var seen: Set<String> = []
        skipSpace(newlineOK: true)
        while pos < text.count {
            let start = pos
            let name = try parseName()
            skipSpace(newlineOK: false)
            guard match("::=") else { throw error("expecting '::=' after rule name '\(name)'") }
            skipSpace(newlineOK: true)
            let alts = try parseAlternatives(nested: false, depth: 0)
            guard seen.insert(name).inserted else {
                throw GrammarError(.syntax, "rule '\(name)' is defined twice (\(location(start)))")
            }
            rules.append(GBNFRule(name: name, alternatives: alts, offset: start))
            if pos < text.count && text[pos] != 0x0A && text[pos] != 0x0D {
                throw error("expecting newline or end of grammar")
            }
            skipSpace(newlineOK: true)
        }
        return rules
    }

    // MARK: - Productions

    private mutating func parseAlternatives(nested: Bool, depth: Int) throws(GrammarError) -> [[GBNFTerm]] {
        guard depth < Self.maxNesting else {
            throw GrammarError(.limitExceeded, "parentheses nested deeper than \(Self.maxNesting) (\(location(pos)))")
        }
        var alts = [try parseSequence(nested: nested, depth: depth)]
        while peek == UInt8(ascii: "|") {
            pos += 1
            skipSpace(newlineOK: true)
            alts.append(try parseSequence(nested: nested, depth: depth))
        }
        return alts
    }

    private mutating func parseSequence(nested: Bool, depth: Int) throws(GrammarError) -> [GBNFTerm] {
        var seq: [GBNFTerm] = []
        while let c = peek {
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                var cps: [UInt32] = []
                while peek != UInt8(ascii: "\"") {
                    guard peek != nil else { throw error("unterminated string literal") }
                    cps.append(try parseChar())
                }
                pos += 1
                seq.append(.literal(cps))
            case UInt8(ascii: "["):
                pos += 1
                let negated = peek == UInt8(ascii: "^")
                if negated { pos += 1 }
                var ranges: [ClosedRange<UInt32>] = []
                while peek != UInt8(ascii: "]") {
                    guard peek != nil else { throw error("unterminated character class") }
                    let lo = try parseChar()
                    var hi = lo
                    if peek == UInt8(ascii: "-"), pos + 1 < text.count, text[pos + 1] != UInt8(ascii: "]") {
                        pos += 1
                        hi = try parseChar()
                    }
                    guard lo <= hi else { throw error("character range is reversed") }
                    ranges.append(lo...hi)
                }
                pos += 1
                seq.append(.charClass(ranges: ranges, negated: negated))
            case UInt8(ascii: "."):
                pos += 1
                seq.append(.any)
            case UInt8(ascii: "("):
                pos += 1
                skipSpace(newlineOK: true)
                let alts = try parseAlternatives(nested: true, depth: depth + 1)
                guard peek == UInt8(ascii: ")") else { throw error("expecting ')'") }
                pos += 1
                seq.append(.group(alts))
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                guard let last = seq.popLast() else { throw error("expecting an item before '\(Character(UnicodeScalar(c)))'") }
                pos += 1
                let (lo, hi): (Int, Int?) = c == UInt8(ascii: "*") ? (0, nil) : c == UInt8(ascii: "+") ? (1, nil) : (0, 1)
                seq.append(.repeated(last, min: lo, max: hi))
            case UInt8(ascii: "{"):
                guard let last = seq.popLast() else { throw error("expecting an item before '{'") }
                pos += 1
                skipSpace(newlineOK: nested)
                let lo = try parseInt()
                skipSpace(newlineOK: nested)
                var hi: Int? = lo
                if peek == UInt8(ascii: ",") {
                    pos += 1
                    skipSpace(newlineOK: nested)
                    if peek == UInt8(ascii: "}") {
                        hi = nil
                    } else {
                        hi = try parseInt()
                        skipSpace(newlineOK: nested)
                    }
                }
                guard peek == UInt8(ascii: "}") else { throw error("expecting '}'") }
                pos += 1
                if let hi, hi < lo { throw error("repetition {\(lo),\(hi)} has max below min") }
                seq.append(.repeated(last, min: lo, max: hi))
            default:
                guard Self.isWordChar(c) else { return seq }
                let start = pos
                seq.append(.ref(try parseName(), offset: start))
            }
            skipSpace(newlineOK: nested)
        }
        return seq
    }

    // MARK: - Lexical

    private var peek: UInt8? { pos < text.count ? text[pos] : nil }

    static func isWordChar(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-")
    }

    private mutating func match(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard pos + bytes.count <= text.count, Array(text[pos..<pos + bytes.count]) == bytes else { return false }
        pos += bytes.count
        return true
    }

    private mutating func skipSpace(newlineOK: Bool) {
        while let c = peek {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || (newlineOK && (c == 0x0A || c == 0x0D)) {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while let d = peek, d != 0x0A, d != 0x0D { pos += 1 }
            } else {
                return
            }
        }
    }

    private mutating func parseName() throws(GrammarError) -> String {
        let start = pos
        while let c = peek, Self.isWordChar(c) { pos += 1 }
        guard pos > start else { throw error("expecting a rule name") }
        return String(decoding: text[start..<pos], as: UTF8.self)
    }

    private mutating func parseInt() throws(GrammarError) -> Int {
        let start = pos
        var value = 0
        while let c = peek, c >= 0x30, c <= 0x39 {
            value = value * 10 + Int(c - 0x30)
            pos += 1
            if value > limits.maxRepetition {
                throw GrammarError(.limitExceeded, "repetition count over the limit maxRepetition=\(limits.maxRepetition) (\(location(start)))")
            }
        }
        guard pos > start else { throw error("expecting an integer") }
        return value
    }

    /// One code point: an escape or a UTF-8 encoded character.
    private mutating func parseChar() throws(GrammarError) -> UInt32 {
        guard let c = peek else { throw error("unexpected end of grammar") }
        if c == UInt8(ascii: "\\") {
            guard pos + 1 < text.count else { throw error("unexpected end of grammar after '\\'") }
            let e = text[pos + 1]
            pos += 2
            switch e {
            case UInt8(ascii: "x"): return try parseHex(2)
            case UInt8(ascii: "u"): return try parseHex(4)
            case UInt8(ascii: "U"): return try parseHex(8)
            case UInt8(ascii: "t"): return 0x09
            case UInt8(ascii: "r"): return 0x0D
            case UInt8(ascii: "n"): return 0x0A
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "-"):
                return UInt32(e)
            default:
                pos -= 2
                throw error("unknown escape '\\\(Character(UnicodeScalar(e)))'")
            }
        }
        // UTF-8 decode; the String came from Swift so it is valid.
        let len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
        guard pos + len <= text.count else { throw error("truncated UTF-8") }
        var cp = len == 1 ? UInt32(c) : UInt32(c) & (0xFF >> (len + 1))
        for i in 1..<len { cp = (cp << 6) | UInt32(text[pos + i] & 0x3F) }
        pos += len
        return cp
    }

    private mutating func parseHex(_ digits: Int) throws(GrammarError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek else { throw error("expecting \(digits) hex digits") }
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw error("expecting \(digits) hex digits")
            }
            value = value << 4 | d
            pos += 1
        }
        guard value <= 0x10FFFF else { throw error("code point \(value) is above U+10FFFF") }
        return value
    }

    // MARK: - Errors

    func location(_ offset: Int) -> String {
        var line = 1, col = 1
        for i in 0..<min(offset, text.count) {
            if text[i] == 0x0A { line += 1; col = 1 } else { col += 1 }
        }
        return "line \(line), column \(col)"
    }

    private func error(_ what: String) -> GrammarError {
        GrammarError(.syntax, "\(what) at \(location(pos))")
    }
}
