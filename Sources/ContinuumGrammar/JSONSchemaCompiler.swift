/// Walks a schema and emits one GBNF rule per subschema (and one per `$ref` target, so
/// recursion becomes rule recursion). Rules with identical bodies are shared.
final class JSONSchemaCompiler {
    private let root: JSONSchemaValue
    private let prefix: String
    private let limits: JSONSchemaLimits
    private var order: [String] = []
    private var bodies: [String: String] = [:]
    private var nameByBody: [String: String] = [:]
    private var refRules: [String: String] = [:]
    private lazy var mergeBudget = limits.maxRefExpansions
    private var pendingRefs: [(String, String, JSONSchemaValue)] = []
    private var grammarBytes = 0

    /// Keywords that annotate and never constrain the instance.
    static let annotations: Set<String> = [
        "title", "description", "examples", "example", "default", "$schema", "$id", "id", "$comment",
        "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "markdownDescription",
        "contentEncoding", "contentMediaType", "$anchor", "enumDescriptions", "markdownEnumDescriptions",
        "errorMessage", "discriminator",
    ]
    static let objectKeywords: Set<String> = ["properties", "required", "additionalProperties", "minProperties", "maxProperties"]
    static let arrayKeywords: Set<String> = ["items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"]
    static let stringKeywords: Set<String> = ["minLength", "maxLength", "pattern", "format"]
    static let numberKeywords: Set<String> = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]
    static let combinators: Set<String> = ["$ref", "enum", "const", "anyOf", "oneOf", "allOf", "type"]

    init(root: JSONSchemaValue, prefix: String, limits: JSONSchemaLimits) {
        self.root = root
        self.prefix = prefix
        self.limits = limits
    }

    func compile() throws(GrammarError) -> String {
        // Draft 4 and older have no `const`: their validators ignore it, so enforcing it
        // would produce answers those validators judge differently. Refuse instead.
        if let dialect = root["$schema"]?.stringValue, dialect.contains("draft-04") || dialect.contains("draft-03"),
           Self.mentions("const", in: root) {
            throw GrammarError(.unsupportedKeyword, "unsupported keyword const: not a keyword of \(dialect) (the schema's $schema), so validators ignore it; declare a later draft")
        }
        let rootName = prefix + "root"
        try setRule(rootName, "\"\"")  // reserved; a `$ref: "#"` resolves here
        refRules["#"] = rootName
        try checkLeftRecursion()
        bodies[rootName] = try bodyFor(root, name: "", path: "#", depth: 0)
        // $ref targets are compiled here, not where they are met, so a chain of references
        // costs no stack depth.
        while let (ref, name, target) = pendingRefs.popLast() {
            bodies[name] = try bodyFor(target, name: String(name.dropFirst(prefix.count)), path: ref, depth: 0)
        }
        return render()
    }

    func compileAnyObject() throws(GrammarError) -> String {
        let o = try primitive("object")
        try setRule(prefix + "root", o)
        return render()
    }

    private func render() -> String {
        var out = ""
        let rootName = prefix + "root"
        if let b = bodies[rootName] { out += "\(rootName) ::= \(b)\n" }
        for n in order where n != rootName { out += "\(n) ::= \(bodies[n]!)\n" }
        return out
    }

    // MARK: rules

    private func sanitize(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if (u.value >= 0x30 && u.value <= 0x39) || (u.value >= 0x41 && u.value <= 0x5A) || (u.value >= 0x61 && u.value <= 0x7A) || u == "-" {
                out.unicodeScalars.append(u)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
        }
        return out
    }

    private func checkBudget(_ body: String, _ name: String) throws(GrammarError) {
        grammarBytes += body.utf8.count + name.utf8.count + 6
        if grammarBytes > limits.maxGrammarBytes {
            throw GrammarError(.limitExceeded, "grammar exceeds maxGrammarBytes (\(limits.maxGrammarBytes))")
        }
        if order.count >= limits.maxRules {
            throw GrammarError(.limitExceeded, "grammar exceeds maxRules (\(limits.maxRules))")
        }
    }

    /// Adds a rule (or finds one with the same body); returns its name.
    private func addRule(_ base: String, _ body: String) throws(GrammarError) -> String {
        if let n = nameByBody[body] { return n }
        var stem = sanitize(base)
        if stem.isEmpty { stem = "r" }
        if stem.utf8.count > 48 { stem = String(stem.prefix(40)) }
        var name = prefix + stem
        var i = 1
        while bodies[name] != nil { name = prefix + stem + "-\(i)"; i += 1 }
        try checkBudget(body, name)
        order.append(name)
        bodies[name] = body
        nameByBody[body] = name
        return name
    }

    /// Defines or replaces a rule under an exact name (for $ref placeholders and root).
    private func setRule(_ name: String, _ body: String) throws(GrammarError) {
        if bodies[name] == nil {
            try checkBudget(body, name)
            order.append(name)
        }
        bodies[name] = body
    }

    private func primitive(_ base: String) throws(GrammarError) -> String {
        let name = prefix + base
        if bodies[name] != nil { return name }
        guard let template = JSONSchemaPrimitives.rules[base] else {
            throw GrammarError(.invalidSchema, "internal: no primitive \(base)")
        }
        try setRule(name, template.replacing("{p}", with: prefix))
        for d in JSONSchemaPrimitives.deps[base] ?? [] { _ = try primitive(d) }
        return name
    }

    // MARK: visiting

    /// `oneOf` is a union only when no value can match two branches; a grammar can say
    /// "one of these" but not "not both", so branches must be provably disjoint: different
    /// types, different constants, or a property both require with different constants.
    /// Otherwise the schema is refused (anyOf says what such a schema usually means).
    private func checkDisjoint(_ subs: [JSONSchemaValue], path: String) throws(GrammarError) {
        let resolved = subs.map { s -> JSONSchemaValue in
            var s = s, hops = 0
            while let r = s["$ref"]?.stringValue, hops < 32, let t = lookup(r) { s = t; hops += 1 }
            return s
        }
        for i in resolved.indices {
            for j in resolved.indices where j > i && !Self.disjoint(resolved[i], resolved[j]) {
                throw unsupported("oneOf", path, "branches \(i) and \(j) may both match one value, and a grammar cannot exclude such values (use anyOf, or make the branches differ in type or in a required constant)")
            }
        }
    }

    /// Whether `key` is used as a keyword anywhere in `s` (not inside `enum`/`const` values).
    static func mentions(_ key: String, in s: JSONSchemaValue, depth: Int = 0) -> Bool {
        guard depth < 256 else { return false }
        switch s {
        case .object(let members):
            for (k, v) in members where k != "enum" && k != "examples" && k != "default" {
                if k == key || mentions(key, in: v, depth: depth + 1) { return true }
            }
            return false
        case .array(let xs): return xs.contains { mentions(key, in: $0, depth: depth + 1) }
        default: return false
        }
    }

    static func disjoint(_ a: JSONSchemaValue, _ b: JSONSchemaValue) -> Bool {
        if let ta = types(a), let tb = types(b), ta.isDisjoint(with: tb) { return true }
        if let va = constants(a), let vb = constants(b), !va.contains(where: { x in vb.contains(x) }) { return true }
        // A property both require, with constants that differ (a discriminator).
        guard case .array(let ra)? = a["required"], case .array(let rb)? = b["required"] else { return false }
        let requiredB = Set(rb.compactMap(\.stringValue))
        for key in ra.compactMap(\.stringValue) where requiredB.contains(key) {
            if let pa = a["properties"]?[key], let pb = b["properties"]?[key], disjoint(pa, pb) { return true }
        }
        return false
    }

    /// The JSON types a schema allows, when it says (integer counts as number).
    private static func types(_ s: JSONSchemaValue) -> Set<String>? {
        var ts: [String]
        switch s["type"] {
        case .string(let t)?: ts = [t]
        case .array(let xs)?: ts = xs.compactMap(\.stringValue)
        default:
            guard let values = constants(s) else { return nil }
            ts = values.map { v in
                switch v {
                case .null: "null"
                case .bool: "boolean"
                case .number: "number"
                case .string: "string"
                case .array: "array"
                case .object: "object"
                }
            }
        }
        return Set(ts.map { $0 == "integer" ? "number" : $0 })
    }

    /// `const`/`enum` values that also have the schema's `type` (nil: no constants; all of
    /// them when there is no `type`).
    static func typedConstants(_ s: JSONSchemaValue) -> [JSONSchemaValue]? {
        guard let values = constants(s) else { return nil }
        var allowed: [String]
        switch s["type"] {
        case .string(let t)?: allowed = [t]
        case .array(let ts)?: allowed = ts.compactMap(\.stringValue)
        default: return values
        }
        return values.filter { v in
            switch v {
            case .null: allowed.contains("null")
            case .bool: allowed.contains("boolean")
            case .number(_, let d): allowed.contains("number") || (allowed.contains("integer") && d == d.rounded())
            case .string: allowed.contains("string")
            case .array: allowed.contains("array")
            case .object: allowed.contains("object")
            }
        }
    }

    private static func constants(_ s: JSONSchemaValue) -> [JSONSchemaValue]? {
        if let c = s["const"] { return [c] }
        if case .array(let e)? = s["enum"] { return e }
        return nil
    }

    private func unsupported(_ keyword: String, _ path: String, _ why: String = "") -> GrammarError {
        GrammarError(.unsupportedKeyword, "unsupported keyword \(keyword) at \(path)" + (why.isEmpty ? "" : ": \(why)"))
    }

    private func invalid(_ path: String, _ what: String) -> GrammarError {
        GrammarError(.invalidSchema, "invalid schema at \(path): \(what)")
    }

    /// Returns a rule name for the subschema.
    func visit(_ s: JSONSchemaValue, name: String, path: String, depth: Int) throws(GrammarError) -> String {
        guard depth <= limits.maxNestingDepth else {
            throw GrammarError(.limitExceeded, "subschemas nested deeper than maxNestingDepth (\(limits.maxNestingDepth)) at \(path)")
        }
        let body = try bodyFor(s, name: name, path: path, depth: depth)
        // A bare rule reference needs no rule of its own.
        if bodies[body] != nil { return body }
        return try addRule(name, body)
    }

    private func bodyFor(_ s: JSONSchemaValue, name: String, path: String, depth: Int) throws(GrammarError) -> String {
        switch s {
        case .bool(true): return try primitive("value")
        case .bool(false): throw GrammarError(.unusable, "schema at \(path) is false: no value is valid")
        case .object: break
        default: throw invalid(path, "a schema must be an object or a boolean")
        }
        let members = s.objectMembers!
        let keys = members.map(\.key)
        // Every keyword must be understood.
        for k in keys {
            if Self.annotations.contains(k) || k.hasPrefix("x-") { continue }
            if Self.combinators.contains(k) || Self.objectKeywords.contains(k) || Self.arrayKeywords.contains(k)
                || Self.stringKeywords.contains(k) || Self.numberKeywords.contains(k) { continue }
            throw unsupported(k, path)
        }
        let constraining = keys.filter { !Self.annotations.contains($0) && !$0.hasPrefix("x-") }

        let combined = constraining.filter { ["$ref", "allOf", "anyOf", "oneOf"].contains($0) }
        if !combined.isEmpty, constraining.count > 1 || combined == ["allOf"] {
            guard mergeBudget > 0 else { throw GrammarError(.limitExceeded, "more than maxRefExpansions (\(limits.maxRefExpansions)) schema merges") }
            mergeBudget -= 1
            if let f = try flattened(s, path: path, resolve: { self.lookup($0) }) {
                return try bodyFor(f, name: name, path: path, depth: depth + 1)
            }
        }
        if let ref = s["$ref"] {
            if let other = constraining.first(where: { $0 != "$ref" }) { throw unsupported(other, path, "beside $ref") }
            guard let r = ref.stringValue else { throw invalid(path, "$ref must be a string") }
            return try resolveRef(r, path: path, depth: depth)
        }
        if s["const"] != nil || s["enum"] != nil, let typed = Self.typedConstants(s), typed.isEmpty {
            throw GrammarError(.unusable, "schema at \(path): no value of its enum/const has its type, so no value is valid")
        }
        if let c = s["const"] {
            return GBNFText.literal(c.canonicalText)
        }
        if let e = s["enum"] {
            guard case .array(var values) = e, !values.isEmpty else { throw invalid(path + "/enum", "enum must be a non-empty array") }
            guard values.count <= limits.maxEnumEntries else {
                throw GrammarError(.limitExceeded, "enum of \(values.count) entries at \(path) exceeds maxEnumEntries (\(limits.maxEnumEntries))")
            }
            values = Self.typedConstants(s) ?? values
            var seen = Set<String>()
            let lits = values.map { GBNFText.literal($0.canonicalText) }.filter { seen.insert($0).inserted }
            return lits.joined(separator: " | ")
        }
        for comb in ["anyOf", "oneOf"] {
            guard let a = s[comb] else { continue }
            if let other = constraining.first(where: { $0 != comb }) { throw unsupported(other, path, "beside \(comb)") }
            guard case .array(let subs) = a, !subs.isEmpty else { throw invalid(path + "/" + comb, "\(comb) must be a non-empty array") }
            if comb == "oneOf" { try checkDisjoint(subs, path: path + "/oneOf") }
            var alts: [String] = []
            // A branch whose constants contradict its type admits nothing: leave it out.
            for (i, subschema) in subs.enumerated() where Self.typedConstants(subschema)?.isEmpty != true {
                alts.append(try visit(subschema, name: sub(name, "\(i)"), path: path + "/\(comb)/\(i)", depth: depth + 1))
            }
            guard !alts.isEmpty else { throw GrammarError(.unusable, "schema at \(path): no branch of \(comb) admits a value") }
            return alts.joined(separator: " | ")
        }
        if let a = s["allOf"] {
            guard case .array(let subs) = a else { throw invalid(path + "/allOf", "allOf must be an array") }
            if subs.count == 1, constraining.count == 1 {
                return try visit(subs[0], name: name, path: path + "/allOf/0", depth: depth + 1)
            }
            throw unsupported("allOf", path, "only a single subschema with no sibling keywords is supported")
        }

        // Types: explicit, or inferred from the keywords present (as llama.cpp does).
        var types: [String] = []
        switch s["type"] {
        case .string(let t)?: types = [t]
        case .array(let ts)?:
            for t in ts {
                guard let t = t.stringValue else { throw invalid(path + "/type", "type entries must be strings") }
                types.append(t)
            }
        case nil:
            if constraining.contains(where: Self.objectKeywords.contains) { types.append("object") }
            if constraining.contains(where: Self.arrayKeywords.contains) { types.append("array") }
            if constraining.contains(where: Self.stringKeywords.contains) { types.append("string") }
            if constraining.contains(where: Self.numberKeywords.contains) { types.append("number") }
            if types.isEmpty { return try primitive("value") }
        default: throw invalid(path + "/type", "type must be a string or an array of strings")
        }
        if types.isEmpty { throw GrammarError(.unusable, "schema at \(path) has an empty type list") }
        var alts: [String] = []
        for t in types {
            switch t {
            case "object": alts.append(try objectBody(s, name: name, path: path, depth: depth))
            case "array": alts.append(try arrayBody(s, name: name, path: path, depth: depth))
            case "string": alts.append(try stringBody(s, path: path))
            case "integer", "number":
                if t == "number", types.contains("integer") { continue }
                alts.append(try numberBody(s, integer: t == "integer" && !types.contains("number"), path: path))
            case "boolean": alts.append(try primitive("boolean"))
            case "null": alts.append(try primitive("null"))
            default: throw invalid(path + "/type", "unknown type \"\(t)\"")
            }
        }
        return alts.count == 1 ? alts[0] : alts.map { $0.contains(" ") ? "( \($0) )" : $0 }.joined(separator: " | ")
    }

    /// A rule per distinct target; the name is reserved before visiting so recursion ends.
    private func resolveRef(_ ref: String, path: String, depth: Int) throws(GrammarError) -> String {
        if let n = refRules[ref] { return n }
        guard ref.hasPrefix("#") else { throw unsupported("$ref", path, "only local references (#...) are supported, not \(ref)") }
        guard refRules.count < limits.maxRefExpansions else {
            throw GrammarError(.limitExceeded, "more than maxRefExpansions (\(limits.maxRefExpansions)) $ref targets")
        }
        let pointer = ref.dropFirst()
        if !pointer.isEmpty, !pointer.hasPrefix("/") { throw unsupported("$ref", path, "anchors are not supported: \(ref)") }
        guard let target = lookup(ref) else { throw invalid(path, "$ref \(ref) does not resolve") }
        var stem = sanitize("ref" + String(pointer))
        if stem.utf8.count > 48 { stem = String(stem.suffix(40)) }
        var name = prefix + stem
        var i = 1
        while bodies[name] != nil { name = prefix + stem + "-\(i)"; i += 1 }
        refRules[ref] = name
        try setRule(name, "\"\"")  // placeholder until compile() visits the target
        pendingRefs.append((ref, name, target))
        return name
    }

    /// Resolves a local `$ref` to its subschema, or nil when it does not resolve.
    func lookup(_ ref: String) -> JSONSchemaValue? {
        guard ref.hasPrefix("#") else { return nil }
        var target = root
        let pointer = ref.dropFirst()
        if pointer.isEmpty { return target }
        guard pointer.hasPrefix("/") else { return nil }
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = String(raw).removingPercentEncodingCompat.replacing("~1", with: "/").replacing("~0", with: "~")
            switch target {
            case .object:
                guard let t = target[token] else { return nil }
                target = t
            case .array(let items):
                guard let i = Int(token), i >= 0, i < items.count else { return nil }
                target = items[i]
            default: return nil
            }
        }
        return target
    }

    /// `$ref`s a schema can reach without consuming input (through anyOf/oneOf/allOf/$ref).
    private func leftRefs(_ s: JSONSchemaValue, into out: inout [String]) {
        if let r = s["$ref"]?.stringValue { out.append(r); return }
        for comb in ["anyOf", "oneOf", "allOf"] {
            if case .array(let subs)? = s[comb] { for x in subs { leftRefs(x, into: &out) } }
        }
    }

    /// A cycle of references with no input consumed in between (`a: {$ref: b}`, `b: {anyOf:
    /// [{$ref: a}, …]}`) is left recursion: no matcher can run it, so refuse it up front.
    private func checkLeftRecursion() throws(GrammarError) {
        var state: [String: Int] = [:]  // 1 = on the DFS stack, 2 = done
        var stack: [(ref: String, next: [String], i: Int)] = []
        func children(_ ref: String) -> [String] {
            guard let t = lookup(ref) else { return [] }
            var out: [String] = []
            leftRefs(t, into: &out)
            return out
        }
        var roots: [String] = ["#"]
        // Every definition, too, since some are reached only through consuming positions.
        for key in ["$defs", "definitions"] {
            for m in root[key]?.objectMembers ?? [] { roots.append("#/\(key)/" + escapePointer(m.key)) }
        }
        var visited = 0
        for r in roots where state[r] == nil {
            state[r] = 1
            stack.append((r, children(r), 0))
            while !stack.isEmpty {
                visited += 1
                if visited > 1_000_000 { throw GrammarError(.limitExceeded, "$ref graph too large to check") }
                let top = stack.count - 1
                if stack[top].i < stack[top].next.count {
                    let c = stack[top].next[stack[top].i]
                    stack[top].i += 1
                    if state[c] == 1 { throw GrammarError(.unusable, "$ref \(c) is left-recursive: it can reach itself without consuming input") }
                    if state[c] == nil {
                        state[c] = 1
                        stack.append((c, children(c), 0))
                    }
                } else {
                    state[stack[top].ref] = 2
                    stack.removeLast()
                }
            }
        }
    }

    // MARK: objects

    private func objectBody(_ s: JSONSchemaValue, name: String, path: String, depth: Int) throws(GrammarError) -> String {
        var props: [(key: String, value: JSONSchemaValue)] = []
        if let p = s["properties"] {
            guard let m = p.objectMembers else { throw invalid(path + "/properties", "properties must be an object") }
            props = m
        }
        guard props.count <= limits.maxProperties else {
            throw GrammarError(.limitExceeded, "object at \(path) declares \(props.count) properties, more than maxProperties (\(limits.maxProperties))")
        }
        var required = Set<String>()
        if let r = s["required"] {
            guard case .array(let items) = r else { throw invalid(path + "/required", "required must be an array") }
            for it in items {
                guard let k = it.stringValue else { throw invalid(path + "/required", "required entries must be strings") }
                required.insert(k)
            }
        }
        // A property whose constants all contradict its type (BFCL has `"type": "boolean",
        // "enum": ["True", "False"]`) can have no value: like `false`, it may not appear.
        for i in props.indices where Self.typedConstants(props[i].value)?.isEmpty == true { props[i].value = .bool(false) }
        // A property whose schema is `false` may not appear at all.
        for p in props where p.value == .bool(false) && required.contains(p.key) {
            throw GrammarError(.unusable, "object at \(path): required property \(p.key) has the schema false")
        }
        let forbidden = props.filter { $0.value == .bool(false) }.map(\.key)
        props.removeAll { $0.value == .bool(false) }
        let declared = Set(props.map(\.key))
        // Required names with no declared schema: any value (kept in the order they are listed).
        if let r = s["required"], case .array(let items) = r {
            for it in items { if let k = it.stringValue, !declared.contains(k), !props.contains(where: { $0.key == k }) { props.append((k, .bool(true))) } }
        }

        // Extra members: additionalProperties false → none; absent → none when properties are
        // declared (strict, as OpenAI structured outputs), any when nothing is declared.
        var extraValue: String? = nil
        switch s["additionalProperties"] {
        case .bool(false)?: extraValue = nil
        case nil: extraValue = props.isEmpty ? try primitive("value") : nil
        case .bool(true)?: extraValue = try primitive("value")
        case let a?:
            if a.objectMembers?.isEmpty == true { extraValue = try primitive("value") } else {
                extraValue = try visit(a, name: sub(name, "additional"), path: path + "/additionalProperties", depth: depth + 1)
            }
        }
        let minProps = s["minProperties"]?.int64Value ?? 0
        let requiredCount = props.filter { required.contains($0.key) }.count
        if minProps > Int64(requiredCount) { throw unsupported("minProperties", path, "more than the required properties") }
        if let maxP = s["maxProperties"] {
            guard let mp = maxP.int64Value, extraValue == nil, mp >= Int64(props.count) else {
                throw unsupported("maxProperties", path, "fewer than the properties allowed")
            }
        }

        var kvs: [String] = []
        for (i, p) in props.enumerated() {
            let child = p.key.isEmpty ? "\(i)" : p.key
            let v = try visit(p.value, name: sub(name, child), path: path + "/properties/" + escapePointer(p.key), depth: depth + 1)
            let lit = GBNFText.literal(JSONSchemaValue.quoted(p.key) + ":")
            kvs.append(lit + " " + v)
        }
        var extraKV: String? = nil
        if let ev = extraValue {
            let key = props.isEmpty && forbidden.isEmpty ? try primitive("string") : try addRule(sub(name, "additional-key"), try notStrings(props.map(\.key) + forbidden, path: path))
            extraKV = try addRule(sub(name, "additional-kv"), key + " \":\" " + ev)
        }
        if props.isEmpty {
            guard let e = extraKV else { return "\"{\" \"}\"" }
            return "\"{\" ( \(e) ( \",\" \(e) )* )? \"}\""
        }

        // after[i]: members from i on, something already written (each needs a comma).
        // first[i]: members from i on, nothing written yet. Named rules only for the optional
        // prefix, where both are referenced twice; later ones are inlined.
        let n = props.count
        let firstRequired = props.firstIndex(where: { required.contains($0.key) }) ?? n
        var after: String = extraKV.map { "( \",\" \($0) )*" } ?? ""
        var afterAt: [Int: String] = [n: after]
        for i in stride(from: n - 1, through: 0, by: -1) {
            let piece = required.contains(props[i].key) ? "\",\" \(kvs[i])" : "( \",\" \(kvs[i]) )?"
            after = after.isEmpty ? piece : piece + " " + after
            if i <= firstRequired, i > 0, !after.isEmpty {
                after = try addRule(sub(name, "after-\(i)"), after)
            }
            afterAt[i] = after
        }
        var first: String
        if firstRequired < n {
            let a = afterAt[firstRequired + 1] ?? ""
            first = kvs[firstRequired] + (a.isEmpty ? "" : " " + a)
        } else {
            first = extraKV.map { "( \($0) ( \",\" \($0) )* )?" } ?? ""
        }
        for i in stride(from: min(firstRequired, n) - 1, through: 0, by: -1) {
            let a = afterAt[i + 1] ?? ""
            let take = kvs[i] + (a.isEmpty ? "" : " " + a)
            if first.isEmpty {
                first = "( \(take) )?"
            } else {
                first = "( \(take) | \(first) )"
            }
            if i > 0 { first = try addRule(sub(name, "first-\(i)"), first) }
        }
        return "\"{\" " + (first.isEmpty ? "" : first + " ") + "\"}\""
    }

    private func sub(_ name: String, _ child: String) -> String { name.isEmpty ? child : name + "-" + child }

    private func escapePointer(_ k: String) -> String {
        k.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// A JSON string whose content is none of `keys` (a trie over their encoded characters).
    private func notStrings(_ keys: [String], path: String) throws(GrammarError) -> String {
        let char = try primitive("char")
        final class Node { var children: [(Unicode.Scalar, Node)] = []; var terminal = false }
        let trieRoot = Node()
        for k in keys {
            let encoded = JSONSchemaValue.quoted(k).dropFirst().dropLast()
            guard encoded.utf8.count <= 256 else {  // the trie is walked recursively
                throw GrammarError(.limitExceeded, "property name longer than 256 bytes (beside additionalProperties) at \(path)")
            }
            var node = trieRoot
            for u in encoded.unicodeScalars {
                if let c = node.children.first(where: { $0.0 == u })?.1 { node = c } else {
                    let c = Node()
                    node.children.append((u, c))
                    node = c
                }
            }
            node.terminal = true
        }
        // rest(node): what may follow the node's prefix, closing quote included, so that the
        // whole is not a key. No `?` on the nested groups: llama.cpp refuses a quantifier on a
        // group holding more than 2000 synthesized rules.
        func rest(_ node: Node) -> String {
            var alts: [String] = []
            if !node.terminal { alts.append("\"\\\"\"") }
            var excluded = CodePointSet([0x22...0x22])
            for (u, child) in node.children {
                excluded.insert(u.value...u.value)
                let lit = GBNFText.literal(String(u))
                alts.append(child.children.isEmpty ? "\(lit) \(char)+ \"\\\"\"" : "\(lit) ( \(rest(child)) )")
            }
            // Any other next character: plain, or an escape (escapes are compared loosely).
            let other = CodePointSet([0x00...0x1F, 0x5C...0x5C]).inverted().subtracting(excluded)
            if !other.isEmpty { alts.append(GBNFText.charClass(other) + " \(char)* \"\\\"\"") }
            if !excluded.contains(0x5C) { alts.append("\"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} ) \(char)* \"\\\"\"") }
            return alts.joined(separator: " | ")
        }
        return "\"\\\"\" ( " + rest(trieRoot) + " )"
    }

    // MARK: arrays

    private func count(_ s: JSONSchemaValue, _ key: String, _ path: String) throws(GrammarError) -> Int? {
        guard let v = s[key] else { return nil }
        guard let i = v.int64Value, i >= 0 else { throw invalid(path + "/" + key, "\(key) must be a non-negative integer") }
        return Int(min(i, Int64(Int32.max)))
    }

    private func checkRepetition(_ n: Int?, _ key: String, _ path: String) throws(GrammarError) {
        if let n, n > limits.maxRepetition {
            throw GrammarError(.limitExceeded, "\(key) \(n) at \(path) exceeds maxRepetition (\(limits.maxRepetition))")
        }
    }

    private func arrayBody(_ s: JSONSchemaValue, name: String, path: String, depth: Int) throws(GrammarError) -> String {
        if case .bool(true)? = s["uniqueItems"] { throw unsupported("uniqueItems", path, "uniqueness cannot be enforced by a grammar") }
        let minItems = try count(s, "minItems", path) ?? 0
        var maxItems = try count(s, "maxItems", path)
        var prefixSchemas: [JSONSchemaValue] = []
        var extra: JSONSchemaValue? = .bool(true)
        if case .array(let p)? = s["prefixItems"] {
            prefixSchemas = p
            if let it = s["items"] { extra = it }
        } else if case .array(let p)? = s["items"] {
            prefixSchemas = p
            if let ai = s["additionalItems"] { extra = ai }
        } else if let it = s["items"] {
            extra = it
        }
        if case .bool(false)? = extra { extra = nil }
        if extra == nil { maxItems = min(maxItems ?? prefixSchemas.count, prefixSchemas.count) }
        if let mx = maxItems, mx < minItems { throw GrammarError(.unusable, "array at \(path): maxItems below minItems") }
        try checkRepetition(minItems, "minItems", path)
        try checkRepetition(maxItems, "maxItems", path)
        if let mx = maxItems, mx == 0 { return "\"[\" \"]\"" }

        var prefixRules: [String] = []
        for (i, p) in prefixSchemas.enumerated() where maxItems.map({ i < $0 }) ?? true {
            prefixRules.append(try visit(p, name: sub(name, "\(i)"), path: path + "/prefixItems/\(i)", depth: depth + 1))
        }
        let k = prefixRules.count
        var extraRule: String? = nil
        if let e = extra, maxItems.map({ $0 > k }) ?? true {
            extraRule = try visit(e, name: sub(name, "item"), path: path + "/items", depth: depth + 1)
        }
        if k == 0 {
            guard let e = extraRule else { return "\"[\" \"]\"" }
            let more = GBNFText.repeated("( \",\" \(e) )", min: max(minItems - 1, 0), max: maxItems.map { $0 - 1 })
            let body = "\(e) \(more)"
            return minItems == 0 ? "\"[\" ( \(body) )? \"]\"" : "\"[\" \(body) \"]\""
        }
        if minItems > k && extraRule == nil { throw GrammarError(.unusable, "array at \(path): minItems above the items allowed") }
        // tail after k items.
        var tail = ""
        if let e = extraRule {
            let lo = max(minItems - k, 0)
            tail = GBNFText.repeated("( \",\" \(e) )", min: lo, max: maxItems.map { $0 - k })
        }
        for i in stride(from: k - 1, through: 1, by: -1) {
            let piece = "\",\" \(prefixRules[i])" + (tail.isEmpty ? "" : " " + tail)
            tail = i >= minItems ? "( \(piece) )?" : piece
        }
        let body = prefixRules[0] + (tail.isEmpty ? "" : " " + tail)
        return minItems == 0 ? "\"[\" ( \(body) )? \"]\"" : "\"[\" \(body) \"]\""
    }

    // MARK: strings

    private func stringBody(_ s: JSONSchemaValue, path: String) throws(GrammarError) -> String {
        let minLength = try count(s, "minLength", path)
        let maxLength = try count(s, "maxLength", path)
        let pattern = s["pattern"]
        let format = s["format"]
        if let pattern {
            if minLength != nil || maxLength != nil { throw unsupported(minLength != nil ? "minLength" : "maxLength", path, "beside pattern") }
            if format != nil { throw unsupported("format", path, "beside pattern") }
            guard let p = pattern.stringValue else { throw invalid(path + "/pattern", "pattern must be a string") }
            let e = try RegexGrammar.expression(pattern: p, mode: .jsonString, search: true, limits: limits)
            return "\"\\\"\" \(e) \"\\\"\""
        }
        if let format {
            guard let f = format.stringValue else { throw invalid(path + "/format", "format must be a string") }
            guard JSONSchemaPrimitives.formats.contains(f) else { throw unsupported("format", path, "format \"\(f)\" is not supported") }
            if minLength != nil || maxLength != nil { throw unsupported(minLength != nil ? "minLength" : "maxLength", path, "beside format") }
            return "\"\\\"\" \(try primitive(f)) \"\\\"\""
        }
        if minLength == nil && maxLength == nil { return try primitive("string") }
        let lo = minLength ?? 0
        if let hi = maxLength, hi < lo { throw GrammarError(.unusable, "string at \(path): maxLength below minLength") }
        try checkRepetition(lo, "minLength", path)
        try checkRepetition(maxLength, "maxLength", path)
        let char = try primitive("char")
        return "\"\\\"\" " + GBNFText.repeated(char, min: lo, max: maxLength) + " \"\\\"\""
    }

    // MARK: numbers

    private func numberBody(_ s: JSONSchemaValue, integer: Bool, path: String) throws(GrammarError) -> String {
        if let m = s["multipleOf"] {
            guard integer, m.doubleValue == 1 else { throw unsupported("multipleOf", path) }
        }
        // Bounds: draft 4 (boolean exclusive*) and draft 6+ (numeric exclusive*).
        var lo: (Double, Bool)? = nil, hi: (Double, Bool)? = nil
        func tighter(_ a: (Double, Bool)?, _ b: (Double, Bool), lower: Bool) -> (Double, Bool) {
            guard let a else { return b }
            if a.0 == b.0 { return (a.0, a.1 && b.1) }
            return lower ? (a.0 > b.0 ? a : b) : (a.0 < b.0 ? a : b)
        }
        for (key, isLower) in [("minimum", true), ("maximum", false)] {
            guard let v = s[key] else { continue }
            guard let d = v.doubleValue else { throw invalid(path + "/" + key, "\(key) must be a number") }
            let exclusive: Bool
            switch s[isLower ? "exclusiveMinimum" : "exclusiveMaximum"] {
            case .bool(let b)?: exclusive = b
            default: exclusive = false
            }
            if isLower { lo = tighter(lo, (d, !exclusive), lower: true) } else { hi = tighter(hi, (d, !exclusive), lower: false) }
        }
        for (key, isLower) in [("exclusiveMinimum", true), ("exclusiveMaximum", false)] {
            guard let v = s[key] else { continue }
            if case .bool = v { continue }
            guard let d = v.doubleValue else { throw invalid(path + "/" + key, "\(key) must be a number") }
            if isLower { lo = tighter(lo, (d, false), lower: true) } else { hi = tighter(hi, (d, false), lower: false) }
        }
        if lo == nil && hi == nil { return try primitive(integer ? "integer" : "number") }
        let bigLimit = 9.0e17
        if integer {
            func toInt(_ b: (Double, Bool)?, lower: Bool) -> Int64? {
                guard let b, abs(b.0) < bigLimit else { return nil }
                var v = lower ? b.0.rounded(.up) : b.0.rounded(.down)
                if !b.1 && v == b.0 { v += lower ? 1 : -1 }
                return Int64(v)
            }
            guard let body = JSONSchemaNumberRange.integer(lo: toInt(lo, lower: true), hi: toInt(hi, lower: false)) else {
                throw GrammarError(.unusable, "integer at \(path): no integer lies within the bounds")
            }
            return body
        }
        func toBound(_ b: (Double, Bool)?, key: String) throws(GrammarError) -> JSONSchemaNumberRange.Bound? {
            guard let b else { return nil }
            guard b.0.rounded() == b.0, abs(b.0) < bigLimit else {
                throw unsupported(key, path, "number bounds must be integral (\(b.0))")
            }
            return .init(value: Int64(b.0), inclusive: b.1)
        }
        guard let body = JSONSchemaNumberRange.decimal(lo: try toBound(lo, key: "minimum"), hi: try toBound(hi, key: "maximum")) else {
            throw GrammarError(.unusable, "number at \(path): no number lies within the bounds")
        }
        return body
    }
}

extension String {
    /// `%XX` decoding for JSON pointer fragments (Foundation-free).
    var removingPercentEncodingCompat: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let c = it.first {
            it = it.dropFirst()
            if c == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
