#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed Jinja template, rendered as Python's jinja2 renders it in Hugging Face
/// transformers' `apply_chat_template` (`ImmutableSandboxedEnvironment(trim_blocks=True,
/// lstrip_blocks=True)` with loop controls, `raise_exception`, `strftime_now` and a `tojson`
/// that does not escape HTML). Covers the subset chat templates use; anything else is a
/// `JinjaError.unsupported` naming the construct.
public struct JinjaTemplate: Sendable {
    let nodes: [JinjaNode]
    /// The template text, as given.
    public let source: String

    /// Bounds on one render, so a hostile template or input ends with `JinjaError.limit`.
    public struct Limits: Sendable {
        public var outputBytes = 16 << 20
        public var loopIterations = 1_000_000
        public var callDepth = 64
        public init() {}
    }

    /// Parses `source`; throws `JinjaError.syntax` or `.unsupported` naming the line.
    public init(_ source: String) throws(JinjaError) {
        self.source = source
        nodes = try JinjaParser.parse(source)
    }

    /// Renders with `context` as the template's variables. `strftime` formats the current time
    /// for `strftime_now(fmt)` (default: local time, as transformers).
    public func render(_ context: [String: JinjaValue], limits: Limits = Limits(),
                       strftime: @escaping @Sendable (String) -> String = JinjaTemplate.strftimeNow) throws(JinjaError) -> String {
        var r = JinjaRenderer(limits: limits, strftime: strftime)
        var root: [String: JinjaValue] = [:]
        for name in ["raise_exception", "strftime_now", "namespace", "range", "dict"] { root[name] = .function(name) }
        for (k, v) in context { root[k] = v }
        r.frames = [root]
        var out = ""
        try r.run(nodes, into: &out)
        return out
    }

    /// `datetime.now().strftime(fmt)` through the C library.
    public static let strftimeNow: @Sendable (String) -> String = { fmt in
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        return formatTime(parts, fmt)
    }

    /// `strftime` of the UTC time `seconds` since 1970 (fixed clocks for tests).
    public static func strftimeUTC(_ seconds: Int) -> @Sendable (String) -> String {
        { fmt in
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            return formatTime(parts, fmt)
        }
    }

