/// Spelling of GBNF terminals in llama.cpp's dialect: quoted literals and character classes,
/// with anything that is not plain printable ASCII written as \x / \u / \U escapes so the
/// text parses the same in llama.cpp and in `Grammar(gbnf:)`.
enum GBNFText {
    /// `"…"` matching exactly `s`.
    static func literal(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += hexEscape(u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// `[…]` matching any code point in `set` (which must not be empty).
    static func charClass(_ set: CodePointSet) -> String {
        var out = "["
        for r in set.ranges {
            out += classChar(r.lowerBound)
            if r.upperBound > r.lowerBound {
                if r.upperBound > r.lowerBound + 1 { out += "-" }
                out += classChar(r.upperBound)
            }
        }
        return out + "]"
    }

    private static func classChar(_ v: UInt32) -> String {
        if v > 0x20, v < 0x7F, let u = Unicode.Scalar(v) {
            let c = Character(u)
            if c.isLetter || c.isNumber { return String(c) }
            if !"]\\-^\"[".contains(c) { return String(c) }
        }
        return hexEscape(v)
    }

    static func hexEscape(_ v: UInt32) -> String {
        let hex = String(v, radix: 16, uppercase: true)
        if v < 0x100 { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        if v < 0x10000 { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// `x{m,n}` in the shortest spelling (`x?`, `x*`, `x+`); `max == nil` means unbounded.
    static func repeated(_ x: String, min: Int, max: Int?) -> String {
        switch (min, max) {
        case (0, nil): return x + "*"
        case (1, nil): return x + "+"
        case (0, 1?): return x + "?"
        case (1, 1?): return x
        case let (m, nil): return x + "{\(m),}"
        case let (m, n?) where m == n: return x + "{\(m)}"
        case let (m, n?): return x + "{\(m),\(n)}"
        }
    }
}

/// A set of Unicode code points as sorted, disjoint, non-adjacent closed ranges.
struct CodePointSet: Equatable, Sendable {
    private(set) var ranges: [ClosedRange<UInt32>] = []

    static let all = CodePointSet([0...0x10FFFF])

    init(_ rs: [ClosedRange<UInt32>] = []) {
        for r in rs { insert(r) }
    }

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ v: UInt32) -> Bool { ranges.contains { $0.contains(v) } }

    mutating func insert(_ r: ClosedRange<UInt32>) {
        var lo = r.lowerBound, hi = r.upperBound
        var kept: [ClosedRange<UInt32>] = []
        for x in ranges {
            if x.upperBound &+ 1 < lo || (hi < UInt32.max && hi + 1 < x.lowerBound) {
                kept.append(x)
            } else {
                lo = Swift.min(lo, x.lowerBound)
                hi = Swift.max(hi, x.upperBound)
            }
        }
        kept.append(lo...hi)
        ranges = kept.sorted { $0.lowerBound < $1.lowerBound }
    }

    mutating func formUnion(_ o: CodePointSet) { for r in o.ranges { insert(r) } }

    func inverted() -> CodePointSet {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        var s = CodePointSet()
        s.ranges = out
        return s
    }

    func subtracting(_ o: CodePointSet) -> CodePointSet {
        // A ∖ B = ¬(¬A ∪ B)
        var x = inverted()
        x.formUnion(o)
        return x.inverted()
    }

    func intersection(_ o: CodePointSet) -> CodePointSet { subtracting(o.inverted()) }
}
