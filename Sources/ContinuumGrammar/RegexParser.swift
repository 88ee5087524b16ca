/// The supported regular-expression subset (ECMAScript syntax, as JSON Schema's `pattern`):
/// literals, escapes (`\d \D \w \W \s \S`, `\n \t \r \f \v \0`, `\xHH`, `\uHHHH`, `\u{…}`,
/// `\cX`, escaped punctuation), `.`, classes `[…]`/`[^…]` with ranges, groups `(…)`, `(?:…)`,
/// `(?<name>…)`, alternation, `* + ? {m} {m,} {m,n}` (lazy forms too: same language), and
/// anchors `^`/`$` only at the start/end of a top-level alternative. Backreferences,
/// lookaround, `\b`/`\B` and `\p{…}` are refused with `.invalidPattern` naming the construct.
indirect enum RegexNode: Equatable, Sendable {
    case chars(CodePointSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?)
}

/// One top-level alternative with whether it was anchored at each end.
struct RegexBranch: Equatable, Sendable {
    var node: RegexNode
    var anchoredStart: Bool
    var anchoredEnd: Bool
}

struct RegexParser {
    private let scalars: [Unicode.Scalar]
    private var pos = 0
    private let pattern: String
    private let maxRepetition: Int
    private var groupDepth = 0

