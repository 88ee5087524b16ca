import Foundation

/// Reads tool calls out of generated text as it streams, in the format Qwen2.5's template
/// asks for and Continuum's generic tool prompt uses:
///
///     <tool_call>
///     {"name": "get_weather", "arguments": {"city": "Paris"}}
///     </tool_call>
///
/// Text outside the tags is content. A call whose JSON starts with its name streams: the
/// name as soon as it is known, then the arguments' text piece by piece as it arrives
/// (what OpenAI's `delta.tool_calls` carries); any other layout is read whole once its
/// closing tag arrives. A block that is not a valid call is given back as content.
///
/// Small models often drop the tags and answer with the bare call object (Qwen2.5-Coder-0.5B
/// does): an answer that starts with `{` is read as a call when it is one object naming one
/// of `functions`, and is content otherwise.
public struct ToolCallParser: Sendable {
    public enum Event: Sendable, Equatable {
        case content(String)
        /// A call begins: its index among this answer's calls and the function's name.
        case callStart(index: Int, name: String)
        /// More of a call's arguments (JSON text).
        case arguments(index: Int, String)
    }

    /// A finished call: its name and its arguments as JSON text.
    public struct Call: Sendable, Equatable {
        public var name: String
        public var arguments: String

        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    public static let open = "<tool_call>"
    public static let close = "</tool_call>"

    private enum State: Sendable {
        case text
        /// After the opening tag: the call's text so far, not yet understood.
        case header
        /// Inside the arguments: JSON nesting depth, whether in a string and after a backslash.
        case arguments(depth: Int, inString: Bool, escaped: Bool, started: Bool)
        /// After the arguments: waiting for `}` and the closing tag.
        case trailer
        /// A layout read whole at the closing tag.
        case whole
    }

    private var state = State.text
    /// Text not yet given out as events (a possible tag start, a header, a trailer).
    private var held = ""
    /// The current block's text since its opening tag (for giving it back as content).
    private var block = ""
    private var currentName = ""
    private var currentArguments = ""
    public private(set) var calls: [Call] = []
    /// Everything given out as content.
    public private(set) var content = ""

    /// The functions a bare call object may name (empty: bare objects are content).
    public let functions: Set<String>
    /// Whether the block being read had no opening tag.
    private var bare = false
    /// Nothing but whitespace has been seen yet (a bare call can only start the answer).
    private var atStart = true

    public init(functions: Set<String> = []) {
        self.functions = functions
    }

    /// What a block that is not a call gives back as content.
    private var blockText: String { (bare ? "" : Self.open) + block }

    /// Feeds generated text; returns what it completes.
    public mutating func feed(_ text: String) -> [Event] {
        var events: [Event] = []
        for ch in text { step(ch, &events) }
        if case .text = state { releaseText(&events, final: false) }
        return events
    }

