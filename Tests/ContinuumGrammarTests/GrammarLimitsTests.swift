import ContinuumGrammar
import Testing

@Suite struct GrammarLimitsTests {
    private func expectLimit(_ gbnf: String, naming limit: String, _ limits: GrammarLimits = .default) {
        do {
            _ = try Grammar(gbnf: gbnf, limits: limits)
            Issue.record("expected limitExceeded for \(limit)")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.message.contains(limit), "\(error.message)")
        }
    }

    @Test func hugeRepetitionCount() {
        expectLimit(#"root ::= "x"{1000000}"#, naming: "maxRepetition=10000")
        expectLimit(#"root ::= "x"{2,99999999999999999999}"#, naming: "maxRepetition")
    }

    @Test func nestedRepetitionBlowUp() {
        var limits = GrammarLimits.default
        limits.maxElements = 50_000
        expectLimit(#"root ::= "ab"{0,10000} "cd"{0,10000}"#, naming: "maxElements=50000", limits)
        // Nested bounds expand linearly (each level is one rule), so this one is small.
        #expect(throws: Never.self) { try Grammar(gbnf: #"root ::= (("ab"{0,100}){0,100}){0,100}"#, limits: limits) }
    }

    @Test func hugeGrammarText() {
        var limits = GrammarLimits.default
        limits.maxGrammarBytes = 1_000
        expectLimit("root ::= \"" + String(repeating: "a", count: 2_000) + "\"", naming: "maxGrammarBytes=1000", limits)
    }

    @Test func tooManyRules() {
        var limits = GrammarLimits.default
        limits.maxRules = 100
        let rules = (0..<200).map { "r\($0) ::= \"x\"" }.joined(separator: "\n")
        expectLimit("root ::= r0\n" + rules, naming: "maxRules=100", limits)
    }

    @Test func deepParentheses() {
        expectLimit("root ::= " + String(repeating: "(", count: 100_000) + "\"a\"" + String(repeating: ")", count: 100_000),
                    naming: "nested deeper than 256")
    }

    @Test func liveStacksAreCapped() throws {
        // 300 rules that all start with "b": after "a", 300 live stacks.
        var limits = GrammarLimits.default
        limits.maxLiveStacks = 100
        let names = (0..<300).map { "r\($0)" }
        let gbnf = "root ::= \"a\" (" + names.joined(separator: " | ") + ")\n"
            + names.enumerated().map { "\($1) ::= \"b\" [a-z]{\($0 + 1)}" }.joined(separator: "\n")
        let m = try GrammarMatcher(grammar: try Grammar(gbnf: gbnf, limits: limits), vocabulary: byteVocabulary)
        #expect(!m.accept(bytes: [UInt8(ascii: "a")]))
        let unlimited = try GrammarMatcher(grammar: try Grammar(gbnf: gbnf), vocabulary: byteVocabulary)
        #expect(unlimited.accept(bytes: Array("abbb".utf8)))
    }

    @Test func cacheFlushKeepsMatchersCorrect() throws {
        // A tiny state cache forces flushes mid-document (and mid-walk); the result must not change.
        var limits = GrammarLimits.default
        limits.maxCachedStates = 16  // one mask walk of this grammar needs more than 16 but at most 32
        limits.maxCachedMaskBytes = 64
        let g = try Grammar(gbnf: jsonGBNF, limits: limits)
        let m = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        let doc = #"{"a": [1, 2.5, {"b": "ünï"}], "c": null}"#
        for (i, b) in doc.utf8.enumerated() {
            let prefix = Array(doc.utf8.prefix(i))
            if i % 7 == 0 {
                #expect(mask(m, fragmentVocabulary.count) == (try bruteForceMask(try Grammar(gbnf: jsonGBNF), fragmentVocabulary, prefix: prefix)))
            }
            #expect(m.accept(bytes: [b]))
        }
        #expect(m.canEnd)
    }
}
