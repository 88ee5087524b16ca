import Foundation

/// Python `str` methods templates call (`.strip()`, `.split()`, `.startswith()`, ...) and
/// the whitespace rules they share with the `trim` filter.
enum JinjaStrings {
    /// Python's `str.isspace` for one scalar.
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        (0x09...0x0D).contains(u.value) || (0x1C...0x1F).contains(u.value) || u.properties.isWhitespace
    }

    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func drop(_ u: Unicode.Scalar) -> Bool { set.map { $0.contains(u) } ?? isSpace(u) }
        var scalars = Array(s.unicodeScalars)[...]
        if leading { while let f = scalars.first, drop(f) { scalars = scalars.dropFirst() } }
        if trailing { while let l = scalars.last, drop(l) { scalars = scalars.dropLast() } }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars)
        return out
    }

    /// `str.split(sep=None, maxsplit=-1)`.
    static func split(_ s: String, _ sep: String?, _ maxsplit: Int) -> [String] {
        guard let sep else {
            var out: [String] = []
            var cur = ""
            var inWord = false
            var rest = Substring.UnicodeScalarView(s.unicodeScalars)[...]
            while let u = rest.first {
                if isSpace(u) {
                    if inWord {
                        out.append(cur); cur = ""; inWord = false
                        if maxsplit >= 0 && out.count == maxsplit {
                            let tail = strip(String(String.UnicodeScalarView(rest)), nil, leading: true, trailing: false)
                            if !tail.isEmpty { out.append(strip(tail, nil, leading: false, trailing: true)) }
                            return out
                        }
                    }
                } else {
                    cur.unicodeScalars.append(u); inWord = true
                }
                rest = rest.dropFirst()
            }
            if inWord { out.append(cur) }
            return out
        }
        var parts: [String] = []
        var remaining = Substring(s)
        while maxsplit < 0 || parts.count < maxsplit, let r = remaining.range(of: sep) {
            parts.append(String(remaining[..<r.lowerBound]))
            remaining = remaining[r.upperBound...]
        }
        parts.append(String(remaining))
        return parts
    }

    /// Python's `str.title()`: a letter after a non-letter is upper-cased, others lower-cased.
    static func pythonTitle(_ s: String) -> String {
        var out = ""
        var prevCased = false
        for u in s.unicodeScalars {
            let cased = u.properties.isAlphabetic
            out += prevCased ? String(u).lowercased() : String(u).uppercased()
            prevCased = cased
        }
        return out
    }

    static func capitalize(_ s: String) -> String {
        guard let f = s.unicodeScalars.first else { return s }
        return String(f).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    static func replace(_ s: String, _ old: String, _ new: String, _ count: Int) -> String {
        if count < 0 { return old.isEmpty ? s : s.replacingOccurrences(of: old, with: new) }
        var out = ""
        var rest = Substring(s)
        var n = 0
        while n < count, !old.isEmpty, let r = rest.range(of: old) {
            out += rest[..<r.lowerBound] + new
            rest = rest[r.upperBound...]
            n += 1
        }
        return out + rest
    }

    static func method(_ s: String, _ name: String, _ args: [JinjaValue], _ kwargs: [String: JinjaValue],
                       _ r: JinjaRenderer) throws(JinjaError) -> JinjaValue {
        func str(_ i: Int, _ key: String) throws(JinjaError) -> String? {
            let v = i < args.count ? args[i] : kwargs[key]
            guard let v else { return nil }
            if case .none = v { return nil }
            guard case .string(let x) = v else { throw r.fail(.type, "\(name)() argument must be str, not \(v.typeName)") }
            return x
        }
        func int(_ i: Int, _ key: String, _ dflt: Int) throws(JinjaError) -> Int {
            let v = i < args.count ? args[i] : kwargs[key]
            guard let v else { return dflt }
            guard case .int(let x)? = v.numeric else { throw r.fail(.type, "\(name)() argument must be int, not \(v.typeName)") }
            return x
        }
        func affixes(_ v: JinjaValue?) throws(JinjaError) -> [String] {
            switch v {
            case .string(let x)?: return [x]
            case .list(let l)?, .tuple(let l)?:
                return try l.map { (x) throws(JinjaError) -> String in
                    guard case .string(let y) = x else { throw r.fail(.type, "\(name)() tuple must hold strings") }
                    return y
                }
            default: throw r.fail(.type, "\(name)() needs a string or a tuple of strings")
            }
        }
        switch name {
        case "strip": return .string(strip(s, try str(0, "chars"), leading: true, trailing: true))
        case "lstrip": return .string(strip(s, try str(0, "chars"), leading: true, trailing: false))
        case "rstrip": return .string(strip(s, try str(0, "chars"), leading: false, trailing: true))
        case "split":
            let sep = try str(0, "sep")
            if sep == "" { throw r.fail(.type, "split(): empty separator") }
            return .list(split(s, sep, try int(1, "maxsplit", -1)).map { .string($0) })
        case "rsplit":
            guard (try int(1, "maxsplit", -1)) < 0 else { throw r.fail(.unsupported, "rsplit() with maxsplit") }
            return .list(split(s, try str(0, "sep"), -1).map { .string($0) })
        case "startswith": return .bool(try affixes(args.first).contains { s.unicodeScalars.starts(with: $0.unicodeScalars) })
        case "endswith": return .bool(try affixes(args.first).contains { s.unicodeScalars.reversed().starts(with: $0.unicodeScalars.reversed()) })
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(pythonTitle(s))
        case "capitalize": return .string(capitalize(s))
        case "replace":
            guard let old = try str(0, "old"), let new = try str(1, "new") else { throw r.fail(.type, "replace() needs two strings") }
            return .string(replace(s, old, new, try int(2, "count", -1)))
        case "find", "index", "rfind":
            guard let sub = try str(0, "sub") else { throw r.fail(.type, "\(name)() needs a string") }
            let scalars = Array(s.unicodeScalars), needle = Array(sub.unicodeScalars)
            let range = name == "rfind" ? Array(stride(from: scalars.count - needle.count, through: 0, by: -1))
                                        : Array(0...max(-1, scalars.count - needle.count))
            for i in range where i >= 0 && Array(scalars[i..<i + needle.count]) == needle { return .int(i) }
            if name == "index" { throw r.fail(.type, "substring not found") }
            return .int(-1)
        case "count":
            guard let sub = try str(0, "sub"), !sub.isEmpty else { return .int(s.unicodeScalars.count + 1) }
            return .int(s.components(separatedBy: sub).count - 1)
        case "join":
            let items = try r.iterate(args.first ?? .list([]))
            return .string(try items.map { (x) throws(JinjaError) -> String in
                guard case .string(let y) = x else { throw r.fail(.type, "join(): expected str instance, \(x.typeName) found") }
                return y
            }.joined(separator: s))
        case "splitlines":
            return .list(s.split(omittingEmptySubsequences: false) { $0.isNewline }.map { .string(String($0)) }.dropLast(s.last?.isNewline == true ? 1 : 0))
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isSpace))
        case "islower": return .bool(s.contains { $0.isLetter } && s == s.lowercased())
        case "isupper": return .bool(s.contains { $0.isLetter } && s == s.uppercased())
        case "format":
            // Positional `{}` / `{0}` and keyword `{name}` fields, no format specs.
            var out = ""
            var auto = 0
            var rest = Substring(s)
            while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
                out += rest[..<open]
                let after = rest.index(after: open)
                if after < rest.endIndex, rest[after] == rest[open] { out.append(rest[open]); rest = rest[rest.index(after: after)...]; continue }
                guard rest[open] == "{", let close = rest[after...].firstIndex(of: "}") else { throw r.fail(.type, "format(): single brace") }
                let field = String(rest[after..<close])
                if field.contains(":") || field.contains("!") { throw r.fail(.unsupported, "format() specs") }
                let v: JinjaValue?
                if field.isEmpty { v = auto < args.count ? args[auto] : nil; auto += 1 } else if let k = Int(field) { v = k < args.count ? args[k] : nil } else { v = kwargs[field] }
                guard let v else { throw r.fail(.type, "format(): no value for {\(field)}") }
                out += v.pythonString
                rest = rest[rest.index(after: close)...]
            }
            return .string(out + rest)
        default:
            throw r.fail(.unsupported, "the method str.\(name)()")
        }
    }
}