    /// The end of the text: held-back text becomes content; an unfinished block is kept as a
    /// call if its arguments are complete JSON, otherwise given back as content.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        switch state {
        case .text: releaseText(&events, final: true)
        case .trailer:
            calls.append(Call(name: currentName, arguments: currentArguments))
        case .whole, .header:
            if let call = Self.parseWhole(bare ? Self.unfenced(block) : block), !bare || functions.contains(call.name) {
                start(call.name, &events)
                currentArguments = call.arguments
                events.append(.arguments(index: calls.count, call.arguments))
                calls.append(call)
            } else {
                emitContent(blockText, &events)
            }
        case .arguments:
            // Arguments cut off (length): the call is incomplete; say so as content.
            if calls.count < startedCalls { startedCalls -= 1 }
            emitContent(blockText, &events)
        }
        bare = false
        state = .text
        held = ""
        block = ""
        return events
    }

    private var startedCalls = 0

    private mutating func step(_ ch: Character, _ events: inout [Event]) {
        switch state {
        case .text:
            held.append(ch)
            if atStart && !ch.isWhitespace {
                atStart = false
                if ch == "{" && !functions.isEmpty {
                    held = "{"
                    block = "{"
                    bare = true
                    state = .header
                    return
                }
                if ch == "`" && !functions.isEmpty {
                    // Maybe a fenced call (```json … ```): read whole at the end.
                    held = ""
                    block = "`"
                    bare = true
                    state = .whole
                    return
                }
            }
            if held.hasSuffix(Self.open) {
                emitContent(String(held.dropLast(Self.open.count)), &events)
                held = ""
                block = ""
                state = .header
            }
        case .header:
            block.append(ch)
            held.append(ch)
            switch Self.header(held) {
            case .name(let name, _) where bare && !functions.contains(name):
                giveBack(&events)
            case .other where bare:
                giveBack(&events)
            case .name(let name, let rest):
                start(name, &events)
                held = ""
                state = .arguments(depth: 0, inString: false, escaped: false, started: false)
                for c in rest { step(c, &events) }
            case .other: state = .whole
            case .undecided: break
            }
        case .arguments(var depth, var inString, var escaped, var started):
            block.append(ch)
            if !started {
                if ch.isWhitespace { return }
                // Arguments that are not an object or array are read whole.
                guard ch == "{" || ch == "[" else { state = .whole; return }
                started = true
            }
            currentArguments.append(ch)
            events.append(.arguments(index: startedCalls - 1, String(ch)))
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" {
                inString = true
            } else if ch == "{" || ch == "[" {
                depth += 1
            } else if ch == "}" || ch == "]" {
                depth -= 1
                if depth == 0 {
                    state = .trailer
                    held = ""
                    return
                }
            }
            state = .arguments(depth: depth, inString: inString, escaped: escaped, started: started)
        case .trailer:
            block.append(ch)
            held.append(ch)
            let trimmed = held.drop(while: \.isWhitespace)
            if trimmed.isEmpty { return }
            if trimmed.first != "}" {
                // Not the end of the call object: read the block whole instead.
                state = .whole
                return
            }
            let after = trimmed.dropFirst().drop(while: \.isWhitespace)
            if bare {
                // A bare call ends with its object; what follows is content.
                calls.append(Call(name: currentName, arguments: currentArguments))
                bare = false
                state = .text
                held = String(after)
                block = ""
            } else if after.hasPrefix(Self.close) {
                calls.append(Call(name: currentName, arguments: currentArguments))
                state = .text
                held = String(after.dropFirst(Self.close.count))
                block = ""
            } else if !Self.close.hasPrefix(after) {
                state = .whole
            }
        case .whole:
            block.append(ch)
            if !bare && block.hasSuffix(Self.close) {
                let body = String(block.dropLast(Self.close.count))
                if let call = Self.parseWhole(body) {
                    if startedCalls == calls.count { start(call.name, &events) }
                    let sent = currentArguments
                    if call.arguments.hasPrefix(sent) {
                        let rest = String(call.arguments.dropFirst(sent.count))
                        if !rest.isEmpty { events.append(.arguments(index: startedCalls - 1, rest)) }
                    }
                    calls.append(call)
                } else {
                    emitContent(blockText, &events)
                }
                state = .text
                held = ""
                block = ""
            }
        }
    }

    /// The text inside a Markdown code fence (```json … ```), or `s` itself.
    static func unfenced(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("```"), t.hasSuffix("```"), t.count >= 6, let newline = t.firstIndex(of: "\n") else { return s }
        return String(t[newline..<t.index(t.endIndex, offsetBy: -3)])
    }

    /// A bare object that is not a call: its text so far is content, and so is the rest.
    private mutating func giveBack(_ events: inout [Event]) {
        let text = block
        bare = false
        block = ""
        held = ""
        state = .text
        emitContent(text, &events)
    }

    private mutating func start(_ name: String, _ events: inout [Event]) {
        currentName = name
        currentArguments = ""
        events.append(.callStart(index: startedCalls, name: name))
        startedCalls += 1
    }

    private mutating func emitContent(_ s: String, _ events: inout [Event]) {
        // Whitespace between and after calls is layout, not an answer.
        guard !s.isEmpty, startedCalls == 0 || !s.allSatisfy(\.isWhitespace) else { return }
        content += s
        events.append(.content(s))
    }

    /// Gives out text that cannot start the opening tag; keeps a possible start of it.
    private mutating func releaseText(_ events: inout [Event], final: Bool) {
        var keep = 0
        if !final {
            for n in stride(from: min(held.count, Self.open.count - 1), to: 0, by: -1) where Self.open.hasPrefix(held.suffix(n)) {
                keep = n
                break
            }
        }
        let out = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        emitContent(out, &events)
    }

    private enum Header { case name(String, rest: String), other, undecided }

    /// Whether `s` (after the opening tag) begins `{"name": "…", "arguments":`.
    private static func header(_ s: String) -> Header {
        var i = s.startIndex
        func skip() { while i < s.endIndex, s[i].isWhitespace { i = s.index(after: i) } }
        func literal(_ l: String) -> Bool? {
            for c in l {
                guard i < s.endIndex else { return nil }
                guard s[i] == c else { return false }
                i = s.index(after: i)
            }
            return true
        }
        skip()
        for part in ["{", "\"name\""] {
            switch literal(part) { case nil: return .undecided; case false?: return .other; default: break }
            skip()
        }
        switch literal(":") { case nil: return .undecided; case false?: return .other; default: break }
        skip()
        guard i < s.endIndex else { return .undecided }
        guard s[i] == "\"" else { return .other }
        i = s.index(after: i)
        var name = ""
        var escaped = false
        while true {
            guard i < s.endIndex else { return .undecided }
            let c = s[i]
            i = s.index(after: i)
            if escaped { name.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { name.append(c) }
        }
        skip()
        switch literal(",") { case nil: return .undecided; case false?: return .other; default: break }
        skip()
        switch literal("\"arguments\"") { case nil: return .undecided; case false?: return .other; default: break }
        skip()
        switch literal(":") { case nil: return .undecided; case false?: return .other; default: break }
        return .name(name, rest: String(s[i...]))
    }

    /// A whole call object in any key order, by a small JSON reader: `name` a string,
    /// `arguments` any JSON value (its text as written) or a string holding JSON.
    static func parseWhole(_ text: String) -> Call? {
        var r = ToolCallJSON(Array(text.utf8))
        guard let members = r.objectMembers(), r.atEnd else { return nil }
        guard let nameText = members.first(where: { $0.key == "name" })?.value,
              let name = ToolCallJSON.stringValue(nameText) else { return nil }
        guard let args = members.first(where: { $0.key == "arguments" || $0.key == "parameters" })?.value else {
            return Call(name: name, arguments: "{}")
        }
        if let inner = ToolCallJSON.stringValue(args) { return Call(name: name, arguments: inner) }
        return Call(name: name, arguments: args)
    }
}

