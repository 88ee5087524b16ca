import ContinuumGrammar
import Testing

@Suite struct GrammarAcceptanceTests {
    @Test(arguments: [
        #"{}"#,
        #"{"a": 1}"#,
        #"{"name": "Zoë 😀", "n": -12.5e3, "ok": true, "x": null, "list": [1, [2, {}], "s"]}"#,
        "{\n  \"k\": \"esc \\\" \\\\ \\n \\u00e9\"\n}",
        #"{"deep": [[[[[[[[[[1]]]]]]]]]]}"#,
    ])
    func jsonAcceptsValidDocuments(_ text: String) throws {
        #expect(try matches(jsonGBNF, text))
    }

    @Test(arguments: [
        #"[1, 2]"#,  // root is an object
        #"{"a" 1}"#,
        #"{"a": 01}"#,
        #"{"a": 1,}"#,
        "{\"a\": \"tab\there\"}",  // raw control character in a string
        #"{"a": "\x"}"#,
        #"{"a": "\u12G4"}"#,
        #"{'a': 1}"#,
        #"{"a": tru}"#,
        #"{"a": 1} x"#,
    ])
    func jsonRefusesInvalidDocuments(_ text: String) throws {
        #expect(try !matches(jsonGBNF, text))
    }

    @Test func jsonRefusesAtTheFirstBadByte() throws {
        #expect(try isPrefix(jsonGBNF, Array(#"{"a": [1, 2"#.utf8)))
        #expect(try !isPrefix(jsonGBNF, Array(#"{"a": [1, 2}"#.utf8)))
        // A refused byte leaves the matcher where it was.
        let m = try GrammarMatcher(grammar: try Grammar(gbnf: jsonGBNF), vocabulary: byteVocabulary)
        #expect(m.accept(bytes: Array(#"{"a""#.utf8)))
        #expect(!m.accept(bytes: Array(#"}"#.utf8)))
        #expect(m.accept(bytes: Array(#": 1}"#.utf8)))
        #expect(m.canEnd && !m.mustEnd)  // `ws` may still follow
    }

    @Test func arithmetic() throws {
        #expect(try matches(arithmeticGBNF, "1+2=3\n"))
        #expect(try matches(arithmeticGBNF, "(a +b_1) *42 = x\ny/2=7\n"))
        #expect(try !matches(arithmeticGBNF, "a+ b=1\n"))  // no space after an operator in this grammar
        #expect(try !matches(arithmeticGBNF, "1+2=3"))  // needs the newline
        #expect(try !matches(arithmeticGBNF, "1++2=3\n"))
        #expect(try !matches(arithmeticGBNF, "(1=2\n"))
    }

    @Test func multiByteCharacterClasses() throws {
        let g = "root ::= [α-ω]+ [^a-z\\u00e9]"
        #expect(try matches(g, "αβγZ"))
        #expect(try matches(g, "ω😀"))
        #expect(try !matches(g, "αβγz"))
        #expect(try !matches(g, "αé"))
        #expect(try !matches(g, "Aa"))
        // Byte by byte: the first byte of β (CE B2) is a valid prefix, a stray continuation byte is not.
        #expect(try isPrefix(g, [0xCE]))
        #expect(try !isPrefix(g, [0xB2]))
        // A lead byte outside the class's ranges (ψ..ω share CF; Ж is D0 96).
        #expect(try !isPrefix(g, [0xD0]))
        // Invalid UTF-8 is never matched by `.`, even overlong or surrogate encodings.
        #expect(try !isPrefix("root ::= .", [0xC0]))
        #expect(try !isPrefix("root ::= .", [0xED, 0xA0]))
        #expect(try matches("root ::= . .", "\u{10FFFF}\u{E000}"))
    }

    @Test func repetitionBounds() throws {
        let g = #"root ::= "a"{2,4} "b"{3} ("c" "d"){1,} "e"{0,1} "f"{2,}"#
        #expect(try matches(g, "aabbbcdff"))
        #expect(try matches(g, "aaaabbbcdcdcdefff"))
        #expect(try !matches(g, "abbbcdff"))
        #expect(try !matches(g, "aaaaabbbcdff"))
        #expect(try !matches(g, "aabbcdff"))
        #expect(try !matches(g, "aabbbff"))
        #expect(try !matches(g, "aabbbcdeeff"))
        #expect(try !matches(g, "aabbbcdf"))
        #expect(try matches(#"root ::= [0-9]{0}"#, ""))
    }

    @Test func mustEndWhenNothingCanFollow() throws {
        let m = try GrammarMatcher(grammar: try Grammar(gbnf: #"root ::= "yes" | "no""#), vocabulary: byteVocabulary)
        #expect(!m.canEnd)
        #expect(m.accept(bytes: Array("no".utf8)))
        #expect(m.canEnd && m.mustEnd)
        #expect(!m.accept(bytes: [UInt8(ascii: "x")]))
    }

    @Test func ambiguousGrammarsStayBounded() throws {
        // Every "a" can be either alternative, at three levels: without hash-consing and
        // deduplicated states this is 6^n stacks.
        let g = "root ::= (x | x | y)*\nx ::= \"a\" | \"a\" \"a\"\ny ::= (\"a\")+"
        #expect(try matches(g, String(repeating: "a", count: 500)))
    }

    @Test func deepNestingIsCappedNotCrashing() throws {
        var limits = GrammarLimits.default
        limits.maxStackDepth = 64
        let g = try Grammar(gbnf: jsonGBNF, limits: limits)
        let m = try GrammarMatcher(grammar: g, vocabulary: byteVocabulary)
        let deep = Array(#"{"a": "# .utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 200)
        // Past the depth bound the next "[" is refused; the bytes before it are fine.
        #expect(!m.accept(bytes: deep))
        #expect(m.accept(bytes: Array(#"{"a": [[[1]]]}"#.utf8)))
    }
}
