/// A value inside a Jinja template, with Python's semantics (jinja2 runs on Python): `None`,
/// `bool`, `int`, `float`, `str`, `list`/`tuple`, insertion-ordered `dict`, and the callables a
/// template can hold (macros, `namespace` objects, globals).
public indirect enum JinjaValue: Sendable {
    /// jinja2's default `Undefined`: renders empty, is falsy, iterates as empty; the name is
    /// kept for error messages.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([JinjaValue])
    /// A Python tuple (`(a, b)`, dict items): a list that prints with parentheses.
    case tuple([JinjaValue])
    case dict(JinjaDict)
    /// A `namespace()` object: the one mutable value templates may assign attributes of.
    case namespace(JinjaNamespace)
    /// A macro defined by the template.
    case macro(JinjaMacro)
    /// A global function (`raise_exception`, `strftime_now`, `namespace`, `range`, `dict`).
    case function(String)
    /// A method of a value, bound to it (`"a b".split`, `d.items`), called later.
    case method(JinjaValue, String)

    public static func dict(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        var d = JinjaDict()
        for (k, v) in pairs { d[.string(k)] = v }
        return .dict(d)
    }

    /// The items of a list or tuple.
    var sequence: [JinjaValue]? {
        switch self {
        case .list(let l), .tuple(let l): l
        default: nil
        }
    }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .float(let f): f != 0
        case .string(let s): !s.isEmpty
        case .list(let l), .tuple(let l): !l.isEmpty
        case .dict(let d): !d.isEmpty
        case .namespace, .macro, .function, .method: true
        }
    }

    /// Python's type name, for error messages as jinja2 words them.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .macro: "Macro"
        case .function, .method: "function"
        }
    }

    /// `str(value)` in Python (what `{{ value }}` prints).
    var pythonString: String {
        switch self {
        case .undefined: ""
        case .string(let s): s
        default: pythonRepr
        }
    }

    /// `repr(value)` in Python (how values print inside lists and dicts).
    var pythonRepr: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .float(let f): PythonFloat.repr(f)
        case .string(let s): PythonFloat.reprString(s)
        case .list(let l): "[" + l.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let l): "(" + l.map(\.pythonRepr).joined(separator: ", ") + (l.count == 1 ? ",)" : ")")
        case .dict(let d): "{" + d.pairs.map { "\($0.key.pythonRepr): \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        case .namespace(let n): "<Namespace \(n.attributes.pairs.map { "\($0.key.pythonString)=\($0.value.pythonRepr)" }.joined(separator: ", "))>"
        case .macro(let m): "<Macro '\(m.name)'>"
        case .function(let f): "<function \(f)>"
        case .method(_, let name): "<method \(name)>"
        }
    }

    /// Python `==`: numbers compare across int/float/bool, containers by value, undefined
    /// equals only undefined.
    func pythonEquals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && a.pairs.allSatisfy { p in b[p.key].map { $0.pythonEquals(p.value) } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        default:
            if let x = numeric, let y = other.numeric {
                switch (x, y) {
                case (.int(let i), .int(let j)): return i == j
                default: return x.asDouble == y.asDouble
                }
            }
            return false
        }
    }

    /// bool and int as Python numbers (`True + 1 == 2`).
    var numeric: JinjaValue? {
        switch self {
        case .bool(let b): .int(b ? 1 : 0)
        case .int, .float: self
        default: nil
        }
    }

    var asDouble: Double {
        switch self {
        case .int(let i): Double(i)
        case .float(let f): f
        case .bool(let b): b ? 1 : 0
        default: .nan
        }
    }
}

/// A Python dict: insertion-ordered, keyed by strings, numbers, booleans or None.
public struct JinjaDict: Sendable {
    public private(set) var pairs: [(key: JinjaValue, value: JinjaValue)] = []
    private var index: [String: Int] = [:]

    public init() {}

    public var count: Int { pairs.count }
    var isEmpty: Bool { pairs.isEmpty }
    var keys: [JinjaValue] { pairs.map(\.key) }
    var values: [JinjaValue] { pairs.map(\.value) }