/// Just enough JSON to read a call object whose keys may come in any order: its members with
/// each value's text as written. Depth-bounded; nil on anything malformed.
struct ToolCallJSON {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get { skip(); return i == bytes.count }
    }

    mutating func skip() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func objectMembers() -> [(key: String, value: String)]? {
        skip()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [(key: String, value: String)] = []
        skip()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return out }
        while true {
            skip()
            let keyStart = i
            guard skipValue(depth: 0), let key = Self.stringValue(String(decoding: bytes[keyStart..<i], as: UTF8.self)) else { return nil }
            skip()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skip()
            let start = i
            guard skipValue(depth: 0) else { return nil }
            out.append((key, String(decoding: bytes[start..<i], as: UTF8.self)))
            skip()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "}") else { return nil }
            i += 1
            return out
        }
    }

    /// Skips one value; false if malformed or nested deeper than 256.
    mutating func skipValue(depth: Int) -> Bool {
        guard depth < 256, i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            i += 1
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                if bytes[i] == UInt8(ascii: "\"") { i += 1; return true }
                i += 1
            }
            return false
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            i += 1
            skip()
            if i < bytes.count, bytes[i] == close { i += 1; return true }
            while true {
                skip()
                if isObject {
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), skipValue(depth: depth + 1) else { return false }
                    skip()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    skip()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skip()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == close else { return false }
                i += 1
                return true
            }
        default:
            let start = i
            while i < bytes.count, !",]} \n\r\t".utf8.contains(bytes[i]) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            return word == "true" || word == "false" || word == "null" || Double(word) != nil
        }
    }

    /// The value of a JSON string literal, escapes decoded; nil if `text` is not one.
    static func stringValue(_ text: String) -> String? {
        let u = Array(text.utf8)
        guard u.count >= 2, u.first == UInt8(ascii: "\""), u.last == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        var k = 1
        while k < u.count - 1 {
            let b = u[k]
            if b != UInt8(ascii: "\\") { out.append(b); k += 1; continue }
            guard k + 1 < u.count - 1 else { return nil }
            let e = u[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard k + 4 <= u.count - 1, let v = UInt32(String(decoding: u[k..<(k + 4)], as: UTF8.self), radix: 16) else { return nil }
                k += 4
                var scalar = v
                // A surrogate pair spells one scalar.
                if (0xD800..<0xDC00).contains(v), k + 6 <= u.count - 1, u[k] == UInt8(ascii: "\\"), u[k + 1] == UInt8(ascii: "u"),
                   let lo = UInt32(String(decoding: u[(k + 2)..<(k + 6)], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(lo) {
                    scalar = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                    k += 6
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
