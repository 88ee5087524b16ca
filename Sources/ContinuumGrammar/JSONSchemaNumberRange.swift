/// Digit-level GBNF for bounded integers and numbers (the idea of llama.cpp's
/// `build_min_max_int`, reimplemented): a range of decimal integers is split by digit count,
/// then by leading digit, so `[0-9]` classes enforce the bound without enumerating values.
enum JSONSchemaNumberRange {
    /// Integers without leading zeros (and no `-0`) in `lo...hi`; nil bound = unbounded.
    static func integer(lo: Int64?, hi: Int64?) -> String? {
        if let l = lo, let h = hi, l > h { return nil }
        var alts: [String] = []
        // Non-negative part.
        if hi.map({ $0 >= 0 }) ?? true {
            let a = UInt64(max(lo ?? 0, 0))
            alts.append(magnitude(a, hi.map { UInt64($0) }))
        }
        // Negative part: "-" magnitude in [max(-hi, 1), -lo].
        if lo.map({ $0 < 0 }) ?? true {
            let a: UInt64 = hi.map { $0 < 0 ? $0.magnitude : 1 } ?? 1
            let b: UInt64? = lo.map { $0.magnitude }
            alts.append("\"-\" " + wrap(magnitude(a, b)))
        }
        return alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")"
    }

    private static func wrap(_ s: String) -> String { s.contains(" ") || s.contains("|") ? "(" + s + ")" : s }

    /// Decimal text of a magnitude in `a...b` (`b == nil`: unbounded).
    static func magnitude(_ a: UInt64, _ b: UInt64?) -> String {
        let la = String(a).count
        var alts: [String] = []
        let maxLen = b.map { String($0).count } ?? la
        for len in la...maxLen {
            let lowest: UInt64 = len == 1 ? 0 : pow10(len - 1)
            let highest: UInt64 = len >= 20 ? UInt64.max : pow10(len) - 1
            let from = max(a, lowest)
            let to = min(b ?? highest, highest)
            if from > to { continue }
            alts.append(sameLength(Array(String(from).utf8), Array(String(to).utf8)))
        }
        if b == nil {
            // Every longer number.
            alts.append("[1-9] [0-9]{\(la),}")
        }
        return alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")"
    }

    private static func pow10(_ n: Int) -> UInt64 {
        var v: UInt64 = 1
        for _ in 0..<n { v = v &* 10 }
        return v
    }

    private static func digits(_ n: Int) -> String { n == 0 ? "" : n == 1 ? "[0-9]" : "[0-9]{\(n)}" }

    private static func digitClass(_ a: UInt8, _ b: UInt8) -> String {
        a == b ? "\"\(Character(Unicode.Scalar(a)))\"" : "[\(Character(Unicode.Scalar(a)))-\(Character(Unicode.Scalar(b)))]"
    }

    /// Digit strings of one length between `from` and `to` inclusive (`from <= to`).
    private static func sameLength(_ from: [UInt8], _ to: [UInt8]) -> String {
        var common = 0
        while common < from.count, from[common] == to[common] { common += 1 }
        var parts: [String] = []
        if common > 0 { parts.append("\"" + String(decoding: from[..<common], as: UTF8.self) + "\"") }
        if common == from.count { return parts.joined(separator: " ") }
        let f = Array(from[common...]), t = Array(to[common...])
        let rest = f.count - 1
        if rest == 0 {
            parts.append(digitClass(f[0], t[0]))
            return parts.joined(separator: " ")
        }
        let fTail = Array(f[1...]), tTail = Array(t[1...])
        let fZeros = fTail.allSatisfy { $0 == UInt8(ascii: "0") }
        let tNines = tTail.allSatisfy { $0 == UInt8(ascii: "9") }
        var alts: [String] = []
        let midLo = fZeros ? f[0] : f[0] + 1
        let midHi = tNines ? t[0] : t[0] - 1
        if !fZeros {
            alts.append(digitClass(f[0], f[0]) + " " + wrap(sameLength(fTail, [UInt8](repeating: UInt8(ascii: "9"), count: rest))))
        }
        if midLo <= midHi {
            alts.append(digitClass(midLo, midHi) + " " + digits(rest))
        }
        if !tNines {
            alts.append(digitClass(t[0], t[0]) + " " + wrap(sameLength([UInt8](repeating: UInt8(ascii: "0"), count: rest), tTail)))
        }
        parts.append(alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")")
        return parts.joined(separator: " ")
    }

    /// A bound of a number range: integral value, inclusive or not.
    struct Bound { var value: Int64; var inclusive: Bool }

    /// Plain decimal numbers (no exponent) `x` with `lo <(=) x <(=) hi`, integral bounds.
    static func decimal(lo: Bound?, hi: Bound?) -> String? {
        let frac = "(\".\" [0-9]+)?"
        let zeroFrac = "(\".\" \"0\"+)?"
        let nonzeroFrac = "\".\" [0-9]* [1-9] [0-9]*"
        if let l = lo, let h = hi, l.value > h.value || (l.value == h.value && !(l.inclusive && h.inclusive)) { return nil }

        /// Magnitudes m with a <(=) m <(=) b (a >= 0), b nil = unbounded.
        func mag(_ a: UInt64, _ aInc: Bool, _ b: UInt64?, _ bInc: Bool) -> String? {
            var alts: [String] = []
            if let b, a == b {
                return aInc && bInc ? "\"\(a)\" " + zeroFrac : nil
            }
            alts.append("\"\(a)\" " + (aInc ? frac : nonzeroFrac))
            if let b {
                if b >= a + 2 { alts.append(wrap(magnitude(a + 1, b - 1)) + " " + frac) }
                if bInc { alts.append("\"\(b)\" " + zeroFrac) }
            } else {
                alts.append(wrap(magnitude(a + 1, nil)) + " " + frac)
            }
            return "(" + alts.joined(separator: " | ") + ")"
        }

        var alts: [String] = []
        // x >= 0 side.
        if hi.map({ $0.value > 0 || ($0.value == 0 && $0.inclusive) }) ?? true {
            let a: Bound = lo.map { $0.value >= 0 ? $0 : Bound(value: 0, inclusive: true) } ?? Bound(value: 0, inclusive: true)
            if let m = mag(UInt64(a.value), a.inclusive, hi.map { UInt64($0.value) }, hi?.inclusive ?? true) { alts.append(m) }
        }
        // x < 0 side: "-" m with m > 0 and -m within bounds.
        if lo.map({ $0.value < 0 }) ?? true {
            // m in (max(-hi, 0), -lo]: lower end exclusive at 0 (so no "-0"), else from -hi.
            let aVal: UInt64, aInc: Bool
            if let h = hi, h.value < 0 { aVal = h.value.magnitude; aInc = h.inclusive } else { aVal = 0; aInc = false }
            if let m = mag(aVal, aInc, lo.map { $0.value.magnitude }, lo?.inclusive ?? true) { alts.append("\"-\" " + m) }
        }
        if alts.isEmpty { return nil }
        return alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")"
    }
}
