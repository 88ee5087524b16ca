import ContinuumGGUF
import ContinuumTokenizers
import Testing

/// Tricky texts against ids from llama.cpp (see ReferenceCases.swift), for every
/// pre-tokenizer: SmolLM2's and Qwen2's own, and llama-bpe, gpt-2 and default run on the
/// Qwen2.5 vocabulary (no small llama-bpe model is at hand; the splits are what differ).
@Suite struct ReferenceTests {
    static func qwen(pre: String) throws -> Tokenizer {
        var metadata = try Fixtures.qwenGGUF.get().metadata
        metadata["tokenizer.ggml.pre"] = .string(pre)
        return try Tokenizer(metadata: metadata)
    }

    func check(_ tok: Tokenizer, _ expected: [[Int32]], _ name: String, parseSpecial: Bool = true) {
        #expect(expected.count == ReferenceCases.texts.count)
        for (text, ids) in zip(ReferenceCases.texts, expected) {
            #expect(tok.encode(text, addBOS: false, parseSpecial: parseSpecial) == ids, "\(name): \(text.debugDescription)")
        }
    }

    @Test func smollm() throws { check(try Fixtures.smol.get(), ReferenceCases.smollm, "smollm") }
    @Test func qwen2() throws { check(try Fixtures.qwen.get(), ReferenceCases.qwen2, "qwen2") }
    @Test func qwen2WithoutParsingSpecialTokens() throws {
        check(try Fixtures.qwen.get(), ReferenceCases.qwen2NoSpecial, "qwen2 no special", parseSpecial: false)
    }
    @Test func llamaBPE() throws { check(try Self.qwen(pre: "llama-bpe"), ReferenceCases.llamaBPEOnQwenVocabulary, "llama-bpe") }
    @Test func gpt2() throws { check(try Self.qwen(pre: "gpt-2"), ReferenceCases.gpt2OnQwenVocabulary, "gpt-2") }
    @Test func defaultPreTokenizer() throws { check(try Self.qwen(pre: "default"), ReferenceCases.defaultOnQwenVocabulary, "default") }

    func checkWords(_ tok: Tokenizer, _ expected: [[String]], _ name: String) {
        #expect(expected.count == ReferenceCases.texts.count)
        for (text, words) in zip(ReferenceCases.texts, expected) {
            #expect(tok.preTokenize(text) == words, "\(name): \(text.debugDescription)")
        }
    }

    @Test func preTokenizerWordsMatchTheRegexes() throws {
        checkWords(try Fixtures.smol.get(), ReferenceWords.smollm, "smollm")
        checkWords(try Fixtures.qwen.get(), ReferenceWords.qwen2, "qwen2")
        checkWords(try Self.qwen(pre: "llama-bpe"), ReferenceWords.llamaBPE, "llama-bpe")
        checkWords(try Self.qwen(pre: "gpt-2"), ReferenceWords.gpt2, "gpt-2")
        checkWords(try Self.qwen(pre: "default"), ReferenceWords.defaultBPE, "default")
    }
}

/// Random strings against llama.cpp (see FuzzCases.swift).
@Suite struct FuzzTests {
    func check(_ tok: Tokenizer, _ expected: [[Int32]], _ name: String) {
        #expect(expected.count == FuzzCases.texts.count)
        for (text, ids) in zip(FuzzCases.texts, expected) {
            #expect(tok.encode(text, addBOS: false) == ids, "\(name): \(text.debugDescription)")
        }
    }

    @Test func smollm() throws { check(try Fixtures.smol.get(), FuzzCases.smollm, "smollm") }
    @Test func qwen2() throws { check(try Fixtures.qwen.get(), FuzzCases.qwen2, "qwen2") }
    @Test func defaultPreTokenizer() throws {
        check(try ReferenceTests.qwen(pre: "default"), FuzzCases.defaultOnQwenVocabulary, "default")
    }

    @Test func wholeCodeSpace() throws {
        let smol = try Fixtures.smol.get(), qwen = try Fixtures.qwen.get()
        for (i, text) in FuzzCases.wideTexts.enumerated() {
            #expect(smol.encode(text) == FuzzCases.wideSmollm[i], "smollm: \(text.debugDescription)")
            #expect(qwen.encode(text) == FuzzCases.wideQwen2[i], "qwen2: \(text.debugDescription)")
        }
    }
}

/// Letters added in Unicode 16 are unassigned in llama.cpp's tables, so they split words like
/// punctuation does; ids from llama.cpp.
@Suite struct UnicodeVersionTests {
    static let texts = ["a\u{A7CB}b \u{A7CB}\u{A7CB} x", " \u{105C0}\u{105C1} test", "word\u{1C89}s"]

    @Test func smollm() throws {
        let tok = try Fixtures.smol.get()
        #expect(Self.texts.map { tok.encode($0) } == [
            [81, 181, 249, 229, 82, 35792, 249, 229, 181, 249, 229, 1792],
            [216, 187, 234, 241, 218, 187, 234, 241, 219, 1028],
            [3002, 172, 127, 227, 99],
        ])
    }

    @Test func qwen2() throws {
        let tok = try Fixtures.qwen.get()
        #expect(Self.texts.map { tok.encode($0) } == [
            [64, 166, 253, 233, 65, 8620, 253, 233, 166, 253, 233, 856],
            [220, 123934, 245, 222, 123934, 245, 223, 1273],
            [1158, 128233, 231, 82],
        ])
    }
}
