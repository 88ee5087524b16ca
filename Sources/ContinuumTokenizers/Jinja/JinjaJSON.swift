/// JSON in and out of template values: `tojson` as Python's `json.dumps(x, ensure_ascii=False,
/// indent=, separators=, sort_keys=)` writes it (transformers' filter), and a parser that keeps
/// key order and Python's int/float split (tool schemas and call arguments are read with it).
enum JinjaJSON {
    /// Nesting bound for parsing and dumping.
    static let maximumDepth = 128

    // MARK: Dump

    static func dumps(_ value: JinjaValue, indent: String?, separators: (item: String, key: String)?,
                      sortKeys: Bool) throws(JinjaError) -> String {
        let seps = separators ?? (indent == nil ? (", ", ": ") : (",", ": "))
        var out = ""
        try write(value, into: &out, indent: indent, level: 0, seps: seps, sortKeys: sortKeys)
        return out
    }

    private static func write(_ v: JinjaValue, into out: inout String, indent: String?, level: Int,
                              seps: (item: String, key: String), sortKeys: Bool) throws(JinjaError) {
        guard level < maximumDepth else { throw JinjaError(.limit, "tojson: nesting deeper than \(maximumDepth)") }
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let f):
            if f.isNaN { out += "NaN" } else if f.isInfinite { out += f < 0 ? "-Infinity" : "Infinity" } else { out += PythonFloat.repr(f) }
        case .string(let s): writeString(s, into: &out)
        case .list(let items), .tuple(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += seps.item }
                newline(&out, indent, level + 1)
                try write(item, into: &out, indent: indent, level: level + 1, seps: seps, sortKeys: sortKeys)
            }
            newline(&out, indent, level)
            out += "]"
        case .dict(let d):
            guard !d.isEmpty else { out += "{}"; return }
            var pairs = d.pairs
            if sortKeys { pairs.sort { keyText($0.key).unicodeScalars.lexicographicallyPrecedes(keyText($1.key).unicodeScalars) } }
            out += "{"
            for (n, p) in pairs.enumerated() {
                if n > 0 { out += seps.item }
                newline(&out, indent, level + 1)
                writeString(keyText(p.key), into: &out)
                out += seps.key
                try write(p.value, into: &out, indent: indent, level: level + 1, seps: seps, sortKeys: sortKeys)
            }
            newline(&out, indent, level)
            out += "}"
        case .undefined(let name):
            throw JinjaError(.type, "tojson: \(name.isEmpty ? "an undefined value" : "'\(name)' is undefined and") is not JSON serializable")
        default:
            throw JinjaError(.type, "tojson: Object of type \(v.typeName) is not JSON serializable")
        }
    }

    /// Python converts non-string keys: 1 → "1", True → "true", None → "null".
    private static func keyText(_ k: JinjaValue) -> String {
        switch k {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .none: "null"
        case .float(let f): PythonFloat.repr(f)
        default: k.pythonString
        }
    }

    private static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    /// A JSON string with ensure_ascii=False: only `"`, `\`, and control characters escaped.
    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += "\\u" + PythonFloat.hex(u.value, 4) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }

    // MARK: Parse

    /// Parses JSON text into template values: objects keep key order, numbers without `.`/`e`
    /// are ints (as Python's `json.loads`). `what` names the text in errors.
    static func parse(_ text: String, what: String) throws(JinjaError) -> JinjaValue {
        var p = Parser(bytes: Array(text.utf8), what: what)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.b.count else { throw p.error("trailing characters") }
        return v
    }

    private struct Parser {
        let b: [UInt8]
        let what: String
        var i = 0

        init(bytes: [UInt8], what: String) { b = bytes; self.what = what }

        func error(_ s: String) -> JinjaError { JinjaError(.type, "\(what) is not valid JSON: \(s) at byte \(i)") }

        mutating func skipSpace() { while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 } }

        mutating func literal(_ word: String, _ v: JinjaValue) throws(JinjaError) -> JinjaValue {
            let w = Array(word.utf8)
            guard i + w.count <= b.count, Array(b[i..<i + w.count]) == w else { throw error("unexpected character") }
            i += w.count
            return v
        }

        mutating func value(depth: Int) throws(JinjaError) -> JinjaValue {
            guard depth < JinjaJSON.maximumDepth else { throw error("nesting deeper than \(JinjaJSON.maximumDepth)") }
            guard i < b.count else { throw error("unexpected end") }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var d = JinjaDict()
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .dict(d) }
                while true {
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
                    let k = try string()
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    i += 1
                    skipSpace()
                    d[.string(k)] = try value(depth: depth + 1)
                    skipSpace()
                    guard i < b.count else { throw error("unexpected end") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard b[i] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                    i += 1
                    return .dict(d)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JinjaValue] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .list(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < b.count else { throw error("unexpected end") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard b[i] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                    i += 1
                    return .list(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .none)
            default: return try number()
            }
        }

        mutating func number() throws(JinjaError) -> JinjaValue {
            let s = i
            var isFloat = false
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            while i < b.count {
                let c = b[i]
                if c >= 0x30 && c <= 0x39 { i += 1; continue }
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && i > s) {
                    isFloat = true; i += 1; continue
                }
                break
            }
            let text = String(decoding: b[s..<i], as: UTF8.self)
            guard !text.isEmpty, text != "-" else { throw error("unexpected character") }
            if !isFloat, let v = Int(text) { return .int(v) }
            guard let f = Double(text) else { throw error("bad number '\(text)'") }
            return .float(f)
        }

        mutating func hex4() throws(JinjaError) -> UInt32 {
            guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else {
                throw error("bad \\u escape")
            }
            i += 4
            return v
        }

        mutating func string() throws(JinjaError) -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < b.count else { throw error("unterminated string") }
                let c = b[i]
                i += 1
                if c == UInt8(ascii: "\"") { break }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard i < b.count else { throw error("unterminated string") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800..<0xDC00).contains(v), i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let lo = try hex4()
                        if (0xDC00..<0xE000).contains(lo) { v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00) } else { i -= 6 }
                    }
                    out.append(contentsOf: Array(String(Character(UnicodeScalar(v) ?? "\u{FFFD}")).utf8))
                default: throw error("bad escape")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension JinjaValue {
    /// Parses JSON into template values: objects keep key order; numbers without a fraction or
    /// exponent are ints, as Python's `json.loads`.
    public static func parseJSON(_ text: String) throws(JinjaError) -> JinjaValue {
        try JinjaJSON.parse(text, what: "JSON text")
    }
}
