import Testing

/// A small, slow, obviously-correct recognizer for the GBNF the schema compiler emits
/// (literals, classes, rule references, groups, `| ? * + {m,n}`), so the compiler's tests
/// check acceptance without depending on the production matcher. Sets of end positions,
/// memoised per (rule, start): exponential cases cannot arise on the short test inputs.
final class GBNFRecognizer {
    indirect enum Expr {
        case literal([Unicode.Scalar])
        case charClass(negated: Bool, ranges: [ClosedRange<UInt32>])
        case ref(String)
        case seq([Expr])
        case alt([Expr])
        case rep(Expr, Int, Int?)
    }

    struct ParseError: Error, CustomStringConvertible { var description: String }

    private(set) var rules: [String: Expr] = [:]
    private var memo: [String: [Int: Set<Int>]] = [:]
    private var input: [Unicode.Scalar] = []

    init(_ gbnf: String) throws {
        for line in gbnf.split(separator: "\n") where !line.trimmingPrefixSpaces.isEmpty {
            guard let r = line.firstRange(of: " ::= ") else { throw ParseError(description: "no ::= in \(line)") }
            let name = String(line[..<r.lowerBound])
            var p = Parser(Array(line[r.upperBound...].unicodeScalars))
            let e = try p.alt()
            guard p.atEnd else { throw ParseError(description: "trailing text in rule \(name) at \(p.pos): \(line)") }
            rules[name] = e
        }
        for (n, e) in rules { try checkRefs(e, n) }
    }

    private func checkRefs(_ e: Expr, _ rule: String) throws {
        switch e {
        case .ref(let n): if rules[n] == nil { throw ParseError(description: "rule \(rule) refers to undefined \(n)") }
        case .seq(let xs), .alt(let xs): for x in xs { try checkRefs(x, rule) }
        case .rep(let x, _, _): try checkRefs(x, rule)
        default: break
        }
    }

    func accepts(_ text: String, root: String = "root") -> Bool {
        input = Array(text.unicodeScalars)
        memo = [:]
        return match(.ref(root), [0]).contains(input.count)
    }

    private func match(_ e: Expr, _ starts: Set<Int>) -> Set<Int> {
        var out = Set<Int>()
        switch e {
        case .literal(let s):
            for p in starts where p + s.count <= input.count && Array(input[p..<p + s.count]) == s { out.insert(p + s.count) }
        case let .charClass(neg, ranges):
            for p in starts where p < input.count {
                let v = input[p].value
                if ranges.contains(where: { $0.contains(v) }) != neg { out.insert(p + 1) }
            }
        case .ref(let n):
            for p in starts {
                if let m = memo[n]?[p] { out.formUnion(m); continue }
                memo[n, default: [:]][p] = []
                let r = match(rules[n]!, [p])
                memo[n, default: [:]][p] = r
                out.formUnion(r)
            }
        case .seq(let xs):
            var cur = starts
            for x in xs { cur = match(x, cur); if cur.isEmpty { break } }
            out = cur
        case .alt(let xs):
            for x in xs { out.formUnion(match(x, starts)) }
        case let .rep(x, lo, hi):
            var cur = starts
            for _ in 0..<lo { cur = match(x, cur) }
            out = cur
            var count = lo
            while hi.map({ count < $0 }) ?? true {
                let next = match(x, cur).subtracting(out)
                if next.isEmpty { break }
                out.formUnion(next)
                cur = next
                count += 1
            }
        }
        return out
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var pos = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }
        var atEnd: Bool { mutating get { skip(); return pos >= s.count } }
        mutating func skip() { while pos < s.count, s[pos] == " " { pos += 1 } }

        mutating func alt() throws -> Expr {
            var alts = [try seq()]
            while true {
                skip()
                guard pos < s.count, s[pos] == "|" else { break }
                pos += 1
                alts.append(try seq())
            }
            return alts.count == 1 ? alts[0] : .alt(alts)
        }

