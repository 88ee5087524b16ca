import ContinuumGrammar
import Testing

/// Compiles `schema` and checks each text against the grammar with the test recognizer.
private func check(_ schema: String, accepts good: [String], rejects bad: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let gbnf = try JSONSchemaGrammar.gbnf(schema: schema)
    let g = try GBNFRecognizer(gbnf)
    for t in good { #expect(g.accepts(t), "should accept \(t)\n\(gbnf)", sourceLocation: sourceLocation) }
    for t in bad { #expect(!g.accepts(t), "should reject \(t)\n\(gbnf)", sourceLocation: sourceLocation) }
}

private func error(_ schema: String, limits: JSONSchemaLimits = .default) -> GrammarError? {
    do { _ = try JSONSchemaGrammar.gbnf(schema: schema, limits: limits); return nil } catch { return error }
}

@Test func primitives() throws {
    try check(#"{"type":"string"}"#, accepts: [#""""#, #""a b""#, #""\"\\\u00e9""#, "\"é\""], rejects: [#""a"#, #""\x""#, "\"a\nb\"", "1"])
    try check(#"{"type":"integer"}"#, accepts: ["0", "-7", "123456789012345678901"], rejects: ["01", "1.0", "-", "1e3", "-0.5"])
    try check(#"{"type":"number"}"#, accepts: ["0", "-0.5", "1e-05", "3.25E+10"], rejects: ["1.", ".5", "+1", "01"])
    try check(#"{"type":"boolean"}"#, accepts: ["true", "false"], rejects: ["True", "1"])
    try check(#"{"type":"null"}"#, accepts: ["null"], rejects: ["nul", "\"null\""])
    try check(#"{}"#, accepts: ["null", #"{"a":[1,{"b":"c"}]}"#, "[]"], rejects: ["{ }", "[1,]"])
    try check(#"true"#, accepts: ["1"], rejects: ["x"])
}

@Test func objectsKeepSchemaOrderAndAllowOmittingOptional() throws {
    let s = #"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},"required":["b"]}"#
    try check(s, accepts: [#"{"b":"x"}"#, #"{"a":1,"b":"x"}"#, #"{"b":"x","c":true}"#, #"{"a":1,"b":"x","c":false}"#],
              rejects: ["{}", #"{"a":1}"#, #"{"b":"x","a":1}"#, #"{"b":"x","d":1}"#, #"{"a":1,,"b":"x"}"#, #"{,"b":"x"}"#, #"{"b":"x",}"#])
    let allOptional = #"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}"#
    try check(allOptional, accepts: ["{}", #"{"a":1}"#, #"{"b":2}"#, #"{"a":1,"b":2}"#], rejects: [#"{"b":2,"a":1}"#, #"{,"b":2}"#, #"{"a":1,}"#])
}

@Test func additionalPropertiesVariants() throws {
    // A declared name may not come back as an extra member; other names may.
    let s = #"{"type":"object","properties":{"ab":{"type":"integer"}},"required":["ab"],"additionalProperties":{"type":"string"}}"#
    try check(s, accepts: [#"{"ab":1}"#, #"{"ab":1,"a":"x"}"#, #"{"ab":1,"abc":"x","b":"y"}"#, #"{"ab":1,"":"z"}"#],
              rejects: [#"{"ab":1,"ab":"x"}"#, #"{"ab":1,"a":2}"#, #"{"a":"x"}"#])
    try check(#"{"type":"object"}"#, accepts: ["{}", #"{"k":[1]}"#, #"{"k":1,"j":null}"#], rejects: ["[]", #"{"k":}"#])
    try check(#"{"type":"object","additionalProperties":false}"#, accepts: ["{}"], rejects: [#"{"k":1}"#])
}

@Test func typeArraysEnumConstAnyOf() throws {
    try check(#"{"type":["string","null"],"maxLength":2}"#, accepts: ["null", #""ab""#], rejects: [#""abc""#, "1"])
    try check(#"{"enum":["red","green",3,null,{"a":[1]}]}"#, accepts: [#""red""#, "3", "null", #"{"a":[1]}"#], rejects: [#""blue""#, "4", #""Red""#])
    try check(#"{"const":"a\"b"}"#, accepts: [#""a\"b""#], rejects: [#""ab""#])
    try check(#"{"anyOf":[{"type":"integer","minimum":10},{"type":"string","pattern":"^x+$"}]}"#, accepts: ["10", "999", #""xx""#], rejects: ["9", #""xy""#])
    try check(#"{"oneOf":[{"type":"boolean"},{"type":"null"}]}"#, accepts: ["true", "null"], rejects: ["0"])
}

@Test func arrays() throws {
    try check(#"{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}"#, accepts: ["[1,2]", "[1,2,3]"], rejects: ["[]", "[1]", "[1,2,3,4]", "[1,\"a\"]"])
    try check(#"{"type":"array","items":{"type":"integer"}}"#, accepts: ["[]", "[1]", "[1,2,3]"], rejects: ["[,]", "[1,]"])
    try check(#"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#, accepts: ["[]", #"["a"]"#, #"["a",1]"#], rejects: [#"["a",1,2]"#, "[1]"])
    try check(#"{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"boolean"},"minItems":2}"#, accepts: [#"["a",true]"#, #"["a",true,false]"#], rejects: [#"["a"]"#, #"["a",1]"#])
    try check(#"{"type":"array","items":[{"type":"null"}],"additionalItems":false}"#, accepts: ["[]", "[null]"], rejects: ["[null,null]"])
}

@Test func refsAndRecursion() throws {
    let s = #"""
    {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}},
     "$ref":"#/$defs/node"}
    """#
    try check(s, accepts: [#"{"v":1,"next":null}"#, #"{"v":1,"next":{"v":2,"next":{"v":3,"next":null}}}"#], rejects: [#"{"v":1}"#, #"{"v":1,"next":{"v":2}}"#])
    let defs = ##"{"definitions":{"a":{"type":"array","items":{"$ref":"#"}}},"anyOf":[{"type":"integer"},{"$ref":"#/definitions/a"}]}"##
    try check(defs, accepts: ["1", "[]", "[1,[2,[]]]"], rejects: ["[\"x\"]"])
    #expect(error(##"{"$ref":"#/$defs/missing"}"##)?.kind == .invalidSchema)
    #expect(error(#"{"$ref":"https://example.com/s.json"}"#)?.kind == .unsupportedKeyword)
}

@Test func stringLengthsAndFormats() throws {
    try check(#"{"type":"string","minLength":2,"maxLength":3}"#, accepts: [#""ab""#, #""a\nb""#, #""abc""#], rejects: [#""a""#, #""abcd""#])
    try check(#"{"type":"string","format":"date"}"#, accepts: [#""2024-02-29""#], rejects: [#""2024-13-01""#, #""24-01-01""#])
    try check(#"{"type":"string","format":"time"}"#, accepts: [#""23:59:59Z""#, #""01:02:03.5+05:30""#], rejects: [#""24:00:00Z""#, #""12:00:00""#])
    try check(#"{"type":"string","format":"date-time"}"#, accepts: [#""2024-01-02T03:04:05Z""#], rejects: [#""2024-01-02 03:04:05Z""#])
    try check(#"{"type":"string","format":"uuid"}"#, accepts: [#""123e4567-e89b-12d3-a456-426614174000""#], rejects: [#""123e4567e89b12d3a456426614174000""#])
    try check(#"{"type":"string","format":"email"}"#, accepts: [#""a.b+c@example.co.uk""#], rejects: [#""a@b""#, #""@example.com""#, #""a b@c.de""#])
    try check(#"{"type":"string","format":"ipv4"}"#, accepts: [#""192.168.0.255""#, #""0.0.0.0""#], rejects: [#""256.1.1.1""#, #""1.2.3""#, #""01.2.3.4""#])
    #expect(error(#"{"type":"string","format":"uri-template"}"#)?.message.contains("format") == true)
}

@Test func integerBoundsAreExact() throws {
    for (lo, hi) in [(0, 9), (5, 123), (-20, 7), (-300, -17), (1, 1), (99, 1000)] {
        let g = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: #"{"type":"integer","minimum":\#(lo),"maximum":\#(hi)}"#))
        for v in (lo - 30)...(hi + 30) {
            #expect(g.accepts(String(v)) == (lo...hi).contains(v), "\(v) in \(lo)...\(hi)")
        }
        #expect(!g.accepts("-0"))
    }
    let ex = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: #"{"type":"integer","exclusiveMinimum":10}"#))
    for v in -5...200 { #expect(ex.accepts(String(v)) == (v > 10)) }
    #expect(ex.accepts("123456789012"))
    let upper = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: #"{"type":"integer","maximum":-3,"exclusiveMaximum":true,"minimum":-1000}"#))
    for v in -1010...10 { #expect(upper.accepts(String(v)) == (v > -1001 && v < -3)) }
}

@Test func numberBoundsAreExact() throws {
    let g = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: #"{"type":"number","minimum":-2,"exclusiveMaximum":3}"#))
    let cases: [(String, Bool)] = [("-2", true), ("-2.0", true), ("-2.01", false), ("-1.5", true), ("0", true), ("-0.25", true),
                                   ("2.999", true), ("3", false), ("3.0", false), ("3.5", false), ("-3", false), ("10", false)]
    for (t, ok) in cases { #expect(g.accepts(t) == ok, "\(t)") }
    let pos = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: #"{"type":"number","exclusiveMinimum":0}"#))
    for (t, ok) in [("0", false), ("0.0", false), ("0.001", true), ("7", true), ("-1", false), ("12.5", true)] { #expect(pos.accepts(t) == ok, "\(t)") }
    #expect(error(#"{"type":"number","minimum":0.5}"#)?.kind == .unsupportedKeyword)
}

@Test func patternsAreSearchedAndJSONEscaped() throws {
    try check(#"{"type":"string","pattern":"^[A-Z]{2}-\\d{3}$"}"#, accepts: [#""AB-123""#], rejects: [#""AB-12""#, #""xAB-123""#])
    try check(#"{"type":"string","pattern":"ab"}"#, accepts: [#""ab""#, #""xxabyy""#], rejects: [#""a b""#])
    try check(#"{"type":"string","pattern":"^a\"b\\\\c.$"}"#, accepts: [#""a\"b\\cz""#, #""a\"b\\c\t""#], rejects: [#""a"b\cz""#, #""a\"b\\c\n""#])
}

@Test func unsupportedKeywordsAreNamedWithTheirPath() {
    let e = error(#"{"type":"object","properties":{"a":{"type":"array","uniqueItems":true}}}"#)
    #expect(e?.kind == .unsupportedKeyword)
    #expect(e?.message.contains("uniqueItems") == true)
    #expect(e?.message.contains("#/properties/a") == true)
    #expect(error(#"{"type":"object","patternProperties":{"^x":{}}}"#)?.message.contains("patternProperties") == true)
    #expect(error(#"{"not":{"type":"string"}}"#)?.kind == .unsupportedKeyword)
    #expect(error(#"{"type":"string","pattern":"(a)\\1"}"#)?.kind == .invalidPattern)
    #expect(error(#"{"type":"integer","multipleOf":3}"#)?.message.contains("multipleOf") == true)
    #expect(error(#"{"type":"string","title":"t","description":"d","examples":["x"],"default":"x","$comment":"c","deprecated":false}"#) == nil)
    #expect(error(#"{"type":"object""#)?.kind == .invalidSchema)
    #expect(error(#"{"type":"strin"}"#)?.kind == .invalidSchema)
    #expect(error(#"false"#)?.kind == .unusable)
}

@Test func hostileSchemasHitNamedLimits() {
    let manyProps = "{\"type\":\"object\",\"properties\":{" + (0..<5_000).map { "\"p\($0)\":{\"type\":\"integer\"}" }.joined(separator: ",") + "}}"
    #expect(error(manyProps)?.message.contains("maxProperties") == true)
    let bigEnum = "{\"enum\":[" + (0..<20_000).map(String.init).joined(separator: ",") + "]}"
    #expect(error(bigEnum)?.message.contains("maxEnumEntries") == true)
    #expect(error(#"{"type":"string","minLength":1000000}"#)?.message.contains("maxRepetition") == true)
    #expect(error(#"{"type":"string","pattern":"^(a{1,1000}){1,1000}$"}"#)?.message.contains("maxRepetition") == true)
    #expect(error(#"{"type":"array","maxItems":99999999}"#)?.message.contains("maxRepetition") == true)
    let deep = String(repeating: "{\"type\":\"array\",\"items\":", count: 500) + "{}" + String(repeating: "}", count: 500)
    #expect(error(deep)?.message.contains("maxNestingDepth") == true)
    let small = JSONSchemaLimits(maxSchemaBytes: 10)
    #expect(error(#"{"type":"string"}"#, limits: small)?.message.contains("maxSchemaBytes") == true)
    // Many $defs referring to each other in a chain: one rule each, no blow-up.
    let chain = "{\"$defs\":{" + (0..<500).map { "\"d\($0)\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/d\($0 + 1)\"}}" }.joined(separator: ",")
        + ",\"d500\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/d0\"}"
    #expect(error(chain) == nil)
    #expect(error(chain, limits: JSONSchemaLimits(maxRefExpansions: 100))?.message.contains("maxRefExpansions") == true)
    // Mutual recursion with no base case still compiles (to rules) and terminates.
    #expect(error(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##)?.kind == .unusable)
    #expect(error(##"{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"}"##)?.kind == .unusable)
    #expect(error(##"{"$ref":"#anchor"}"##)?.kind == .unsupportedKeyword)
}

@Test func rulePrefixNamesEveryRule() throws {
    let gbnf = try JSONSchemaGrammar.gbnf(schema: #"{"type":"object","properties":{"a":{"type":"string"}}}"#, rulePrefix: "t1-")
    for line in gbnf.split(separator: "\n") { #expect(line.hasPrefix("t1-")) }
    #expect(gbnf.hasPrefix("t1-root ::= "))
    let g = try GBNFRecognizer(gbnf)
    #expect(g.accepts(#"{"a":"x"}"#, root: "t1-root"))
}

@Test func anyJSONObjectAcceptsObjectsOnly() throws {
    let g = try GBNFRecognizer(JSONSchemaGrammar.anyJSONObject())
    #expect(g.accepts(#"{"a":{"b":[1,2.5,true,null,"x"]}}"#))
    #expect(g.accepts("{}"))
    #expect(!g.accepts("[]"))
    #expect(!g.accepts("\"x\""))
}

@Test func allOfAndSiblingKeywordsAreMerged() throws {
    let s = ##"""
    {"$defs":{"base":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}},
     "allOf":[{"$ref":"#/$defs/base"},{"properties":{"name":{"type":"string","maxLength":3}},"required":["name"]}]}
    """##
    try check(s, accepts: [#"{"id":1,"name":"ab"}"#], rejects: [#"{"id":1}"#, #"{"name":"ab"}"#, #"{"id":1,"name":"abcd"}"#])
    let dist = #"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"anyOf":[{"required":["a"]},{"required":["b"]}]}"#
    try check(dist, accepts: [#"{"a":1}"#, #"{"b":2}"#, #"{"a":1,"b":2}"#], rejects: ["{}"])
    let refSibling = ##"{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2}"##
    try check(refSibling, accepts: [#""ab""#], rejects: [#""abc""#, "1"])
    try check(#"{"allOf":[{"type":["integer","string"]},{"type":"integer","minimum":3}]}"#, accepts: ["3"], rejects: ["2", #""x""#])
    #expect(error(#"{"allOf":[{"type":"string"},{"type":"integer"}]}"#)?.kind == .unusable)
    #expect(error(#"{"allOf":[{"pattern":"a"},{"pattern":"b"}]}"#)?.kind == .unsupportedKeyword)
}

@Test func uriAndHostnameFormats() throws {
    try check(#"{"type":"string","format":"uri"}"#, accepts: [#""https://example.com/a?b=c""#, #""urn:isbn:0451450523""#], rejects: [#""example.com""#, #""http://a b""#, #""1http://x""#])
    try check(#"{"type":"string","format":"hostname"}"#, accepts: [#""example.com""#, #""a-b.c""#, #""localhost""#], rejects: [#""-a.com""#, #""a..b""#, #""a_b.com""#])
}

@Test func falsePropertiesAndContradictingBranches() throws {
    try check(#"{"type":"object","properties":{"a":{"type":"integer"},"b":false},"additionalProperties":true}"#,
              accepts: [#"{"a":1}"#, #"{"a":1,"c":2}"#], rejects: [#"{"a":1,"b":2}"#])
    try check(#"{"type":"string","anyOf":[{"type":"integer"},{"maxLength":1}]}"#, accepts: [#""x""#], rejects: ["1", #""xy""#])
}

@Test func nestingJustUnderTheLimitCompiles() throws {
    // 31 levels of object-in-array: four JSON nestings of the schema text each (124 < 128).
    var s = #"{"type":"integer"}"#
    for _ in 0..<31 { s = #"{"type":"array","items":{"type":"object","properties":{"a":\#(s)},"required":["a"]}}"# }
    let g = try GBNFRecognizer(try JSONSchemaGrammar.gbnf(schema: s))
    let text = String(repeating: #"[{"a":"#, count: 31) + "1" + String(repeating: "}]", count: 31)
    #expect(g.accepts(text))
}
