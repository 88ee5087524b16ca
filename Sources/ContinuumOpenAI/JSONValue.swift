/// A parsed JSON value, used only on the error path: to say what a client actually sent at
/// the JSON path where decoding failed ("got a string").
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value at `path`, or nil where the path leaves the document.
    func value(at path: [JSONPathComponent]) -> JSONValue? {
        var v = self
        for component in path {
            switch (component, v) {
            case (.key(let k), .object(let o)): guard let next = o[k] else { return nil }; v = next
            case (.index(let i), .array(let a)): guard a.indices.contains(i) else { return nil }; v = a[i]
            default: return nil
            }
        }
        return v
    }

    /// What a client sent, in words: "a string", "null", "1.5".
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { "the number \(Int(d))" } else { "the number \(d)" }
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
