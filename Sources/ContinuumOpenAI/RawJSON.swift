/// A JSON document edited in place, byte for byte: the gateway forwards a client's own body
/// and changes only what it must (the model name, placeholders inside text values, a usage
/// option), so fields it does not model, number spellings and key order all arrive as sent.
/// Reading never traps: a document it cannot follow makes the edit fail (nil).
public struct RawJSON: Sendable {
    public private(set) var bytes: [UInt8]

    public init(_ bytes: some Sequence<UInt8>) { self.bytes = Array(bytes) }

    /// One step of a path: an object key or an array index.
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// A string value somewhere in the document.
    public struct StringValue: Sendable {
        public let path: [Step]
        public let value: String
        /// Its bytes, quotes included.
        let range: Range<Int>
    }

    /// Nesting deeper than this is not followed (JSONDecoder refuses such bodies anyway).
    static let maxDepth = 512

    /// Every string value (object keys excluded) whose path satisfies `include`, in document
    /// order; nil if the document cannot be read.
    public func strings(where include: ([Step]) -> Bool) -> [StringValue]? {
        var scanner = Scanner(bytes: bytes)
        var found: [StringValue] = []
        var path: [Step] = []
        guard scanner.value(path: &path, depth: 0, visit: { p, r, v in if include(p) { found.append(StringValue(path: p, value: v, range: r)) } }),
              scanner.atEnd else { return nil }
        return found
    }

    /// Replaces string values (from `strings(where:)` on this same document) with new text.
    public mutating func replace(_ edits: [(StringValue, String)]) {
        for (old, new) in edits.sorted(by: { $0.0.range.lowerBound > $1.0.range.lowerBound }) {
            bytes.replaceSubrange(old.range, with: Self.encode(new))
        }
    }

    /// Sets a member of the top-level object to `rawValue` (JSON text), replacing its value
    /// where the key is present and adding it otherwise. False if the document is not an object.
    @discardableResult
    public mutating func setTopLevel(_ key: String, rawValue: String) -> Bool {
        var scanner = Scanner(bytes: bytes)
        guard let members = scanner.topLevelMembers() else { return false }
        let value = Array(rawValue.utf8)
        if let m = members.last(where: { $0.key == key }) {
            bytes.replaceSubrange(m.value, with: value)
            return true
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: "}")) else { return false }
        bytes.replaceSubrange(close..<close, with: Array(((members.isEmpty ? "" : ",") + "\"").utf8) + Self.escaped(key) + Array("\":".utf8) + value)
        return true
    }

    /// The raw JSON text of every value (of any kind) whose path satisfies `include`, in
    /// document order, with its path: how a JSON Schema keeps its key order (JSONDecoder's
    /// dictionaries do not). Nil if the document cannot be read.
    public func rawValues(where include: @escaping ([Step]) -> Bool) -> [(path: [Step], text: String)]? {
        var scanner = Scanner(bytes: bytes)
        var ranges: [(path: [Step], range: Range<Int>)] = []
        scanner.onValue = { p, r in if include(p) { ranges.append((p, r)) } }
        var path: [Step] = []
        guard scanner.value(path: &path, depth: 0, visit: { _, _, _ in }), scanner.atEnd else { return nil }
        return ranges.map { ($0.path, String(decoding: bytes[$0.range], as: UTF8.self)) }
    }

    /// The raw JSON text of a top-level member's value, or nil.
    public func topLevel(_ key: String) -> String? {
        var scanner = Scanner(bytes: bytes)
        guard let m = scanner.topLevelMembers()?.last(where: { $0.key == key }) else { return nil }
        return String(decoding: bytes[m.value], as: UTF8.self)
    }

    /// A string as a JSON string literal.
    public static func encode(_ s: String) -> [UInt8] { [UInt8(ascii: "\"")] + escaped(s) + [UInt8(ascii: "\"")] }

    static func escaped(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [92, 34]
            case 92: out += [92, 92]
            case 0x0A: out += [92, UInt8(ascii: "n")]
            case 0x0D: out += [92, UInt8(ascii: "r")]
            case 0x09: out += [92, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        return out
    }
}

/// A forward-only reader of JSON bytes that reports string values with their paths.
private struct Scanner {
    let bytes: [UInt8]
    var i = 0
    /// Called with every value's path and byte range once it has been read.
    var onValue: (([RawJSON.Step], Range<Int>) -> Void)?

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get { skipSpace(); return i == bytes.count }
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    /// The top-level object's members: key and value byte range.
    mutating func topLevelMembers() -> [(key: String, value: Range<Int>)]? {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var members: [(key: String, value: Range<Int>)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return members }
        while true {
            skipSpace()
            guard let (key, _) = string() else { return nil }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            let start = i
            var path: [RawJSON.Step] = []
            guard value(path: &path, depth: 1, visit: { _, _, _ in }) else { return nil }
            members.append((key, start..<i))
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            return bytes[i] == UInt8(ascii: "}") ? members : nil
        }
    }

    /// Reads one value; false if the bytes are not JSON.
    mutating func value(path: inout [RawJSON.Step], depth: Int,
                        visit: ([RawJSON.Step], Range<Int>, String) -> Void) -> Bool {
        skipSpace()
        let start = i
        guard valueBody(path: &path, depth: depth, visit: visit) else { return false }
        onValue?(path, start..<i)
        return true
    }

    private mutating func valueBody(path: inout [RawJSON.Step], depth: Int,
                                    visit: ([RawJSON.Step], Range<Int>, String) -> Void) -> Bool {
        guard depth <= RawJSON.maxDepth else { return false }
        skipSpace()
        guard i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            guard let (s, r) = string() else { return false }
            visit(path, r, s)
            return true
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return true }
            while true {
                skipSpace()
                guard let (key, _) = string() else { return false }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                i += 1
                path.append(.key(key))
                guard value(path: &path, depth: depth + 1, visit: visit) else { return false }
                path.removeLast()
                skipSpace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { return false }
                i += 1
                return true
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return true }
            var n = 0
            while true {
                path.append(.index(n))
                guard value(path: &path, depth: depth + 1, visit: visit) else { return false }
                path.removeLast()
                n += 1
                skipSpace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { return false }
                i += 1
                return true
            }
        default:
            // number, true, false, null: up to the next delimiter
            let start = i
            while i < bytes.count, !",]} \n\r\t".utf8.contains(bytes[i]) { i += 1 }
            return i > start
        }
    }

    /// Reads a string literal at `i`: its value and its byte range (quotes included).
    mutating func string() -> (String, Range<Int>)? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return (String(decoding: out, as: UTF8.self), start..<i)
            }
            if b != 92 { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count, bytes[i] == 92, bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: out.append(e)  // \" \\ \/
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = Self.hexValue(bytes[i]) else { return nil }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 48...57: UInt32(b - 48)
        case 65...70: UInt32(b - 55)
        case 97...102: UInt32(b - 87)
        default: nil
        }
    }
}