    /// `strftime` of broken-down time `parts`.
    static func formatTime(_ parts: tm, _ format: String) -> String {
        var parts = parts
        var buffer = [Int8](repeating: 0, count: 512)
        let n = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Control flow out of a loop body.
private enum LoopSignal { case none, breakLoop, continueLoop }

/// The state of one render: variable frames, output bounds, the statement being run.
struct JinjaRenderer {
    let limits: JinjaTemplate.Limits
    let strftime: @Sendable (String) -> String
    var frames: [[String: JinjaValue]] = []
    var line = 0
    var iterations = 0
    var callDepth = 0
    var outputBytes = 0
    /// The `{% call %}` body the next macro call receives as `caller`.
    var pendingCaller: JinjaMacro?

    init(limits: JinjaTemplate.Limits, strftime: @escaping @Sendable (String) -> String) {
        self.limits = limits
        self.strftime = strftime
    }

    func fail(_ code: JinjaError.Code, _ message: String) -> JinjaError {
        JinjaError(code, line > 0 ? "line \(line): \(message)" : message)
    }

    // MARK: Statements

    mutating func run(_ nodes: [JinjaNode], into out: inout String) throws(JinjaError) {
        let signal = try runBody(nodes, into: &out)
        if signal != .none { throw fail(.syntax, "break or continue outside a loop") }
    }

    private mutating func emit(_ s: String, into out: inout String) throws(JinjaError) {
        outputBytes += s.utf8.count
        guard outputBytes <= limits.outputBytes else { throw fail(.limit, "output longer than \(limits.outputBytes) bytes") }
        out += s
    }

    private mutating func runBody(_ nodes: [JinjaNode], into out: inout String) throws(JinjaError) -> LoopSignal {
        for node in nodes {
            switch node {
            case .text(let s):
                try emit(s, into: &out)
            case .output(let e, let l):
                line = l
                let v = try eval(e)
                if case .undefined = v {} else { try emit(v.pythonString, into: &out) }
            case .ifChain(let branches, let otherwise, let l):
                line = l
                var taken = false
                for (cond, body) in branches {
                    line = l
                    if try eval(cond).truthy {
                        taken = true
                        let s = try runBody(body, into: &out)
                        if s != .none { return s }
                        break
                    }
                }
                if !taken {
                    let s = try runBody(otherwise, into: &out)
                    if s != .none { return s }
                }
            case .forLoop(let targets, let iterable, let condition, let body, let otherwise, let l):
                line = l
                try forLoop(targets, iterable, condition, body, otherwise, into: &out)
            case .set(let targets, let e, let l):
                line = l
                let v = try eval(e)
                try assign(targets, v)
            case .setAttribute(let name, let attr, let e, let l):
                line = l
                guard case .namespace(let ns) = lookup(name) else {
                    throw fail(.type, "can only set attributes of a namespace() object, and '\(name)' is not one")
                }
                ns.attributes[.string(attr)] = try eval(e)
            case .setBlock(let name, let body, let l):
                line = l
                var captured = ""
                try run(body, into: &captured)
                frames[frames.count - 1][name] = .string(captured)
            case .macro(let m):
                frames[frames.count - 1][m.name] = .macro(m)
            case .callBlock(let callee, let body, let l):
                line = l
                pendingCaller = JinjaMacro(name: "caller", parameters: [], body: body)
                defer { pendingCaller = nil }
                let v = try eval(callee)
                try emit(v.pythonString, into: &out)
            case .filterBlock(let name, let args, let kwargs, let body, let l):
                line = l
                var captured = ""
                try run(body, into: &captured)
                let v = try applyFilter(name, .string(captured), try args.map { (e) throws(JinjaError) in try eval(e) },
                                        try evalKwargs(kwargs))
                try emit(v.pythonString, into: &out)
            case .breakLoop(let l):
                line = l
                return .breakLoop
            case .continueLoop(let l):
                line = l
                return .continueLoop
            }
        }
        return .none
    }

    private mutating func assign(_ targets: [String], _ v: JinjaValue) throws(JinjaError) {
        if targets.count == 1 {
            frames[frames.count - 1][targets[0]] = v
            return
        }
        let items = try iterate(v)
        guard items.count == targets.count else {
            throw fail(.type, "cannot unpack \(items.count) values into \(targets.count) names")
        }
        for (t, x) in zip(targets, items) { frames[frames.count - 1][t] = x }
    }

    private mutating func forLoop(_ targets: [String], _ iterable: JinjaExpr, _ condition: JinjaExpr?,
                                  _ body: [JinjaNode], _ otherwise: [JinjaNode], into out: inout String) throws(JinjaError) {
        let l = line
        var items = try iterate(try eval(iterable))
        frames.append([:])
        defer { frames.removeLast() }
        if let condition {
            var kept: [JinjaValue] = []
            for x in items {
                try tick()
                try assign(targets, x)
                if try eval(condition).truthy { kept.append(x) }
            }
            items = kept
        }
        if items.isEmpty {
            frames[frames.count - 1] = [:]
            _ = try runBody(otherwise, into: &out)
            return
        }
        let n = items.count
        for (k, x) in items.enumerated() {
            try tick()
            line = l
            // Names set in one iteration are gone in the next, as in jinja2.
            frames[frames.count - 1] = [:]
            try assign(targets, x)
            frames[frames.count - 1]["loop"] = .dict([
                ("index0", .int(k)), ("index", .int(k + 1)), ("revindex0", .int(n - k - 1)), ("revindex", .int(n - k)),
                ("first", .bool(k == 0)), ("last", .bool(k == n - 1)), ("length", .int(n)),
                ("previtem", k > 0 ? items[k - 1] : .undefined("previtem")),
                ("nextitem", k + 1 < n ? items[k + 1] : .undefined("nextitem")),
                ("depth", .int(1)), ("depth0", .int(0)),
            ])
            if try runBody(body, into: &out) == .breakLoop { break }
        }
    }

    private mutating func tick() throws(JinjaError) {
        iterations += 1
        guard iterations <= limits.loopIterations else { throw fail(.limit, "more than \(limits.loopIterations) loop iterations") }
    }

    /// Python iteration: lists, tuples, strings (characters), dict keys; undefined is empty.
    func iterate(_ v: JinjaValue) throws(JinjaError) -> [JinjaValue] {
        switch v {
        case .list(let l), .tuple(let l): return l
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .dict(let d): return d.keys
        case .undefined: return []
        default: throw fail(.type, "'\(v.typeName)' object is not iterable")
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for f in frames.reversed() { if let v = f[name] { return v } }
        return .undefined(name)
    }

    // MARK: Expressions

    mutating func eval(_ e: JinjaExpr) throws(JinjaError) -> JinjaValue {
        switch e {
        case .literal(let v): return v
        case .name(let n): return lookup(n)
        case .list(let items):
            var out: [JinjaValue] = []
            for x in items { out.append(try eval(x)) }
            return .list(out)
        case .tuple(let items):
            var out: [JinjaValue] = []
            for x in items { out.append(try eval(x)) }
            return .tuple(out)
        case .dict(let pairs):
            var d = JinjaDict()
            for (k, v) in pairs {
                let key = try eval(k)
                guard JinjaDict.isHashable(key) else { throw fail(.type, "unhashable type: '\(key.typeName)'") }
                d[key] = try eval(v)
            }
            return .dict(d)
        case .attribute(let base, let name):
            return try attribute(try eval(base), name)
        case .item(let base, let index):
            return try item(try eval(base), try eval(index))
        case .slice(let base, let start, let stop, let step):
            let b = try eval(base)
            let s = try start.map { (x) throws(JinjaError) in try eval(x) }
            let t = try stop.map { (x) throws(JinjaError) in try eval(x) }
            let p = try step.map { (x) throws(JinjaError) in try eval(x) }
            return try slice(b, s, t, p)
        case .call(let callee, let args, let kwargs):
            let f = try eval(callee)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            return try call(f, a, try evalKwargs(kwargs))
        case .filter(let base, let name, let args, let kwargs, let l):
            let v = try eval(base)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            let kw = try evalKwargs(kwargs)
            let saved = line
            line = l
            defer { line = saved }
            return try applyFilter(name, v, a, kw)
        case .test(let base, let name, let args, let negated, let l):
            let v = try eval(base)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            let saved = line
            line = l
            defer { line = saved }
            let r = try applyTest(name, v, a)
            return .bool(negated ? !r : r)
        case .unary(let op, let x):
            let v = try eval(x)
            if case .undefined(let n) = v { throw fail(.undefined, "'\(n)' is undefined") }
            switch (op, v.numeric) {
            case ("-", .int(let i)?): return .int(0 &- i)
            case ("-", .float(let f)?): return .float(-f)
            case ("+", let n?): return n
            default: throw fail(.type, "bad operand type for unary \(op): '\(v.typeName)'")
            }
        case .binary(let op, let a, let b):
            return try binary(op, try eval(a), try eval(b))
        case .and(let a, let b):
            let x = try eval(a)
            return x.truthy ? try eval(b) : x
        case .or(let a, let b):
            let x = try eval(a)
            return x.truthy ? x : try eval(b)
        case .not(let x):
            return .bool(!(try eval(x).truthy))
        case .compare(let first, let ops):
            var left = try eval(first)
            for (op, rhs) in ops {
                let right = try eval(rhs)
                guard try compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let value, let test, let otherwise):
            if try eval(test).truthy { return try eval(value) }
            return try otherwise.map { (x) throws(JinjaError) in try eval(x) } ?? .undefined("")
        }
    }

    mutating func evalKwargs(_ kwargs: [(String, JinjaExpr)]) throws(JinjaError) -> [String: JinjaValue] {
        var out: [String: JinjaValue] = [:]
        for (k, x) in kwargs { out[k] = try eval(x) }
        return out
    }

    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "startswith", "endswith", "upper", "lower", "title", "capitalize",
        "replace", "find", "rfind", "count", "join", "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "islower",
        "isupper", "format", "index",
    ]

    /// jinja2's `getattr`: the attribute (a method) first, then the item.
    func attribute(_ v: JinjaValue, _ name: String) throws(JinjaError) -> JinjaValue {
        switch v {
        case .undefined(let n):
            throw fail(.undefined, n.isEmpty ? "an undefined value has no attribute '\(name)'" : "'\(n)' is undefined")
        case .dict(let d):
            if Self.dictMethods.contains(name) { return .method(v, name) }
            if let x = d[.string(name)] { return x }
            if name == "cycle", d[.string("index0")] != nil { return .method(v, name) }
            return .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            return ns.attributes[.string(name)] ?? .undefined("'Namespace' has no attribute '\(name)'")
        case .string:
            return Self.stringMethods.contains(name) ? .method(v, name) : .undefined("'str object' has no attribute '\(name)'")
        default:
            return .undefined("'\(v.typeName) object' has no attribute '\(name)'")
        }
    }

    /// jinja2's `getitem`: the item first, then (for string keys) the attribute.
    func item(_ v: JinjaValue, _ key: JinjaValue) throws(JinjaError) -> JinjaValue {
        switch (v, key) {
        case (.undefined(let n), _):
            throw fail(.undefined, n.isEmpty ? "an undefined value has no item \(key.pythonRepr)" : "'\(n)' is undefined")
        case (.dict(let d), _):
            if let x = d[key] { return x }
        case (.list(let l), _), (.tuple(let l), _):
            if let i = key.numeric, case .int(let k) = i, key.typeName != "float" {
                let j = k < 0 ? l.count + k : k
                return j >= 0 && j < l.count ? l[j] : .undefined("list index out of range")
            }
        case (.string(let s), _):
            if let i = key.numeric, case .int(let k) = i {
                let scalars = Array(s.unicodeScalars)
                let j = k < 0 ? scalars.count + k : k
                return j >= 0 && j < scalars.count ? .string(String(scalars[j])) : .undefined("string index out of range")
            }
        default: break
        }
        if case .string(let name) = key { return try attribute(v, name) }
        return .undefined("'\(v.typeName) object' has no item \(key.pythonRepr)")
    }

    func slice(_ v: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws(JinjaError) -> JinjaValue {
        func int(_ x: JinjaValue?) throws(JinjaError) -> Int? {
            guard let x else { return nil }
            if case .none = x { return nil }
            guard case .int(let i)? = x.numeric else { throw fail(.type, "slice indices must be integers or None") }
            return i
        }
        let st = try int(step) ?? 1
        guard st != 0 else { throw fail(.type, "slice step cannot be zero") }
        let items: [JinjaValue]
        switch v {
        case .list(let l), .tuple(let l): items = l
        case .string(let s): items = s.unicodeScalars.map { .string(String($0)) }
        case .undefined(let n): throw fail(.undefined, "'\(n)' is undefined")
        default: throw fail(.type, "'\(v.typeName)' object is not subscriptable")
        }
        let n = items.count
        func clamp(_ i: Int?, _ dflt: Int, low: Int, high: Int) -> Int {
            guard var i else { return dflt }
            if i < 0 { i += n }
            return min(max(i, low), high)
        }
        var picked: [JinjaValue] = []
        if st > 0 {
            var i = clamp(try int(start), 0, low: 0, high: n)
            let e = clamp(try int(stop), n, low: 0, high: n)
            while i < e { picked.append(items[i]); i += st }
        } else {
            var i = clamp(try int(start), n - 1, low: -1, high: n - 1)
            let e = clamp(try int(stop), -1, low: -1, high: n - 1)
            while i > e { picked.append(items[i]); i += st }
        }
        if case .string = v { return .string(picked.map(\.pythonString).joined()) }
        if case .tuple = v { return .tuple(picked) }
        return .list(picked)
    }

    func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws(JinjaError) -> JinjaValue {
        if op == "~" { return .string(a.pythonString + b.pythonString) }
        if case .undefined(let n) = a { throw fail(.undefined, n.isEmpty ? "an undefined value in '\(op)'" : "'\(n)' is undefined") }
        if case .undefined(let n) = b { throw fail(.undefined, n.isEmpty ? "an undefined value in '\(op)'" : "'\(n)' is undefined") }
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .list(let x), .list(let y)): return .list(x + y)
        case ("+", .tuple(let x), .tuple(let y)): return .tuple(x + y)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard case .int(let k)? = (a.typeName == "str" ? b : a).numeric else { break }
            guard k * s.utf8.count <= limits.outputBytes else { throw fail(.limit, "string repetition too long") }
            return .string(String(repeating: s, count: max(0, k)))
        case ("*", .list(let l), _), ("*", _, .list(let l)):
            guard case .int(let k)? = (a.typeName == "list" ? b : a).numeric else { break }
            guard k * l.count <= limits.loopIterations else { throw fail(.limit, "list repetition too long") }
            return .list(Array([[JinjaValue]](repeating: l, count: max(0, k)).joined()))
        default: break
        }
        guard let x = a.numeric, let y = b.numeric else {
            if op == "+", case .string = a { throw fail(.type, "can only concatenate str (not \"\(b.typeName)\") to str") }
            throw fail(.type, "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case "+": let (r, o) = i.addingReportingOverflow(j); if !o { return .int(r) }
            case "-": let (r, o) = i.subtractingReportingOverflow(j); if !o { return .int(r) }
            case "*": let (r, o) = i.multipliedReportingOverflow(by: j); if !o { return .int(r) }
            case "//", "%":
                guard j != 0 else { throw fail(.type, "integer division or modulo by zero") }
                var q = i / j
                if (i % j != 0) && ((i < 0) != (j < 0)) { q -= 1 }
                return .int(op == "//" ? q : i - q * j)
            case "**":
                if j >= 0 {
                    var r = 1
                    for _ in 0..<min(j, 64) {
                        let (m, o) = r.multipliedReportingOverflow(by: i)
                        if o { throw fail(.limit, "integer power too large") }
                        r = m
                    }
                    if j <= 64 || i == 0 || i == 1 { return .int(r) }
                    throw fail(.limit, "integer power too large")
                }
            case "/": break
            default: break
            }
            if op != "/" && op != "**" { throw fail(.limit, "integer overflow in '\(op)'") }
        }
        let p = x.asDouble, q = y.asDouble
        switch op {
        case "+": return .float(p + q)
        case "-": return .float(p - q)
        case "*": return .float(p * q)
        case "/":
            guard q != 0 else { throw fail(.type, "division by zero") }
            return .float(p / q)
        case "//":
            guard q != 0 else { throw fail(.type, "float floor division by zero") }
            return .float((p / q).rounded(.down))
        case "%":
            guard q != 0 else { throw fail(.type, "float modulo") }
            let r = p.truncatingRemainder(dividingBy: q)
            return .float(r != 0 && (r < 0) != (q < 0) ? r + q : r)
        case "**": return .float(Foundation_pow(p, q))
        default: throw fail(.unsupported, "operator \(op)")
        }
    }

    func compare(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws(JinjaError) -> Bool {
        switch op {
        case "==": return a.pythonEquals(b)
        case "!=": return !a.pythonEquals(b)
        case "in": return try contains(b, a)
        case "notin": return !(try contains(b, a))
        default: break
        }
        let c = try order(a, b)
        switch op {
        case "<": return c < 0
        case "<=": return c <= 0
        case ">": return c > 0
        default: return c >= 0
        }
    }

    /// Python ordering of numbers, strings (by code point) and lists.
    func order(_ a: JinjaValue, _ b: JinjaValue) throws(JinjaError) -> Int {
        if let x = a.numeric, let y = b.numeric {
            if case .int(let i) = x, case .int(let j) = y { return i < j ? -1 : i > j ? 1 : 0 }
            let p = x.asDouble, q = y.asDouble
            return p < q ? -1 : p > q ? 1 : 0
        }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) { $0.value < $1.value } ? -1 : 1
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !p.pythonEquals(q) { return try order(p, q) }
            return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
        default:
            if case .undefined(let n) = a { throw fail(.undefined, "'\(n)' is undefined") }
            if case .undefined(let n) = b { throw fail(.undefined, "'\(n)' is undefined") }
            throw fail(.type, "'<' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    func contains(_ container: JinjaValue, _ x: JinjaValue) throws(JinjaError) -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let sub) = x else { throw fail(.type, "'in <string>' requires string as left operand, not \(x.typeName)") }
            return sub.isEmpty || s.contains(sub)
        case .list(let l), .tuple(let l): return l.contains { $0.pythonEquals(x) }
        case .dict(let d): return d[x] != nil
        case .undefined: return false
        case .namespace(let ns): return ns.attributes[x] != nil
        default: throw fail(.type, "argument of type '\(container.typeName)' is not iterable")
        }
    }

    // MARK: Calls

    mutating func call(_ f: JinjaValue, _ args: [JinjaValue], _ kwargs: [String: JinjaValue]) throws(JinjaError) -> JinjaValue {
        switch f {
        case .function(let name): return try callGlobal(name, args, kwargs)
        case .macro(let m): return try callMacro(m, args, kwargs)
        case .method(let base, let name): return try callMethod(base, name, args, kwargs)
        case .undefined(let n): throw fail(.undefined, n.isEmpty ? "an undefined value is not callable" : "'\(n)' is undefined")
        default: throw fail(.type, "'\(f.typeName)' object is not callable")
        }
    }

    private mutating func callGlobal(_ name: String, _ args: [JinjaValue], _ kwargs: [String: JinjaValue]) throws(JinjaError) -> JinjaValue {
        switch name {
        case "raise_exception":
            throw JinjaError(.raised, args.first?.pythonString ?? kwargs["message"]?.pythonString ?? "")
        case "strftime_now":
            guard case .string(let fmt)? = args.first else { throw fail(.type, "strftime_now(format) needs a string format") }
            return .string(strftime(fmt))
        case "namespace":
            let ns = JinjaNamespace()
            if case .dict(let d)? = args.first { for p in d.pairs { ns.attributes[p.key] = p.value } }
            for k in kwargs.keys.sorted() { ns.attributes[.string(k)] = kwargs[k] }
            return .namespace(ns)
        case "dict":
            var d = JinjaDict()
            if case .dict(let base)? = args.first { d = base }
            for k in kwargs.keys.sorted() { d[.string(k)] = kwargs[k] }
            return .dict(d)
        case "range":
            let ints = args.compactMap { v -> Int? in if case .int(let i)? = v.numeric { i } else { nil } }
            guard ints.count == args.count, (1...3).contains(ints.count) else { throw fail(.type, "range() takes 1 to 3 integers") }
            let (lo, hi, step) = ints.count == 1 ? (0, ints[0], 1) : (ints[0], ints[1], ints.count == 3 ? ints[2] : 1)
            guard step != 0 else { throw fail(.type, "range() arg 3 must not be zero") }
            let count = step > 0 ? max(0, (hi - lo + step - 1) / step) : max(0, (lo - hi - step - 1) / -step)
            guard count <= limits.loopIterations else { throw fail(.limit, "range of \(count) items") }
            return .list((0..<count).map { .int(lo + $0 * step) })
        default:
            throw fail(.unsupported, "the function \(name)()")
        }
    }

    mutating func callMacro(_ m: JinjaMacro, _ args: [JinjaValue], _ kwargs: [String: JinjaValue]) throws(JinjaError) -> JinjaValue {
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= limits.callDepth else { throw fail(.limit, "macro calls nested deeper than \(limits.callDepth)") }
        guard args.count <= m.parameters.count else { throw fail(.type, "macro '\(m.name)' takes \(m.parameters.count) arguments, \(args.count) given") }
        var locals: [String: JinjaValue] = [:]
        if let c = pendingCaller { locals["caller"] = .macro(c); pendingCaller = nil }
        let saved = frames
        frames = [frames[0], [:]]
        defer { frames = saved }
        for (k, p) in m.parameters.enumerated() {
            if k < args.count {
                locals[p.name] = args[k]
            } else if let v = kwargs[p.name] {
                locals[p.name] = v
            } else if let d = p.defaultValue {
                frames[1] = locals
                locals[p.name] = try eval(d)
            } else {
                locals[p.name] = .undefined(p.name)
            }
        }
        frames[1] = locals
        var out = ""
        let savedLine = line
        try run(m.body, into: &out)
        line = savedLine
        return .string(out)
    }

    private func stringArg(_ args: [JinjaValue], _ i: Int, _ what: String) throws(JinjaError) -> String? {
        guard i < args.count else { return nil }
        if case .none = args[i] { return nil }
        guard case .string(let s) = args[i] else { throw fail(.type, "\(what) argument must be a string, not \(args[i].typeName)") }
        return s
    }

    private mutating func callMethod(_ base: JinjaValue, _ name: String, _ args: [JinjaValue], _ kwargs: [String: JinjaValue]) throws(JinjaError) -> JinjaValue {
        switch base {
        case .dict(let d):
            switch name {
            case "items": return .list(d.pairs.map { .tuple([$0.key, $0.value]) })
            case "keys": return .list(d.keys)
            case "values": return .list(d.values)
            case "get":
                guard let k = args.first else { throw fail(.type, "get() needs a key") }
                return d[k] ?? (args.count > 1 ? args[1] : kwargs["default"] ?? .none)
            case "cycle":
                guard !args.isEmpty, case .int(let i)? = d[.string("index0")] else { throw fail(.type, "loop.cycle() needs arguments") }
                return args[i % args.count]
            default: break
            }
        case .string(let s):
            return try JinjaStrings.method(s, name, args, kwargs, self)
        default: break
        }
        throw fail(.unsupported, "the method \(base.typeName).\(name)()")
    }
}

private func Foundation_pow(_ a: Double, _ b: Double) -> Double {
    #if canImport(Glibc)
    Glibc.pow(a, b)
    #else
    Darwin.pow(a, b)
    #endif
}
