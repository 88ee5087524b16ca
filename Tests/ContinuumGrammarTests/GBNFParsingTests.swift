import ContinuumGrammar
import Testing

@Suite struct GBNFParsingTests {
    @Test func llamaCppGrammarsParse() throws {
        #expect(try Grammar(gbnf: jsonGBNF).ruleCount > 6)
        #expect(try Grammar(gbnf: arithmeticGBNF).ruleCount > 6)
    }

    @Test func commentsDashedNamesAndContinuationLines() throws {
        let g = """
            # a comment line
            root ::= first-part |  # trailing comment; a line may not start with '|' (as in llama.cpp)
              "b" (
                "c" |
                "d"
              )
            first-part ::= "a"{2} [\\x41-\\x43]? .
            """
        #expect(try matches(g, "aaB!"))
        #expect(try matches(g, "aa€"))
        #expect(try matches(g, "bd"))
        #expect(try !matches(g, "b"))
    }

    @Test func escapesInLiteralsAndClasses() throws {
        let g = #"root ::= "\x41\u00e9\U0001F600\t\n\\\"" [\]\[\-]"#
        #expect(try matches(g, "Aé😀\t\n\\\"]"))
        #expect(try matches(g, "Aé😀\t\n\\\"-"))
        #expect(try !matches(g, "Aé😀\t\n\\\"x"))
    }

    @Test(arguments: [
        ("root ::= foo", GrammarError.Kind.undefinedRule, "rule 'foo' is used in rule 'root' but never defined (line 1, column 10)"),
        ("start ::= \"a\"", .undefinedRule, "grammar has no rule named 'root' (the root)"),
        ("root \"a\"", .syntax, "expecting '::=' after rule name 'root' at line 1, column 6"),
        ("root ::= \"abc", .syntax, "unterminated string literal at line 1, column 14"),
        ("root ::= [a-", .syntax, "unterminated character class at line 1, column 13"),
        ("root ::= \"\\q\"", .syntax, "unknown escape '\\q' at line 1, column 11"),
        ("root ::= * \"a\"", .syntax, "expecting an item before '*' at line 1, column 10"),
        ("root ::= \"a\"{3,1}", .syntax, "repetition {3,1} has max below min at line 1, column 18"),
        ("root ::= (\"a\" | \"b\"", .syntax, "expecting ')' at line 1, column 20"),
        ("root ::= \"a\" )", .syntax, "expecting newline or end of grammar at line 1, column 14"),
        ("root ::= [z-a]", .syntax, "character range is reversed at line 1, column 14"),
        ("root ::= \"a\"\nroot ::= \"b\"", .syntax, "rule 'root' is defined twice (line 2, column 1)"),
        ("root ::= expr\nexpr ::= expr \"+\" num | num\nnum ::= [0-9]+", .unusable,
         "rule 'expr' is left-recursive (expr -> expr); rewrite it as right recursion or a repetition"),
        ("root ::= a\na ::= b? \"x\" | \"y\"\nb ::= a", .unusable,
         "rule 'a' is left-recursive (a -> b -> a); rewrite it as right recursion or a repetition"),
        ("root ::= \"a\" root", .unusable, "rule 'root' can never match a complete string"),
    ])
    func badGrammarsNameTheFault(source: String, kind: GrammarError.Kind, message: String) {
        #expect(throws: GrammarError(kind, message)) { try Grammar(gbnf: source) }
    }

    @Test func nullableStarIsLeftRecursion() {
        // `("")*` would loop forever in the expansion; llama.cpp refuses it too.
        #expect(throws: GrammarError.self) { try Grammar(gbnf: #"root ::= ("" | "a")* "b""#) }
    }

    @Test func customRootName() throws {
        let g = try Grammar(gbnf: "top ::= \"x\"", root: "top")
        let m = try GrammarMatcher(grammar: g, vocabulary: byteVocabulary)
        #expect(m.accept(bytes: [UInt8(ascii: "x")]) && m.mustEnd)
    }
}