    /// Python hashes 1, 1.0 and True alike; strings by content.
    private static func slot(_ key: JinjaValue) -> String? {
        switch key {
        case .string(let s): "s" + s
        case .int(let i): "n" + String(i)
        case .bool(let b): "n" + (b ? "1" : "0")
        case .float(let f): f == f.rounded() && abs(f) < 9e18 ? "n" + String(Int(f)) : "f" + String(f)
        case .none: "N"
        default: nil
        }
    }

    public subscript(key: JinjaValue) -> JinjaValue? {
        get { Self.slot(key).flatMap { index[$0] }.map { pairs[$0].value } }
        set {
            guard let s = Self.slot(key) else { return }
            if let i = index[s] {
                if let newValue { pairs[i].value = newValue } else { remove(at: i) }
            } else if let newValue {
                index[s] = pairs.count
                pairs.append((key, newValue))
            }
        }
    }

    static func isHashable(_ key: JinjaValue) -> Bool { slot(key) != nil }

    private mutating func remove(at i: Int) {
        pairs.remove(at: i)
        index = [:]
        for (j, p) in pairs.enumerated() { if let s = Self.slot(p.key) { index[s] = j } }
    }
}

/// The object `namespace()` returns: attributes a template may set inside loops
/// (`{% set ns.found = true %}`), shared by reference as in Python.
public final class JinjaNamespace: @unchecked Sendable {
    // Mutated only by the single render that created it.
    var attributes = JinjaDict()
    init() {}
}

/// A `{% macro %}` of a template.
public final class JinjaMacro: Sendable {
    let name: String
    let parameters: [(name: String, defaultValue: JinjaExpr?)]
    let body: [JinjaNode]
    init(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaNode]) {
        self.name = name
        self.parameters = parameters
        self.body = body
    }
}

/// Python's formatting of floats and strings (`repr`), which templates print.
enum PythonFloat {
    /// `repr(float)`: shortest round-trip digits, exponent outside 1e-4 ..< 1e16.
    static func repr(_ f: Double) -> String {
        if f.isNaN { return "nan" }
        if f.isInfinite { return f < 0 ? "-inf" : "inf" }
        if f == 0 { return f.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also the shortest round-trip form and switches to exponent
        // notation at the same points (2^53 aside); normalise its spelling to Python's.
        var s = f.description
        if let e = s.firstIndex(of: "e") {
            var mantissa = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            let negative = exp.hasPrefix("-")
            if exp.hasPrefix("-") || exp.hasPrefix("+") { exp.removeFirst() }
            if exp.count < 2 { exp = "0" + exp }
            s = mantissa + "e" + (negative ? "-" : "+") + exp
            return s
        }
        let a = abs(f)
        if a >= 1e16 {
            // Swift prints 2^53..1e16 without exponent like Python; beyond, force Python's form.
            return exponentForm(f)
        }
        if !s.contains(".") { s += ".0" }
        return s
    }

    private static func exponentForm(_ f: Double) -> String {
        var digits = f.magnitude.description  // e.g. "1e+16" or "12345678901234567.0"
        if digits.contains("e") { return (f < 0 ? "-" : "") + repr(f.magnitude) }
        if digits.hasSuffix(".0") { digits.removeLast(2) }
        let exp = digits.count - 1
        var mantissa = String(digits.prefix(1))
        let rest = digits.dropFirst().reversed().drop { $0 == "0" }.reversed()
        if !rest.isEmpty { mantissa += "." + String(rest) }
        return (f < 0 ? "-" : "") + mantissa + "e+" + (exp < 10 ? "0" : "") + String(exp)
    }

    /// `repr(str)`: single quotes unless the text has a single quote and no double quote.
    static func reprString(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote {
                    out += "\\" + String(quote)
                } else if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + hex(u.value, 2)
                } else if (0x80..<0xA0).contains(u.value) {
                    out += "\\x" + hex(u.value, 2)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append(quote)
        return out
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
