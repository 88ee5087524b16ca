import Foundation

/// One token of a template: literal text between tags, tag delimiters, and the expression
/// tokens inside tags.
struct JinjaToken: Sendable {
    enum Kind: Sendable, Equatable {
        case text, variableBegin, variableEnd, blockBegin, blockEnd
        case name, string, integer, float, op
        case eof
    }

    var kind: Kind
    var text: String
    var line: Int
}

/// Splits a template into tokens as jinja2's lexer does with `trim_blocks=True,
/// lstrip_blocks=True` (transformers' settings): `{{- -}}`/`{%- -%}`/`{#- -#}` strip whitespace,
/// a block or comment tag alone on its line takes the line's indentation with it, the newline
/// after a block or comment tag is dropped, `{% raw %}` is verbatim, and one trailing newline
/// of the template is dropped (`keep_trailing_newline=False`).
struct JinjaLexer {
    private let src: [UInt8]
    private var pos = 0
    private var line = 1
    private var tokens: [JinjaToken] = []
    /// Whether the text about to be lexed starts a line (jinja2's `line_starting`).
    private var lineStarting = true
    /// The previous tag ended with `-`: strip the next text's leading whitespace.
    private var stripNext = false

    static let maximumTokens = 1_000_000

    init(_ source: String) {
        var s = Array(source.utf8)
        if s.last == UInt8(ascii: "\n") {
            s.removeLast()
            if s.last == UInt8(ascii: "\r") { s.removeLast() }
        } else if s.last == UInt8(ascii: "\r") {
            s.removeLast()
        }
        src = s
    }

    static func tokenize(_ source: String) throws(JinjaError) -> [JinjaToken] {
        var lexer = JinjaLexer(source)
        try lexer.run()
        return lexer.tokens
    }

    private func byte(_ i: Int) -> UInt8 { i < src.count ? src[i] : 0 }