    static let digit = CodePointSet([0x30...0x39])
    static let word = CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    static let space = CodePointSet([
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
        0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])
    /// `.`: everything but line terminators.
    static let dot = CodePointSet([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted()

    /// Parses `pattern` into top-level branches; `cost` of the result is bounded by maxRepetition.
    static func parse(_ pattern: String, limits: JSONSchemaLimits) throws(GrammarError) -> [RegexBranch] {
        guard pattern.utf8.count <= limits.maxPatternBytes else {
            throw GrammarError(.limitExceeded, "pattern of \(pattern.utf8.count) bytes exceeds maxPatternBytes (\(limits.maxPatternBytes))")
        }
        var p = RegexParser(scalars: Array(pattern.unicodeScalars), pattern: pattern, maxRepetition: limits.maxRepetition)
        var branches: [RegexBranch] = []
        while true {
            var start = false, end = false
            if p.peek == "^" { p.pos += 1; start = true }
            let node = try p.sequence(topLevel: true)
            if p.peek == "$" { p.pos += 1; end = true }
            branches.append(RegexBranch(node: node, anchoredStart: start, anchoredEnd: end))
            if p.peek == "|" { p.pos += 1; continue }
            if p.peek == nil { break }
            if p.peek == ")" { throw p.fail("unbalanced )") }
            throw p.fail("anchor ^ or $ inside the pattern (only at its ends)")
        }
        var total = 0
        for b in branches { total += try RegexParser.cost(b.node, limit: limits.maxRepetition, pattern: pattern) }
        _ = total
        return branches
    }

    private init(scalars: [Unicode.Scalar], pattern: String, maxRepetition: Int) {
        self.scalars = scalars
        self.pattern = pattern
        self.maxRepetition = maxRepetition
    }

    private var peek: Unicode.Scalar? { pos < scalars.count ? scalars[pos] : nil }

    private func fail(_ what: String) -> GrammarError {
        GrammarError(.invalidPattern, "pattern \(RegexParser.shown(pattern)): \(what) at character \(pos)")
    }

    static func shown(_ p: String) -> String {
        let s = p.count > 80 ? String(p.prefix(77)) + "..." : p
        return "/" + s + "/"
    }

    /// How many copies of character sets a matcher expands the node into, bounded by `limit`.
    static func cost(_ n: RegexNode, limit: Int, pattern: String) throws(GrammarError) -> Int {
        let c: Int
        switch n {
        case .chars: c = 1
        case .sequence(let xs), .alternation(let xs):
            var s = 0
            for x in xs { s += try cost(x, limit: limit, pattern: pattern) }
            c = s
        case let .repetition(x, min, max):
            let inner = try cost(x, limit: limit, pattern: pattern)
            let (m, o) = inner.multipliedReportingOverflow(by: Swift.max(1, max ?? (min + 1)))
            c = o ? Int.max : m
        }
        guard c <= limit else {
            throw GrammarError(.limitExceeded, "pattern \(shown(pattern)) expands to more than maxRepetition (\(limit)) repeated items")
        }
        return c
    }

    private mutating func sequence(topLevel: Bool) throws(GrammarError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            if c == "$" {
                if topLevel, pos + 1 == scalars.count || scalars[pos + 1] == "|" { break }
                throw fail("anchor $ inside the pattern (only at its end)")
            }
            if c == "^" { throw fail("anchor ^ inside the pattern (only at its start)") }
            var atom = try self.atom()
            atom = try quantified(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func alternation() throws(GrammarError) -> RegexNode {
        var alts = [try sequence(topLevel: false)]
        while peek == "|" {
            pos += 1
            alts.append(try sequence(topLevel: false))
        }
        return alts.count == 1 ? alts[0] : .alternation(alts)
    }

    private mutating func number() -> Int? {
        var v = 0, n = 0
        while let c = peek, c.value >= 0x30, c.value <= 0x39 {
            v = Swift.min(v * 10 + Int(c.value - 0x30), 1_000_000_000)
            pos += 1
            n += 1
        }
        return n > 0 ? v : nil
    }

    private mutating func quantified(_ atom: RegexNode) throws(GrammarError) -> RegexNode {
        var node = atom
        while let c = peek {
            var lo = 0, hi: Int? = nil
            switch c {
            case "*": pos += 1
            case "+": pos += 1; lo = 1
            case "?": pos += 1; hi = 1
            case "{":
                let save = pos
                pos += 1
                guard let m = number() else { pos = save; return node }  // a literal `{`
                lo = m; hi = m
                if peek == "," {
                    pos += 1
                    hi = number()
                }
                guard peek == "}" else { pos = save; return node }
                pos += 1
                if let h = hi, h < lo { throw fail("quantifier {\(lo),\(h)} out of order") }
            default:
                return node
            }
            if peek == "?" { pos += 1 }  // lazy: same language
            if case .repetition = node { throw fail("nested quantifier without a group") }
            if lo > maxRepetition || (hi ?? 0) > maxRepetition {
                throw GrammarError(.limitExceeded, "pattern \(RegexParser.shown(pattern)): repetition {\(lo),\(hi.map(String.init) ?? "")} exceeds maxRepetition (\(maxRepetition))")
            }
            node = .repetition(node, min: lo, max: hi)
        }
        return node
    }

    private mutating func atom() throws(GrammarError) -> RegexNode {
        guard let c = peek else { throw fail("unexpected end") }
        switch c {
        case "(":
            pos += 1
            if peek == "?" {
                pos += 1
                switch peek {
                case ":": pos += 1
                case "=", "!": throw fail("lookahead (?\(peek!) is not supported")
                case "<":
                    pos += 1
                    if peek == "=" || peek == "!" { throw fail("lookbehind (?<\(peek!) is not supported") }
                    while let ch = peek, ch != ">" { pos += 1 }
                    guard peek == ">" else { throw fail("unterminated group name") }
                    pos += 1
                default: throw fail("group modifier (? is not supported")
                }
            }
            groupDepth += 1
            guard groupDepth <= 64 else {
                throw GrammarError(.limitExceeded, "pattern \(RegexParser.shown(pattern)): groups nested deeper than 64")
            }
            let inner = try alternation()
            groupDepth -= 1
            guard peek == ")" else { throw fail("missing )") }
            pos += 1
            // A one-item sequence marks the group, so `(a{2}){3}` is not `a{2}{3}`.
            return .sequence([inner])
        case ")": throw fail("unbalanced )")
        case "*", "+", "?": throw fail("quantifier \(c) with nothing to repeat")
        case "{":
            // A `{` that starts a valid quantifier has nothing to repeat; otherwise literal.
            let save = pos
            pos += 1
            if number() != nil {
                pos = save
                throw fail("quantifier { with nothing to repeat")
            }
            pos = save + 1
            return .chars(CodePointSet([c.value...c.value]))
        case ".":
            pos += 1
            return .chars(RegexParser.dot)
        case "[":
            return .chars(try charClass())
        case "\\":
            pos += 1
            return .chars(try escape(inClass: false))
        default:
            pos += 1
            return .chars(CodePointSet([c.value...c.value]))
        }
    }

    private mutating func hex(_ count: Int) throws(GrammarError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek, c.isASCII, let d = UInt32(String(c), radix: 16) else {
                throw fail("bad hex escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    /// After a backslash: the set it denotes.
    private mutating func escape(inClass: Bool) throws(GrammarError) -> CodePointSet {
        guard let c = peek else { throw fail("pattern ends with \\") }
        pos += 1
        func one(_ v: UInt32) -> CodePointSet { CodePointSet([v...v]) }
        switch c {
        case "d": return RegexParser.digit
        case "D": return RegexParser.digit.inverted()
        case "w": return RegexParser.word
        case "W": return RegexParser.word.inverted()
        case "s": return RegexParser.space
        case "S": return RegexParser.space.inverted()
        case "n": return one(0x0A)
        case "r": return one(0x0D)
        case "t": return one(0x09)
        case "f": return one(0x0C)
        case "v": return one(0x0B)
        case "0": return one(0)
        case "b":
            if inClass { return one(0x08) }
            throw fail("word boundary \\b is not supported")
        case "B": throw fail("word boundary \\B is not supported")
        case "1"..."9": throw fail("backreference \\\(c) is not supported")
        case "k": throw fail("named backreference \\k is not supported")
        case "p", "P": throw fail("Unicode property \\\(c){…} is not supported")
        case "x": return one(try hex(2))
        case "u":
            if peek == "{" {
                pos += 1
                var v: UInt32 = 0, n = 0
                while let h = peek, h != "}" {
                    guard let d = UInt32(String(h), radix: 16), n < 6 else { throw fail("bad \\u{…} escape") }
                    v = v * 16 + d
                    n += 1
                    pos += 1
                }
                guard peek == "}", n > 0, v <= 0x10FFFF else { throw fail("bad \\u{…} escape") }
                pos += 1
                return one(v)
            }
            return one(try hex(4))
        case "c":
            guard let l = peek, (0x41...0x5A).contains(l.value) || (0x61...0x7A).contains(l.value) else { throw fail("bad \\c escape") }
            pos += 1
            return one(l.value % 32)
        default:
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                throw fail("unknown escape \\\(c)")
            }
            return one(c.value)
        }
    }

    private mutating func charClass() throws(GrammarError) -> CodePointSet {
        pos += 1  // [
        var negated = false
        if peek == "^" { negated = true; pos += 1 }
        var set = CodePointSet()
        var first = true
        while true {
            guard let c = peek else { throw fail("unterminated character class") }
            if c == "]" && !first { pos += 1; break }
            if c == "]" && first {
                // `[]` matches nothing and `[^]` everything in ECMAScript.
                pos += 1
                return negated ? CodePointSet.all : CodePointSet()
            }
            first = false
            let lo = try classAtom()
            if peek == "-", pos + 1 < scalars.count, scalars[pos + 1] != "]" {
                pos += 1
                let hi = try classAtom()
                guard let a = lo.single, let b = hi.single else { throw fail("range with a class escape") }
                guard a <= b else { throw fail("range out of order") }
                set.insert(a...b)
            } else {
                set.formUnion(lo)
            }
        }
        return negated ? set.inverted() : set
    }

    private mutating func classAtom() throws(GrammarError) -> CodePointSet {
        guard let c = peek else { throw fail("unterminated character class") }
        pos += 1
        if c == "\\" { return try escape(inClass: true) }
        return CodePointSet([c.value...c.value])
    }
}

extension CodePointSet {
    /// The code point when the set holds exactly one.
    var single: UInt32? {
        ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound ? ranges[0].lowerBound : nil
    }
}
