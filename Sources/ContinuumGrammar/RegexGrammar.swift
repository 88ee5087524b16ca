/// Regular expression (the subset documented on `RegexNode`) → GBNF.
public enum RegexGrammar {
    /// A grammar whose rule `ruleName` accepts exactly the strings the pattern matches in
    /// full (as if anchored by `^…$`; explicit anchors at the ends are accepted too). With
    /// `search: true` an end without an anchor may be preceded/followed by any text, as in
    /// JSON Schema's `pattern`.
    public static func gbnf(pattern: String, ruleName: String, search: Bool = false, limits: JSONSchemaLimits = .default) throws(GrammarError) -> String {
        let expr = try expression(pattern: pattern, mode: .raw, search: search, limits: limits)
        return "\(ruleName) ::= \(expr)\n"
    }

    /// How characters of the pattern become terminals.
    enum Mode {
        /// The text itself.
        case raw
        /// The inside of a JSON string literal: `"`, `\` and control characters appear as their
        /// escapes in the canonical layout (`\"`, `\\`, `\n`, `\u001f`, …).
        case jsonString
    }

    /// A GBNF expression (no rules) for the pattern.
    static func expression(pattern: String, mode: Mode, search: Bool, limits: JSONSchemaLimits) throws(GrammarError) -> String {
        let branches = try RegexParser.parse(pattern, limits: limits)
        let any = mode == .raw ? GBNFText.charClass(.all) + "*" : "(" + chars(.all, mode) + ")*"
        let alts = branches.map { b -> String in
            var parts: [String] = []
            if search && !b.anchoredStart { parts.append(any) }
            let body = emit(b.node, mode)
            if !body.isEmpty { parts.append(body) }
            if search && !b.anchoredEnd { parts.append(any) }
            return parts.isEmpty ? "\"\"" : parts.joined(separator: " ")
        }
        return alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")"
    }

    private static func emit(_ n: RegexNode, _ mode: Mode) -> String {
        switch n {
        case .chars(let set):
            return chars(set, mode)
        case .sequence(let xs):
            return xs.map { emit($0, mode) }.filter { !$0.isEmpty }.joined(separator: " ")
        case .alternation(let xs):
            return "(" + xs.map { x -> String in let e = emit(x, mode); return e.isEmpty ? "\"\"" : e }.joined(separator: " | ") + ")"
        case let .repetition(x, min, max):
            let inner = emit(x, mode)
            if inner.isEmpty || max == 0 { return "" }
            return GBNFText.repeated("(" + inner + ")", min: min, max: max)
        }
    }

    /// Terminals for one character from `set`; empty sets become a class that matches nothing
    /// being impossible in GBNF, so they are written as an impossible literal sequence.
    static func chars(_ set: CodePointSet, _ mode: Mode) -> String {
        if set.isEmpty { return "[^\\x00-\\U0010FFFF]" }
        switch mode {
        case .raw:
            if let v = set.single, let u = Unicode.Scalar(v) { return GBNFText.literal(String(u)) }
            return GBNFText.charClass(set)
        case .jsonString:
            let special = CodePointSet([0x00...0x1F, 0x22...0x22, 0x5C...0x5C])
            let plain = set.subtracting(special)
            var alts: [String] = []
            if !plain.isEmpty {
                if let v = plain.single, let u = Unicode.Scalar(v) { alts.append(GBNFText.literal(String(u))) } else { alts.append(GBNFText.charClass(plain)) }
            }
            for r in set.intersection(special).ranges {
                for v in r {
                    if let u = Unicode.Scalar(v) {
                        let q = JSONSchemaValue.quoted(String(u))
                        alts.append(GBNFText.literal(String(q.dropFirst().dropLast())))
                    }
                }
            }
            return alts.count == 1 ? alts[0] : "(" + alts.joined(separator: " | ") + ")"
        }
    }
}
