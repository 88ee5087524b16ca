import ContinuumGrammar
import Foundation
import Testing

/// Tokens for the mask tests: every single byte (ids 0...255), then multi-byte fragments that
/// cross grammar boundaries and UTF-8 characters, one control token and one end token.
let fragmentTokens: [[UInt8]] = {
    var t: [[UInt8]] = (0...255).map { [UInt8($0)] }
    let texts = ["{", "{\"", "\":", "\": ", "\": \"", " \"", "\"}", "\"},", "true", "tr", "ue", "null", "nul", "12", "1.5e",
                 "-0", "é", "é\"", "\\u00", "\\n", "\\", "},", "}", " }", "\n  ", "😀", "[[", "]]", "[1,", "name", "ab", "abc",
                 "\"a\"", "{\"a\": ", "  ", "    ", ", \"", "ünïcödé", "日本", "x\"}"]
    t += texts.map { Array($0.utf8) }
    t += [[0xC3], [0xA9, 0x22], [0xF0, 0x9F], [0x98, 0x80], [0xE6, 0x97], [0xFF, 0xFE]]
    t.append([])  // control token
    t.append(Array("</s>".utf8))  // end token (its bytes are never matched as text)
    return t
}()
let fragmentEnd = Int32(fragmentTokens.count - 1)
let fragmentVocabulary = TokenVocabulary(tokens: fragmentTokens, endTokens: [fragmentEnd])

/// The simple reference: a fresh matcher per token, fed the prefix and then the token.
func bruteForceMask(_ grammar: Grammar, _ vocab: TokenVocabulary, prefix: [UInt8]) throws -> [UInt32] {
    var words = [UInt32](repeating: 0, count: (vocab.count + 31) / 32)
    for id in 0..<Int32(vocab.count) {
        let m = try GrammarMatcher(grammar: grammar, vocabulary: vocab)
        #expect(m.accept(bytes: prefix))
        if m.accept(id) { words[Int(id) >> 5] |= 1 << UInt32(id & 31) }
    }
    return words
}

let jsonPrefixes: [String] = ["", "{", "{\"", "{\"a\": ", "{\"a\": \"x", "{\"a\": 12", "{\"a\": \"\u{E9}", "{\"a\": [1, {\"b\": tr",
                              "{\"a\": 1}", "{\"a\": \"\\u00", "{\"a\": {\"b\": [[[", "{\n  \"k\": -0.5E"]

@Suite struct TokenMaskTests {
    @Test(arguments: jsonPrefixes)
    func maskEqualsBruteForce(prefix: String) throws {
        let g = try Grammar(gbnf: jsonGBNF)
        let m = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        #expect(m.accept(bytes: Array(prefix.utf8)))
        let fast = mask(m, fragmentVocabulary.count)
        #expect(fast == (try bruteForceMask(g, fragmentVocabulary, prefix: Array(prefix.utf8))))
        // The cached mask (second call) is the same, and control tokens are never allowed.
        #expect(mask(m, fragmentVocabulary.count) == fast)
        #expect(!isSet(fast, fragmentTokens.count - 2))
        #expect(isSet(fast, Int(fragmentEnd)) == m.canEnd)
    }

