/// JSON Schema → GBNF (llama.cpp's dialect). The grammar accepts the JSON texts valid
/// against the schema in the compact canonical layout: no whitespace between tokens, object
/// members in schema `properties` order (optional ones may be left out), strings as JSON
/// allows (any escape), pattern/format strings with only the canonical escapes. See the
/// "JSON Schema" section of docs/GRAMMAR.md for the subset and its documented deviations.
public enum JSONSchemaGrammar {
    /// GBNF whose start rule is `<rulePrefix>root`. Throws `GrammarError` with kind
    /// `.unsupportedKeyword` (keyword and JSON path), `.invalidSchema`, `.limitExceeded`
    /// (the limit's name), `.invalidPattern` or `.unusable` (a `false` schema).
    public static func gbnf(schema: String, rulePrefix: String = "", limits: JSONSchemaLimits = .default) throws(GrammarError) -> String {
        guard schema.utf8.count <= limits.maxSchemaBytes else {
            throw GrammarError(.limitExceeded, "schema of \(schema.utf8.count) bytes exceeds maxSchemaBytes (\(limits.maxSchemaBytes))")
        }
        let root = try JSONSchemaParser.parse(schema, maxDepth: limits.maxNestingDepth)
        let compiler = JSONSchemaCompiler(root: root, prefix: rulePrefix, limits: limits)
        return try compiler.compile()
    }

    /// Any JSON object (response_format `json_object`), compact layout.
    public static func anyJSONObject(rulePrefix: String = "") -> String {
        let c = JSONSchemaCompiler(root: .object([]), prefix: rulePrefix, limits: .default)
        // Cannot fail: fixed rules only.
        return (try? c.compileAnyObject()) ?? ""
    }
}
