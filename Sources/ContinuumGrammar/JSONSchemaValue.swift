/// A parsed JSON value that keeps object keys in document order, because the grammar emits
/// properties in schema order (Foundation's JSONSerialization loses that order).
package enum JSONSchemaValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's source text (so integers beyond Int64 and exact decimals survive) and
    /// its Double value.
    case number(String, Double)
    case string(String)
    case array([JSONSchemaValue])
    case object([(key: String, value: JSONSchemaValue)])

    package static func == (a: JSONSchemaValue, b: JSONSchemaValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(_, x), .number(_, y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    package subscript(key: String) -> JSONSchemaValue? {
        if case .object(let members) = self {
            return members.first(where: { $0.key == key })?.value
        }
        return nil
    }

    package var objectMembers: [(key: String, value: JSONSchemaValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    package var doubleValue: Double? {
        if case .number(_, let d) = self { return d }
        return nil
    }

    /// The value as an exact Int64 when its text is an integer (or an integral decimal like 5.0).
    package var int64Value: Int64? {
        guard case .number(let text, let d) = self else { return nil }
        if let i = Int64(text) { return i }
        if d.rounded() == d, abs(d) < 9.0e15 { return Int64(d) }
        return nil
    }

    /// Compact JSON text, keys in their order, strings escaped as Python's
    /// `json.dumps(ensure_ascii=False, separators=(",", ":"))` does: the canonical layout.
    package var canonicalText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text, _): out += text
        case .string(let s): out += JSONSchemaValue.quoted(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                out += JSONSchemaValue.quoted(m.key)
                out += ":"
                m.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as \n \t … or \u00XX.
    static func quoted(_ s: String) -> String {
        var out = "\""
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
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// A small strict JSON parser (RFC 8259) with a nesting bound, for schema texts.
package struct JSONSchemaParser {
    private let bytes: [UInt8]
    private var pos = 0
    private let maxDepth: Int

    package static func parse(_ text: String, maxDepth: Int) throws(GrammarError) -> JSONSchemaValue {
        var p = JSONSchemaParser(bytes: Array(text.utf8), maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.bytes.count else { throw p.fail("trailing characters after the schema") }
        return v
    }

    private init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func fail(_ what: String) -> GrammarError {
        GrammarError(.invalidSchema, "schema is not valid JSON: \(what) at byte \(pos)")
    }

    private mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
            pos += 1
        }
    }

    private mutating func literal(_ word: String, _ v: JSONSchemaValue) throws(GrammarError) -> JSONSchemaValue {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("unexpected token") }
        pos += w.count
        return v
    }

    private mutating func value(depth: Int) throws(GrammarError) -> JSONSchemaValue {
        guard depth <= maxDepth else {
            throw GrammarError(.limitExceeded, "schema nesting exceeds maxNestingDepth (\(maxDepth))")
        }
        guard pos < bytes.count else { throw fail("unexpected end") }
        switch bytes[pos] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSONSchemaValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw fail("expected , or ] in array")
            }
        case UInt8(ascii: "{"):
            pos += 1
            var members: [(key: String, value: JSONSchemaValue)] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected :") }
                pos += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                if let i = members.firstIndex(where: { $0.key == key }) {
                    members[i].value = v  // last duplicate wins, as in most parsers
                } else {
                    members.append((key, v))
                }
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw fail("expected , or } in object")
            }
        default:
            return try number()
        }
    }

    private mutating func number() throws(GrammarError) -> JSONSchemaValue {
        let start = pos
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        func digits(_ p: inout Int, _ b: [UInt8]) -> Int {
            let s = p
            while p < b.count, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
            return p - s
        }
        let intStart = pos
        let n = digits(&pos, bytes)
        guard n > 0 else { throw fail("unexpected character") }
        if n > 1, bytes[intStart] == UInt8(ascii: "0") { throw fail("leading zero in number") }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digits(&pos, bytes) > 0 else { throw fail("digits expected after .") }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits(&pos, bytes) > 0 else { throw fail("digits expected in exponent") }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        return .number(text, Double(text) ?? .nan)
    }

    private mutating func hex4() throws(GrammarError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    private mutating func string() throws(GrammarError) -> String {
        pos += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = pos
        func flush(_ s: inout String.UnicodeScalarView, _ b: [UInt8], _ from: Int, _ to: Int) {
            if to > from { s.append(contentsOf: String(decoding: b[from..<to], as: UTF8.self).unicodeScalars) }
        }
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                flush(&scalars, bytes, runStart, pos)
                pos += 1
                return String(scalars)
            }
            if c < 0x20 { throw fail("control character in string") }
            if c == UInt8(ascii: "\\") {
                flush(&scalars, bytes, runStart, pos)
                pos += 1
                guard pos < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if v >= 0xD800, v < 0xDC00, pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        pos += 2
                        let lo = try hex4()
                        if lo >= 0xDC00, lo < 0xE000 { v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00) }
                    }
                    scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                default: throw fail("unknown escape")
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        throw fail("unterminated string")
    }
}
