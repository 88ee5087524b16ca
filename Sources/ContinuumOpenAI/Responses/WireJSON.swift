/// A JSON value written in the order its keys are given, with explicit nulls: the Responses
/// objects follow OpenAI's key order and send `null` where OpenAI does (`error`,
/// `incomplete_details`), which the synthesised `Encodable` would omit. `raw` embeds JSON text
/// as is (a client's schema, with its key order).
public indirect enum WireJSON: Sendable, Equatable, ExpressibleByStringLiteral {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([WireJSON])
    case object([(String, WireJSON)])
    case raw(String)

    public init(stringLiteral value: String) { self = .string(value) }

    /// A string, or null.
    static func string(_ s: String?) -> WireJSON { s.map(WireJSON.string) ?? .null }

    /// The compact JSON text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
        case .string(let s): Self.quote(s, into: &out)
        case .raw(let r): out += r
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                Self.quote(k, into: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    public static func == (a: WireJSON, b: WireJSON) -> Bool { a.text == b.text }
}
