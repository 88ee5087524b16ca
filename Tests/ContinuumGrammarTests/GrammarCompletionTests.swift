import ContinuumGrammar
import Testing

/// Every single byte as a token, so completions tokenize one byte at a time.
private let bytes = TokenVocabulary(tokens: (0..<256).map { [UInt8($0)] }, endTokens: [])

@Test func completionLengthAndBytesCloseTheSentence() throws {
    let g = try Grammar(gbnf: "root ::= \"{\\\"a\\\": [\" item (\",\" item)* \"]}\"\nitem ::= [0-9]+ | \"\\\"\" [a-z]* \"\\\"\"")
    let m = try GrammarMatcher(grammar: g, vocabulary: bytes)
    #expect(m.completionLength == "{\"a\": [0]}".utf8.count)
    #expect(m.accept(bytes: Array("{\"a\": [12, \"xy".utf8)) == false)  // no space after the comma in this grammar
    #expect(m.accept(bytes: Array("{\"a\": [12,\"xy".utf8)))
    #expect(m.completionLength == 3)  // "]}
    let close = try #require(m.completionBytes(maxBytes: 10))
    #expect(String(decoding: close, as: UTF8.self) == "\"]}")
    #expect(m.accept(bytes: close) && m.canEnd)
    #expect(m.completionLength == 0)
}

@Test func recursionAndLimits() throws {
    let g = try Grammar(gbnf: "root ::= node\nnode ::= \"(\" node* \")\"")
    let m = try GrammarMatcher(grammar: g, vocabulary: bytes)
    #expect(m.accept(bytes: Array("(((()".utf8)))
    #expect(m.completionLength == 3)
    #expect(m.completionBytes(maxBytes: 2) == nil)
    let tokens = try #require(m.completionTokens(limit: 3))
    #expect(tokens.map { UInt8($0) } == Array(")))".utf8))
    #expect(m.completionTokens(limit: 2) == nil)
}
