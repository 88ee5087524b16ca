import Foundation

/// jinja2's built-in filters and tests that chat templates use, with transformers' `tojson`.
extension JinjaRenderer {
    private func arg(_ args: [JinjaValue], _ kwargs: [String: JinjaValue], _ i: Int, _ key: String) -> JinjaValue? {
        i < args.count ? args[i] : kwargs[key]
    }

    private func needString(_ v: JinjaValue, _ filter: String) throws(JinjaError) -> String {
        if case .undefined = v { return "" }
        return v.pythonString
    }

    /// `environment.getattr` with dotted paths, as filters' `attribute=` takes them.
    private func attributePath(_ v: JinjaValue, _ path: String) throws(JinjaError) -> JinjaValue {
        var x = v
        for part in path.split(separator: ".") {
            if case .undefined = x { return x }
            x = try item(x, Int(part).map { .int($0) } ?? .string(String(part)))
        }
        return x
    }

    mutating func applyFilter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue], _ kwargs: [String: JinjaValue]) throws(JinjaError) -> JinjaValue {
        switch name {
        case "trim", "strip":
            let chars = arg(args, kwargs, 0, "chars").flatMap { if case .string(let s) = $0 { s } else { nil } }
            return .string(JinjaStrings.strip(try needString(v, name), chars, leading: true, trailing: true))
        case "upper": return .string(try needString(v, name).uppercased())
        case "lower": return .string(try needString(v, name).lowercased())
        case "capitalize": return .string(JinjaStrings.capitalize(try needString(v, name)))
        case "title":
            // jinja2 title-cases words split at whitespace and - ( { [ <.
            var out = "", startOfWord = true
            for u in try needString(v, name).unicodeScalars {
                out += startOfWord ? String(u).uppercased() : String(u).lowercased()
                startOfWord = JinjaStrings.isSpace(u) || "-({[<".unicodeScalars.contains(u)
            }
            return .string(out)
        case "replace":
            guard case .string(let old)? = arg(args, kwargs, 0, "old"), let new = arg(args, kwargs, 1, "new") else {
                throw fail(.type, "replace needs old and new strings")
            }
            var count = -1
            if case .int(let c)? = arg(args, kwargs, 2, "count") { count = c }
            return .string(JinjaStrings.replace(try needString(v, name), old, new.pythonString, count))
        case "length", "count":
            switch v {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l), .tuple(let l): return .int(l.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            case .namespace(let ns): return .int(ns.attributes.count)
            default: throw fail(.type, "object of type '\(v.typeName)' has no len()")
            }
        case "string": return .string(v.pythonString)
        case "safe", "escape_once": return .string(v.pythonString)
        case "e", "escape", "forceescape":
            var out = ""
            for c in v.pythonString.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(c)
                }
            }
            return .string(out)
        case "default", "d":
            let fallback = arg(args, kwargs, 0, "default_value") ?? .string("")
            let boolean = arg(args, kwargs, 1, "boolean")?.truthy ?? false
            if v.isUndefined || (boolean && !v.truthy) { return fallback }
            return v
        case "first":
            if case .undefined = v { return .undefined("first of undefined") }
            return try iterate(v).first ?? .undefined("first of an empty sequence")
        case "last":
            if case .dict = v { throw fail(.type, "last of a dict") }
            return try iterate(v).last ?? .undefined("last of an empty sequence")
        case "list": return .list(try iterate(v))
        case "reverse":
            if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try iterate(v).reversed())
        case "items":
            switch v {
            case .undefined: return .list([])
            case .dict(let d): return .list(d.pairs.map { .tuple([$0.key, $0.value]) })
            default: throw fail(.type, "items filter: can only get item pairs from a mapping, not \(v.typeName)")
            }
        case "dictsort":
            guard case .dict(let d) = v else { throw fail(.type, "dictsort: \(v.typeName) is not a mapping") }
            let byValue = arg(args, kwargs, 1, "by").map { $0.pythonString == "value" } ?? false
            let caseSensitive = arg(args, kwargs, 0, "case_sensitive")?.truthy ?? false
            let reverse = arg(args, kwargs, 2, "reverse")?.truthy ?? false
            let sorted = try sortValues(d.pairs.map { .tuple([$0.key, $0.value]) }, caseSensitive: caseSensitive) { (x) throws(JinjaError) in
                guard case .tuple(let p) = x else { return x }
                return p[byValue ? 1 : 0]
            }
            return .list(reverse ? sorted.reversed() : sorted)
        case "sort":
            let reverse = arg(args, kwargs, 0, "reverse")?.truthy ?? false
            let caseSensitive = arg(args, kwargs, 1, "case_sensitive")?.truthy ?? false
            let attribute = arg(args, kwargs, 2, "attribute").map(\.pythonString)
            let sorted = try sortValues(try iterate(v), caseSensitive: caseSensitive) { (x) throws(JinjaError) in
                try attribute.map { (a) throws(JinjaError) in try attributePath(x, a) } ?? x
            }
            return .list(reverse ? sorted.reversed() : sorted)
        case "unique":
            let caseSensitive = arg(args, kwargs, 0, "case_sensitive")?.truthy ?? false
            let attribute = arg(args, kwargs, 1, "attribute").map(\.pythonString)
            var seen: [JinjaValue] = []
            var out: [JinjaValue] = []
            for x in try iterate(v) {
                var key = try attribute.map { (a) throws(JinjaError) in try attributePath(x, a) } ?? x
                if !caseSensitive, case .string(let s) = key { key = .string(s.lowercased()) }
                if !seen.contains(where: { $0.pythonEquals(key) }) { seen.append(key); out.append(x) }
            }
            return .list(out)
        case "join":
            let sep = arg(args, kwargs, 0, "d")?.pythonString ?? ""
            let attribute = arg(args, kwargs, 1, "attribute").map(\.pythonString)
            var parts: [String] = []
            for x in try iterate(v) {
                parts.append((try attribute.map { (a) throws(JinjaError) in try attributePath(x, a) } ?? x).pythonString)
            }
            return .string(parts.joined(separator: sep))
        case "map":
            let items = try iterate(v)
            if let a = kwargs["attribute"] {
                return .list(try items.map { (x) throws(JinjaError) -> JinjaValue in
                    let r = try attributePath(x, a.pythonString)
                    if r.isUndefined, let d = kwargs["default"] { return d }
                    return r
                })
            }
            guard case .string(let f)? = args.first else { throw fail(.type, "map needs a filter name or attribute=") }
            let rest = Array(args.dropFirst())
            var out: [JinjaValue] = []
            for x in items { out.append(try applyFilter(f, x, rest, [:])) }
            return .list(out)
        case "select", "reject", "selectattr", "rejectattr":
            let byAttribute = name.hasSuffix("attr")
            let keep = name.hasPrefix("select")
            var rest = args
            var attribute: String?
            if byAttribute {
                guard case .string(let a)? = rest.first else { throw fail(.type, "\(name) needs an attribute name") }
                attribute = a
                rest.removeFirst()
            }
            var test: String?
            if let t = rest.first { test = t.pythonString; rest.removeFirst() }
            var out: [JinjaValue] = []
            for x in try iterate(v) {
                let subject = try attribute.map { (a) throws(JinjaError) in try attributePath(x, a) } ?? x
                let ok = try test.map { (t) throws(JinjaError) in try applyTest(t, subject, rest) } ?? subject.truthy
                if ok == keep { out.append(x) }
            }
            return .list(out)
        case "tojson":
            var indent: String?
            switch arg(args, kwargs, 0, "indent") {
            case .int(let n)?: indent = String(repeating: " ", count: max(0, n))
            case .string(let s)?: indent = s
            default: break
            }
            var separators: (String, String)?
            if let s = kwargs["separators"]?.sequence, s.count == 2 { separators = (s[0].pythonString, s[1].pythonString) }
            return .string(try JinjaJSON.dumps(v, indent: indent, separators: separators, sortKeys: kwargs["sort_keys"]?.truthy ?? false))
        case "int":
            let dflt = arg(args, kwargs, 0, "default") ?? .int(0)
            switch v {
            case .int, .bool: return v.numeric ?? dflt
            case .float(let f): return f.isFinite && abs(f) < 9.2e18 ? .int(Int(f)) : dflt
            case .string(let s):
                let t = JinjaStrings.strip(s, nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
                if let i = Int(t) { return .int(i) }
                if let f = Double(t), f.isFinite, abs(f) < 9.2e18 { return .int(Int(f)) }
                return dflt
            default: return dflt
            }
        case "float":
            let dflt = arg(args, kwargs, 0, "default") ?? .float(0)
            switch v {
            case .int, .bool, .float: return .float(v.asDouble)
            case .string(let s): return Double(JinjaStrings.strip(s, nil, leading: true, trailing: true)).map { .float($0) } ?? dflt
            default: return dflt
            }
        case "abs":
            switch v.numeric {
            case .int(let i)?: return .int(abs(i))
            case .float(let f)?: return .float(abs(f))
            default: throw fail(.type, "bad operand type for abs(): '\(v.typeName)'")
            }
        case "round":
            var precision = 0
            if case .int(let p)? = arg(args, kwargs, 0, "precision") { precision = p }
            let method = arg(args, kwargs, 1, "method")?.pythonString ?? "common"
            var scale = 1.0
            for _ in 0..<min(max(precision, 0), 15) { scale *= 10 }
            let x = v.asDouble * scale
            let r: Double = switch method {
            case "ceil": x.rounded(.up)
            case "floor": x.rounded(.down)
            default: x.rounded(.toNearestOrEven)  // Python's round()
            }
            return .float(r / scale)
        case "sum":
            var total: JinjaValue = arg(args, kwargs, 1, "start") ?? .int(0)
            let attribute = arg(args, kwargs, 0, "attribute").map(\.pythonString)
            for x in try iterate(v) {
                total = try binary("+", total, try attribute.map { (a) throws(JinjaError) in try attributePath(x, a) } ?? x)
            }
            return total
        case "min", "max":
            let items = try sortValues(try iterate(v), caseSensitive: arg(args, kwargs, 0, "case_sensitive")?.truthy ?? false) { $0 }
            return (name == "min" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "indent":
            var indention = "    "
            switch arg(args, kwargs, 0, "width") {
            case .int(let n)?: indention = String(repeating: " ", count: max(0, n))
            case .string(let s)?: indention = s
            default: break
            }
            let first = arg(args, kwargs, 1, "first")?.truthy ?? false
            let blank = arg(args, kwargs, 2, "blank")?.truthy ?? false
            let s = try needString(v, name) + "\n"
            var lines = s.split(omittingEmptySubsequences: false) { $0.isNewline }.map(String.init)
            if lines.last == "" { lines.removeLast() }
            var rv: String
            if blank {
                rv = lines.joined(separator: "\n" + indention)
            } else {
                rv = lines.isEmpty ? "" : lines.removeFirst()
                if !lines.isEmpty { rv += "\n" + lines.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n") }
            }
            return .string(first ? indention + rv : rv)
        case "batch":
            guard case .int(let size)? = arg(args, kwargs, 0, "linecount"), size > 0 else { throw fail(.type, "batch needs a positive size") }
            let fill = arg(args, kwargs, 1, "fill_with")
            var out: [JinjaValue] = []
            var cur: [JinjaValue] = []
            for x in try iterate(v) {
                cur.append(x)
                if cur.count == size { out.append(.list(cur)); cur = [] }
            }
            if !cur.isEmpty {
                if let fill, !fill.isUndefined { while cur.count < size { cur.append(fill) } }
                out.append(.list(cur))
            }
            return .list(out)
        case "attr":
            guard case .string(let a)? = args.first else { throw fail(.type, "attr needs a name") }
            return try attribute(v, a)
        case "wordcount":
            return .int(JinjaStrings.split(try needString(v, name), nil, -1).count)
        case "center":
            var width = 80
            if case .int(let w)? = arg(args, kwargs, 0, "width") { width = w }
            let s = try needString(v, name)
            let pad = max(0, width - s.unicodeScalars.count)
            // Python's str.center puts the extra space on the right when the text is even.
            let left = pad / 2 + (pad & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: pad - left))
        default:
            throw fail(.unsupported, "the filter '\(name)'")
        }
    }

    /// Stable sort by Python ordering of `key(x)`; strings case-folded unless `caseSensitive`.
    private func sortValues(_ items: [JinjaValue], caseSensitive: Bool,
                            key: (JinjaValue) throws(JinjaError) -> JinjaValue) throws(JinjaError) -> [JinjaValue] {
        var keyed: [(JinjaValue, JinjaValue)] = []
        for x in items {
            var k = try key(x)
            if !caseSensitive, case .string(let s) = k { k = .string(s.lowercased()) }
            keyed.append((k, x))
        }
        // Insertion sort: stable and lets ordering errors propagate (lists here are short).
        var out: [(JinjaValue, JinjaValue)] = []
        for p in keyed {
            var j = out.count
            while j > 0, try order(out[j - 1].0, p.0) > 0 { j -= 1 }
            out.insert(p, at: j)
        }
        return out.map(\.1)
    }

    func applyTest(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws(JinjaError) -> Bool {
        func other() throws(JinjaError) -> JinjaValue {
            guard let a = args.first else { throw fail(.type, "the test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true } else { return false }
        case "string": if case .string = v { return true } else { return false }
        case "mapping": if case .dict = v { return true } else { return false }
        case "boolean": if case .bool = v { return true } else { return false }
        case "true": if case .bool(true) = v { return true } else { return false }
        case "false": if case .bool(false) = v { return true } else { return false }
        case "integer": if case .int = v { return true } else { return false }
        case "float": if case .float = v { return true } else { return false }
        case "number": return v.numeric != nil
        case "iterable":
            switch v {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "sequence":
            switch v {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable":
            switch v {
            case .macro, .function, .method: return true
            default: return false
            }
        case "odd", "even":
            guard case .int(let i)? = v.numeric else { throw fail(.type, "the test '\(name)' needs an integer") }
            return (i & 1 == 1) == (name == "odd")
        case "divisibleby":
            guard case .int(let i)? = v.numeric, case .int(let d)? = try other().numeric, d != 0 else {
                throw fail(.type, "divisibleby needs non-zero integers")
            }
            return i % d == 0
        case "lower": if case .string(let s) = v { return s == s.lowercased() } else { return false }
        case "upper": if case .string(let s) = v { return s == s.uppercased() } else { return false }
        case "in": return try contains(try other(), v)
        case "equalto", "eq", "==": return v.pythonEquals(try other())
        case "ne", "!=": return !v.pythonEquals(try other())
        case "lt", "lessthan", "<": return try order(v, try other()) < 0
        case "le", "<=": return try order(v, try other()) <= 0
        case "gt", "greaterthan", ">": return try order(v, try other()) > 0
        case "ge", ">=": return try order(v, try other()) >= 0
        case "sameas":
            let o = try other()
            switch (v, o) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "escaped": return false
        default: throw fail(.unsupported, "the test '\(name)'")
        }
    }
}
