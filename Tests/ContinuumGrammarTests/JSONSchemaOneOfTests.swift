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
