import ContinuumGrammar
import Testing

/// `oneOf` is enforced only where its branches cannot both match: a grammar cannot exclude the
/// values two branches share.
@Test(arguments: [
    #"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#,
    #"{"oneOf": [{"const": "a"}, {"const": "b"}]}"#,
    #"{"oneOf": [{"type": "object", "properties": {"kind": {"const": "x"}}, "required": ["kind"]}, {"type": "object", "properties": {"kind": {"const": "y"}, "n": {"type": "integer"}}, "required": ["kind", "n"]}]}"#,
    ##"{"$defs": {"s": {"type": "string"}}, "oneOf": [{"$ref": "#/$defs/s"}, {"type": "null"}]}"##,
])
func disjointOneOfCompiles(schema: String) throws {
    _ = try JSONSchemaGrammar.gbnf(schema: schema)
}

@Test(arguments: [
    #"{"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}"#,
    #"{"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"b": {"type": "string"}}}]}"#,
    #"{"oneOf": [{}, {"type": "integer"}]}"#,
])
func overlappingOneOfIsRefusedNamingIt(schema: String) {
    do {
        _ = try JSONSchemaGrammar.gbnf(schema: schema)
        Issue.record("compiled \(schema)")
    } catch {
        #expect(error.kind == .unsupportedKeyword)
        #expect(error.message.contains("oneOf") && error.message.contains("may both match"))
    }
}

@Test func constInADraft4SchemaIsRefused() {
    let schema = #"{"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"a": {"const": 1}}}"#
    #expect(throws: GrammarError.self) { try JSONSchemaGrammar.gbnf(schema: schema) }
    _ = try? JSONSchemaGrammar.gbnf(schema: #"{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"a": {"const": 1}}}"#)
}

/// Constants that contradict their type (seen in BFCL: `"type": "boolean", "enum": ["True",
/// "False"]`) admit no value: the property must be left out, and a required one is refused.
@Test func constantsThatContradictTheirTypeAdmitNoValue() throws {
    let bytes = TokenVocabulary(tokens: (0..<256).map { [UInt8($0)] }, endTokens: [])
    let optional = #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"boolean","enum":["True","False"]}},"required":["a"]}"#
    let g = try Grammar(gbnf: JSONSchemaGrammar.gbnf(schema: optional))
    func ok(_ text: String) throws -> Bool {
        let m = try GrammarMatcher(grammar: g, vocabulary: bytes)
        return m.accept(bytes: Array(text.utf8)) && m.canEnd
    }
    #expect(try ok(#"{"a":"x"}"#))
    #expect(try !ok(#"{"a":"x","b":"True"}"#))
    let required = #"{"type":"object","properties":{"b":{"type":"boolean","enum":["True"]}},"required":["b"]}"#
    #expect(throws: GrammarError.self) { try JSONSchemaGrammar.gbnf(schema: required) }
    // Mixed: only the values of the right type remain.
    let mixed = try Grammar(gbnf: JSONSchemaGrammar.gbnf(schema: #"{"type":"integer","enum":[1,"1",2.5,3]}"#))
    for (text, valid) in [("1", true), ("3", true), ("\"1\"", false), ("2.5", false)] {
        let m = try GrammarMatcher(grammar: mixed, vocabulary: bytes)
        #expect((m.accept(bytes: Array(text.utf8)) && m.canEnd) == valid, "\(text)")
    }
}