    private mutating func run() throws(JinjaError) {
        while pos < src.count {
            // Find the next tag opening.
            var i = pos
            var found: UInt8 = 0
            while i + 1 < src.count {
                if src[i] == UInt8(ascii: "{") {
                    let c = src[i + 1]
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "%") || c == UInt8(ascii: "#") { found = c; break }
                }
                i += 1
            }
            if found == 0 { i = src.count }
            var text = Array(src[pos..<i])
            if stripNext { text = Array(text.drop { Self.isSpace($0) }); stripNext = false }
            if found == 0 {
                emitText(text)
                pos = src.count
                break
            }
            let sign = byte(i + 2)
            let hasSign = sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+")
            if sign == UInt8(ascii: "-") {
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
            } else if sign != UInt8(ascii: "+"), found != UInt8(ascii: "{") {
                // lstrip_blocks: whitespace from the line start up to a block/comment tag goes.
                let lpos = (text.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
                if lpos > 0 || lineStarting, text[lpos...].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0B || $0 == 0x0C }) {
                    text.removeSubrange(lpos...)
                }
            }
            emitText(text)
            countLines(pos, i)
            pos = i + 2 + (hasSign ? 1 : 0)
            switch found {
            case UInt8(ascii: "#"): try comment()
            case UInt8(ascii: "{"):
                tokens.append(JinjaToken(kind: .variableBegin, text: "{{", line: line))
                try tag(block: false)
            default:
                if try rawBlock() { continue }
                tokens.append(JinjaToken(kind: .blockBegin, text: "{%", line: line))
                try tag(block: true)
            }
            guard tokens.count <= Self.maximumTokens else {
                throw JinjaError(.limit, "the template has more than \(Self.maximumTokens) tokens")
            }
        }
        tokens.append(JinjaToken(kind: .eof, text: "", line: line))
    }

    private mutating func emitText(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        tokens.append(JinjaToken(kind: .text, text: Self.normaliseNewlines(String(decoding: bytes, as: UTF8.self)), line: line))
    }

    static func normaliseNewlines(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "\r")) else { return s }
        return s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    private mutating func countLines(_ from: Int, _ to: Int) {
        var k = from
        while k < to { if src[k] == UInt8(ascii: "\n") { line += 1 }; k += 1 }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

    /// After a tag's closing delimiter at `end` (index past it): whitespace control.
    private mutating func closeTag(end: Int, minus: Bool, plus: Bool, trims: Bool) {
        pos = end
        if minus {
            stripNext = true
            // jinja2's `-%}\s*` match: line_starting follows the last whitespace consumed.
            var k = pos
            while k < src.count, Self.isSpace(src[k]) { k += 1 }
            lineStarting = k > pos && src[k - 1] == UInt8(ascii: "\n")
            countLines(pos, k)
            pos = k
            stripNext = false
        } else if trims && !plus && byte(pos) == UInt8(ascii: "\n") {
            pos += 1
            line += 1
            lineStarting = true
        } else {
            lineStarting = false
        }
    }

    private mutating func comment() throws(JinjaError) {
        let start = line
        var k = pos
        while k + 1 < src.count, !(src[k] == UInt8(ascii: "#") && src[k + 1] == UInt8(ascii: "}")) { k += 1 }
        guard k + 1 < src.count else { throw JinjaError(.syntax, "line \(start): unclosed comment") }
        let minus = k > pos && src[k - 1] == UInt8(ascii: "-")
        let plus = k > pos && src[k - 1] == UInt8(ascii: "+")
        countLines(pos, k)
        closeTag(end: k + 2, minus: minus, plus: plus, trims: true)
    }

    /// `{% raw %}...{% endraw %}`: the body is one text token. Returns false when the block
    /// tag at `pos` is not `raw`.
    private mutating func rawBlock() throws(JinjaError) -> Bool {
        var k = pos
        while k < src.count, Self.isSpace(src[k]) { k += 1 }
        guard k + 3 <= src.count, Array(src[k..<k + 3]) == Array("raw".utf8) else { return false }
        k += 3
        while k < src.count, Self.isSpace(src[k]) { k += 1 }
        var minus = false
        if byte(k) == UInt8(ascii: "-") || byte(k) == UInt8(ascii: "+") { minus = byte(k) == UInt8(ascii: "-"); k += 1 }
        guard byte(k) == UInt8(ascii: "%"), byte(k + 1) == UInt8(ascii: "}") else { return false }
        countLines(pos, k)
        closeTag(end: k + 2, minus: minus, plus: false, trims: true)
        // Find {%[-+]? endraw [-+]?%}
        var b = pos
        while b + 1 < src.count {
            if src[b] == UInt8(ascii: "{"), src[b + 1] == UInt8(ascii: "%") {
                var j = b + 2
                let lminus = byte(j) == UInt8(ascii: "-")
                if byte(j) == UInt8(ascii: "-") || byte(j) == UInt8(ascii: "+") { j += 1 }
                while j < src.count, Self.isSpace(src[j]) { j += 1 }
                if j + 6 <= src.count, Array(src[j..<j + 6]) == Array("endraw".utf8) {
                    j += 6
                    while j < src.count, Self.isSpace(src[j]) { j += 1 }
                    let rminus = byte(j) == UInt8(ascii: "-")
                    if byte(j) == UInt8(ascii: "-") || byte(j) == UInt8(ascii: "+") { j += 1 }
                    if byte(j) == UInt8(ascii: "%"), byte(j + 1) == UInt8(ascii: "}") {
                        var body = Array(src[pos..<b])
                        if lminus { while let l = body.last, Self.isSpace(l) { body.removeLast() } }
                        emitText(body)
                        countLines(pos, j)
                        closeTag(end: j + 2, minus: rminus, plus: false, trims: true)
                        return true
                    }
                }
            }
            b += 1
        }
        throw JinjaError(.syntax, "line \(line): {% raw %} without {% endraw %}")
    }

    /// The expression tokens of a `{{ }}` or `{% %}` tag and its closing delimiter.
    private mutating func tag(block: Bool) throws(JinjaError) {
        let startLine = line
        var depth = 0
        while true {
            while pos < src.count, Self.isSpace(src[pos]) {
                if src[pos] == UInt8(ascii: "\n") { line += 1 }
                pos += 1
            }
            guard pos < src.count else {
                throw JinjaError(.syntax, "line \(startLine): unclosed \(block ? "{%" : "{{")")
            }
            let c = src[pos]
            if depth == 0 {
                let closer = block ? UInt8(ascii: "%") : UInt8(ascii: "}")
                var k = pos
                var minus = false, plus = false
                if c == UInt8(ascii: "-") || (block && c == UInt8(ascii: "+")) {
                    minus = c == UInt8(ascii: "-"); plus = c == UInt8(ascii: "+"); k += 1
                }
                if byte(k) == closer, byte(k + 1) == UInt8(ascii: "}") {
                    tokens.append(JinjaToken(kind: block ? .blockEnd : .variableEnd, text: "", line: line))
                    closeTag(end: k + 2, minus: minus, plus: plus, trims: block)
                    return
                }
            }
            if Self.isNameStart(c) {
                let s = pos
                while pos < src.count, Self.isNameStart(src[pos]) || Self.isDigit(src[pos]) { pos += 1 }
                tokens.append(JinjaToken(kind: .name, text: String(decoding: src[s..<pos], as: UTF8.self), line: line))
            } else if Self.isDigit(c) {
                try number()
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                try string(quote: c)
            } else {
                let two = pos + 1 < src.count ? String(decoding: src[pos..<pos + 2], as: UTF8.self) : ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(JinjaToken(kind: .op, text: two, line: line))
                    pos += 2
                    continue
                }
                let one = String(UnicodeScalar(c))
                guard "+-/*%~<>=()[]{},.:|".contains(one) else {
                    throw JinjaError(.syntax, "line \(line): unexpected character '\(one)'")
                }
                if "([{".contains(one) { depth += 1 }
                if ")]}".contains(one) { depth = max(0, depth - 1) }
                tokens.append(JinjaToken(kind: .op, text: one, line: line))
                pos += 1
            }
        }
    }

    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func number() throws(JinjaError) {
        let s = pos
        var isFloat = false
        func digits() { while pos < src.count, Self.isDigit(src[pos]) || src[pos] == UInt8(ascii: "_") { pos += 1 } }
        digits()
        if byte(pos) == UInt8(ascii: "."), Self.isDigit(byte(pos + 1)) {
            // `(?<!\.)`: after a `.` this is an attribute index (`x.0.1`), not a float.
            if tokens.last?.text != "." { isFloat = true; pos += 1; digits() }
        }
        if byte(pos) == UInt8(ascii: "e") || byte(pos) == UInt8(ascii: "E") {
            var k = pos + 1
            if byte(k) == UInt8(ascii: "+") || byte(k) == UInt8(ascii: "-") { k += 1 }
            if Self.isDigit(byte(k)) { isFloat = true; pos = k; digits() }
        }
        let text = String(decoding: src[s..<pos], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        tokens.append(JinjaToken(kind: isFloat ? .float : .integer, text: text, line: line))
    }

    /// A string literal, unescaped as Python's `unicode-escape` codec does.
    private mutating func string(quote: UInt8) throws(JinjaError) {
        let startLine = line
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < src.count else { throw JinjaError(.syntax, "line \(startLine): unclosed string literal") }
            let c = src[pos]
            if c == quote { pos += 1; break }
            if c == UInt8(ascii: "\n") { line += 1 }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            let e = byte(pos + 1)
            pos += 2
            func append(_ scalar: UInt32) { out.append(contentsOf: Array(String(UnicodeScalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)) }
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "0"): out.append(0x00)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                guard pos + n <= src.count, let v = UInt32(String(decoding: src[pos..<pos + n], as: UTF8.self), radix: 16) else {
                    throw JinjaError(.syntax, "line \(line): bad \\\(UnicodeScalar(e)) escape in a string literal")
                }
                append(v)
                pos += n
            default:
                out.append(UInt8(ascii: "\\"))
                if e != 0 { out.append(e) }
            }
        }
        tokens.append(JinjaToken(kind: .string, text: Self.normaliseNewlines(String(decoding: out, as: UTF8.self)), line: startLine))
    }
}
