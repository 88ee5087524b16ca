/// `allOf`, and constraining keywords beside `$ref`/`anyOf`/`oneOf`, by merging schemas into
/// one (the intersection of the keywords' constraints) before compiling:
/// `{"allOf":[A,B]}` → A∧B, `{"type":"object","anyOf":[A,B]}` → `{"anyOf":[S∧A,S∧B]}`,
/// `{"$ref":R,"maxLength":3}` → target(R)∧`{"maxLength":3}`. Properties are unioned (a
/// property in both is merged in turn), `required` unioned, `type` and `enum` intersected,
/// lower bounds maxed and upper bounds minned; any other keyword present in both with
/// different values is refused with `.unsupportedKeyword`. A merged `additionalProperties:
/// false` covers the properties of every part (JSON Schema would judge each part alone).
extension JSONSchemaCompiler {
    static let lowerBounds: Set<String> = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]
    static let upperBounds: Set<String> = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]

    /// The schema with its combinators flattened as described above, or nil when there is
    /// nothing to flatten.
    func flattened(_ s: JSONSchemaValue, path: String, resolve: (String) -> JSONSchemaValue?) throws(GrammarError) -> JSONSchemaValue? {
        guard let members = s.objectMembers else { return nil }
        let constraining = members.filter { !Self.annotations.contains($0.key) && !$0.key.hasPrefix("x-") }
        func without(_ keys: Set<String>) -> JSONSchemaValue { .object(constraining.filter { !keys.contains($0.key) }) }

        if let ref = s["$ref"]?.stringValue, constraining.count > 1 {
            let target = try deref(.object([("$ref", .string(ref))]), path: path, resolve: resolve)
            return try merge(target, without(["$ref"]), path: path, resolve: resolve, depth: 0)
        }
        if case .array(let parts)? = s["allOf"] {
            var acc = without(["allOf"])
            for (i, p) in parts.enumerated() {
                acc = try merge(acc, try deref(p, path: path + "/allOf/\(i)", resolve: resolve), path: path + "/allOf/\(i)", resolve: resolve, depth: 0)
            }
            return acc
        }
        for comb in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = s[comb], constraining.count > 1 else { continue }
            let rest = without([comb])
            var out: [JSONSchemaValue] = []
            var lastError: GrammarError? = nil
            for (i, b) in branches.enumerated() {
                // A branch that contradicts the siblings (say another type) matches nothing: drop it.
                do {
                    out.append(try merge(rest, try deref(b, path: path + "/\(comb)/\(i)", resolve: resolve), path: path + "/\(comb)/\(i)", resolve: resolve, depth: 0))
                } catch where error.kind == .unusable {
                    lastError = error
                }
            }
            if out.isEmpty, let lastError { throw lastError }
            return .object([(comb, .array(out))])
        }
        return nil
    }

    /// Follows a schema that is only a `$ref` (a bounded number of times).
    private func deref(_ s: JSONSchemaValue, path: String, resolve: (String) -> JSONSchemaValue?) throws(GrammarError) -> JSONSchemaValue {
        var cur = s
        for _ in 0..<32 {
            guard let ref = cur["$ref"]?.stringValue else { return cur }
            guard ref.hasPrefix("#") else {
                throw GrammarError(.unsupportedKeyword, "unsupported keyword $ref at \(path): only local references (#...) are supported, not \(ref)")
            }
            let others = (cur.objectMembers ?? []).filter { $0.key != "$ref" && !Self.annotations.contains($0.key) && !$0.key.hasPrefix("x-") }
            guard let t = resolve(ref) else {
                throw GrammarError(.invalidSchema, "invalid schema at \(path): $ref \(ref) does not resolve")
            }
            if others.isEmpty { cur = t } else { return cur }
        }
        throw GrammarError(.limitExceeded, "$ref chain longer than 32 at \(path)")
    }

    private func merge(_ a: JSONSchemaValue, _ b: JSONSchemaValue, path: String, resolve: (String) -> JSONSchemaValue?, depth: Int) throws(GrammarError) -> JSONSchemaValue {
        guard depth < 32 else { throw GrammarError(.limitExceeded, "schemas merged deeper than 32 at \(path)") }
        if case .bool(true) = a { return b }
        if case .bool(true) = b { return a }
        if case .bool(false) = a { return a }
        if case .bool(false) = b { return b }
        guard var out = a.objectMembers, let bm = b.objectMembers else {
            throw GrammarError(.invalidSchema, "invalid schema at \(path): a schema must be an object or a boolean")
        }
        // A part that is itself a combinator: flatten it first.
        if bm.contains(where: { ["allOf", "anyOf", "oneOf", "$ref"].contains($0.key) }) {
            if let f = try flattened(b, path: path, resolve: resolve), f != b { return try merge(a, f, path: path, resolve: resolve, depth: depth + 1) }
        }
        for (k, v) in bm {
            if Self.annotations.contains(k) || k.hasPrefix("x-") { continue }
            guard let i = out.firstIndex(where: { $0.key == k }) else { out.append((k, v)); continue }
            let old = out[i].value
            if old == v { continue }
            switch k {
            case "properties":
                guard var pa = old.objectMembers, let pb = v.objectMembers else { throw conflict(k, path) }
                for (pk, pv) in pb {
                    if let j = pa.firstIndex(where: { $0.key == pk }) {
                        pa[j].value = try merge(try deref(pa[j].value, path: path, resolve: resolve), try deref(pv, path: path, resolve: resolve),
                                                path: path + "/properties/" + pk, resolve: resolve, depth: depth + 1)
                    } else {
                        pa.append((pk, pv))
                    }
                }
                out[i].value = .object(pa)
            case "required":
                guard case .array(let ra) = old, case .array(let rb) = v else { throw conflict(k, path) }
                out[i].value = .array(ra + rb.filter { !ra.contains($0) })
            case "type":
                func list(_ t: JSONSchemaValue) -> [JSONSchemaValue] { if case .array(let xs) = t { return xs } else { return [t] } }
                let tb = list(v)
                var both = list(old).filter { tb.contains($0) }
                // integer ⊂ number
                if list(old).contains(.string("number")), tb.contains(.string("integer")), !both.contains(.string("integer")) { both.append(.string("integer")) }
                if tb.contains(.string("number")), list(old).contains(.string("integer")), !both.contains(.string("integer")) { both.append(.string("integer")) }
                if both.isEmpty { throw GrammarError(.unusable, "schema at \(path): allOf parts have no type in common") }
                out[i].value = both.count == 1 ? both[0] : .array(both)
            case "enum":
                guard case .array(let ea) = old, case .array(let eb) = v else { throw conflict(k, path) }
                let both = ea.filter { eb.contains($0) }
                if both.isEmpty { throw GrammarError(.unusable, "schema at \(path): allOf parts have no enum value in common") }
                out[i].value = .array(both)
            case _ where Self.lowerBounds.contains(k) || Self.upperBounds.contains(k):
                guard let x = old.doubleValue, let y = v.doubleValue else { throw conflict(k, path) }
                out[i].value = Self.lowerBounds.contains(k) ? (x >= y ? old : v) : (x <= y ? old : v)
            case "additionalProperties", "items":
                out[i].value = try merge(try deref(old, path: path, resolve: resolve), try deref(v, path: path, resolve: resolve), path: path + "/" + k, resolve: resolve, depth: depth + 1)
            default:
                throw conflict(k, path)
            }
        }
        return .object(out)
    }

    private func conflict(_ k: String, _ path: String) -> GrammarError {
        GrammarError(.unsupportedKeyword, "unsupported keyword \(k) at \(path): different values in parts that must both hold (allOf or beside $ref/anyOf/oneOf)")
    }
}