    @Test func partialUTF8StateMasks() throws {
        // After the first byte of "é" only continuation bytes (and tokens starting with one) fit.
        let g = try Grammar(gbnf: #"root ::= "\"" [^"]* "\"""#)
        let m = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        #expect(m.accept(bytes: [0x22, 0xC3]))
        let w = mask(m, fragmentVocabulary.count)
        #expect(isSet(w, 0xA9) && !isSet(w, 0x41) && !isSet(w, 0xC3))
        let tail = fragmentTokens.firstIndex(of: [0xA9, 0x22])!
        #expect(isSet(w, tail))
        #expect(w == (try bruteForceMask(g, fragmentVocabulary, prefix: [0x22, 0xC3])))
    }

    @Test func applyMaskSetsMinusInfinity() throws {
        let m = try GrammarMatcher(grammar: try Grammar(gbnf: #"root ::= "true" | "null""#), vocabulary: fragmentVocabulary)
        var logits = [Float](repeating: 1, count: fragmentVocabulary.count)
        logits.withUnsafeMutableBufferPointer { m.applyMask(to: $0.baseAddress!) }
        let allowed = logits.indices.filter { logits[$0] == 1 }.map { fragmentTokens[$0] }
        #expect(Set(allowed) == Set(["t", "n", "tr", "true", "null", "nul"].map { Array($0.utf8) }))
        #expect(logits.allSatisfy { $0 == 1 || $0 == -.infinity })
    }

    @Test func endTokensOnlyWhenComplete() throws {
        let m = try GrammarMatcher(grammar: try Grammar(gbnf: #"root ::= "ab" "c"?"#), vocabulary: fragmentVocabulary)
        #expect(!m.accept(fragmentEnd))
        #expect(m.accept(Int32(fragmentTokens.firstIndex(of: Array("ab".utf8))!)))
        #expect(isSet(mask(m, fragmentVocabulary.count), Int(fragmentEnd)))
        #expect(m.accept(fragmentEnd))
        #expect(!m.accept(Int32(fragmentTokens.count - 2)))  // control token
    }

    @Test func forcedTokensSpellTheUniqueContinuation() throws {
        let g = try Grammar(gbnf: #"root ::= "{\"name\": \"" [a-z]+ "\"}""#)
        let m = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        let forced = m.forcedTokens(limit: 10)
        #expect(forced.map { String(decoding: fragmentTokens[Int($0)], as: UTF8.self) } == ["{\"", "name", "\": \""])
        #expect(m.forcedTokens(limit: 2).count == 2)
        for t in forced { #expect(m.accept(t)) }
        #expect(m.forcedTokens(limit: 10).isEmpty)  // a letter is a choice
        #expect(m.accept(bytes: Array("abc".utf8)))
        #expect(m.forcedTokens(limit: 10).isEmpty)  // another letter or the quote
        #expect(m.accept(bytes: [0x22]))
        #expect(m.forcedTokens(limit: 10).map { fragmentTokens[Int($0)] } == [[UInt8(ascii: "}")]])
    }

    /// Every prefix of a document with strings in several contexts (key, value, array item,
    /// nested object), one shared grammar: the context-free masks computed for the first
    /// string serve the later ones and must still equal the brute force.
    @Test(arguments: [GrammarLimits.default, { var l = GrammarLimits.default; l.maxStackDepth = 9; return l }()])
    func everyPrefixMatchesBruteForce(limits: GrammarLimits) throws {
        let g = try Grammar(gbnf: jsonGBNF, limits: limits)
        let reference = try Grammar(gbnf: jsonGBNF, limits: limits)
        let doc = Array(#"{"ab": "x\"é", "k": ["a", {"n": [[1, "ü"]], "é": "日本"}], "e": "😀"}"#.utf8)
        let m = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        var accepted = 0
        for i in 0..<doc.count {
            #expect(mask(m, fragmentVocabulary.count) == (try bruteForceMask(reference, fragmentVocabulary, prefix: Array(doc[..<i]))), "prefix \(i)")
            guard m.accept(bytes: [doc[i]]) else { break }
            accepted += 1
        }
        // With a depth bound of 9 the nested arrays are refused part way.
        #expect((accepted == doc.count) == (limits.maxStackDepth > 9))
    }

    @Test func sharedCacheServesOtherMatchers() throws {
        let g = try Grammar(gbnf: jsonGBNF)
        let a = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        let b = try GrammarMatcher(grammar: g, vocabulary: fragmentVocabulary)
        #expect(a.accept(bytes: Array("{\"k\": \"v".utf8)))
        let first = mask(a, fragmentVocabulary.count)
        #expect(b.accept(bytes: Array("{\"k\": \"v".utf8)))
        #expect(mask(b, fragmentVocabulary.count) == first)
        #expect(b.accept(bytes: Array("w\"}".utf8)) && b.canEnd)
        #expect(mask(a, fragmentVocabulary.count) == first)  // a did not move
    }
}

@Suite struct RealVocabularyMaskTests {
    @Test(arguments: [smolVocabularyPath, qwenVocabularyPath])
    func maskEqualsBruteForceOnRealVocabulary(path: String) throws {
        guard let vocab = loadVocabulary(path) else { return }  // written by scripts/export-vocab-bytes.py
        let g = try Grammar(gbnf: jsonGBNF)
        for prefix in ["{", "{\"a\": \"x", "{\"a\": 1", "{\"a\": [\"", "{\"a\": {\"b\": \"ü", "{\"a\": [1, {\""] {
            let m = try GrammarMatcher(grammar: g, vocabulary: vocab)
            #expect(m.accept(bytes: Array(prefix.utf8)))
            let fast = mask(m, vocab.count)
            let slow = try bruteForceMask(g, vocab, prefix: Array(prefix.utf8))
            #expect(fast == slow, "prefix \(prefix)")
            #expect(fast.reduce(0) { $0 + $1.nonzeroBitCount } > 10)
        }
    }
}
