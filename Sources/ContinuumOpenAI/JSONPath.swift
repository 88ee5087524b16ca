/// One step of a JSON path: an object key or an array index.
enum JSONPathComponent: Sendable, Equatable {
    case key(String)
    case index(Int)

    init(_ key: any CodingKey) {
        if let i = key.intValue { self = .index(i) } else { self = .key(key.stringValue) }
    }
}

extension Array where Element == JSONPathComponent {
    init(_ codingPath: [any CodingKey]) { self = codingPath.map(JSONPathComponent.init) }

    /// OpenAI's spelling of a parameter path: `messages[2].content`, nil for the root.
    var param: String? {
        guard !isEmpty else { return nil }
        var s = ""
        for c in self {
            switch c {
            case .key(let k): s += s.isEmpty ? k : ".\(k)"
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }
}

/// A coding key built at run time (array indices in error paths, dynamic keys).
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = "Index \(intValue)"; self.intValue = intValue }
}