        mutating func seq() throws -> Expr {
            var items: [Expr] = []
            while true {
                skip()
                guard pos < s.count, s[pos] != "|", s[pos] != ")" else { break }
                var item = try primary()
                quantifiers: while pos < s.count {
                    switch s[pos] {
                    case "*": pos += 1; item = .rep(item, 0, nil)
                    case "+": pos += 1; item = .rep(item, 1, nil)
                    case "?": pos += 1; item = .rep(item, 0, 1)
                    case "{":
                        pos += 1
                        let m = number()
                        var n: Int? = m
                        if s[pos] == "," { pos += 1; n = s[pos] == "}" ? nil : number() }
                        guard s[pos] == "}" else { throw ParseError(description: "bad {m,n}") }
                        pos += 1
                        item = .rep(item, m, n)
                    default: break quantifiers
                    }
                }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .seq(items)
        }

        mutating func number() -> Int {
            var v = 0
            while pos < s.count, let d = Int(String(s[pos])) { v = v * 10 + d; pos += 1 }
            return v
        }

        mutating func escaped() throws -> Unicode.Scalar {
            pos += 1
            let c = s[pos]
            pos += 1
            func hex(_ n: Int) -> Unicode.Scalar {
                let v = UInt32(String(String.UnicodeScalarView(s[pos..<pos + n])), radix: 16)!
                pos += n
                return Unicode.Scalar(v)!
            }
            switch c {
            case "n": return "\n"
            case "r": return "\r"
            case "t": return "\t"
            case "x": return hex(2)
            case "u": return hex(4)
            case "U": return hex(8)
            default: return c
            }
        }

        mutating func primary() throws -> Expr {
            let c = s[pos]
            switch c {
            case "\"":
                pos += 1
                var lit: [Unicode.Scalar] = []
                while s[pos] != "\"" { if s[pos] == "\\" { lit.append(try escaped()) } else { lit.append(s[pos]); pos += 1 } }
                pos += 1
                return .literal(lit)
            case "[":
                pos += 1
                var neg = false
                if s[pos] == "^" { neg = true; pos += 1 }
                var ranges: [ClosedRange<UInt32>] = []
                while s[pos] != "]" {
                    let a: Unicode.Scalar
                    if s[pos] == "\\" { a = try escaped() } else { a = s[pos]; pos += 1 }
                    if s[pos] == "-", s[pos + 1] != "]" {
                        pos += 1
                        let b: Unicode.Scalar
                        if s[pos] == "\\" { b = try escaped() } else { b = s[pos]; pos += 1 }
                        ranges.append(a.value...b.value)
                    } else {
                        ranges.append(a.value...a.value)
                    }
                }
                pos += 1
                return .charClass(negated: neg, ranges: ranges)
            case "(":
                pos += 1
                let e = try alt()
                skip()
                guard pos < s.count, s[pos] == ")" else { throw ParseError(description: "missing ) at \(pos)") }
                pos += 1
                return e
            default:
                var name = ""
                while pos < s.count, s[pos].properties.isAlphabetic || ("0"..."9").contains(s[pos]) || s[pos] == "-" || s[pos] == "_" {
                    name.unicodeScalars.append(s[pos])
                    pos += 1
                }
                guard !name.isEmpty else { throw ParseError(description: "unexpected \(c) at \(pos)") }
                return .ref(name)
            }
        }
    }
}

extension Substring {
    var trimmingPrefixSpaces: Substring { drop(while: { $0 == " " }) }
}

@Test func recognizerItselfAcceptsAndRejects() throws {
    let g = try GBNFRecognizer("root ::= \"a\" [0-9]{2,3} ( \"x\" | b )*\nb ::= [^a-z]\n")
    #expect(g.accepts("a12"))
    #expect(g.accepts("a123xX"))
    #expect(!g.accepts("a1"))
    #expect(g.accepts("a1234"))  // "4" is a b
    #expect(!g.accepts("a123xq"))
    #expect(!g.accepts("a12y"))
}
