import ContinuumGGUF
import ContinuumTokenizers
import Testing

@Suite struct ErrorTests {
    func metadata(model: String = "gpt2", pre: String? = "smollm") -> [String: GGUFValue] {
        var m: [String: GGUFValue] = [
            "tokenizer.ggml.model": .string(model),
            "tokenizer.ggml.tokens": .array(.string, GGUFArray(["a", "b", "ab"].map { GGUFValue.string($0) })),
            "tokenizer.ggml.merges": .array(.string, [.string("a b")]),
            "tokenizer.ggml.eos_token_id": .uint32(0),
        ]
        if let pre { m["tokenizer.ggml.pre"] = .string(pre) }
        return m
    }

    @Test func unknownPreTokenizerIsNamed() {
        do {
            _ = try Tokenizer(metadata: metadata(pre: "tekken"))
            Issue.record("expected an error")
        } catch {
            #expect(error == .unknownPreTokenizer)
            #expect(error.message.contains("'tekken'"))
        }
    }

    @Test func unknownModelIsNamed() {
        do {
            _ = try Tokenizer(metadata: metadata(model: "ugm"))
            Issue.record("expected an error")
        } catch {
            #expect(error == .unsupportedModel)
            #expect(error.message.contains("'ugm'"))
        }
    }

    /// A SentencePiece vocabulary without scores cannot be tokenized: the error names the key.
    @Test func sentencePieceNeedsScores() {
        do {
            _ = try Tokenizer(metadata: metadata(model: "llama"))
            Issue.record("expected an error")
        } catch {
            #expect(error == .badVocabulary)
            #expect(error.message.contains("tokenizer.ggml.scores"))
        }
    }

    @Test func badVocabulary() {
        var m = metadata()
        m["tokenizer.ggml.token_type"] = .array(.int32, [.int32(1)])
        #expect(throws: TokenizerError.badVocabulary) { try Tokenizer(metadata: m) }
        m = metadata()
        m["tokenizer.ggml.eos_token_id"] = .uint32(99)
        #expect(throws: TokenizerError.badVocabulary) { try Tokenizer(metadata: m) }
    }

    /// A tiny vocabulary without byte tokens: merges apply, and bytes with no token are dropped
    /// (llama.cpp's fallback), so nothing crashes.
    @Test func tinyVocabulary() throws {
        let tok = try Tokenizer(metadata: metadata(pre: nil))
        #expect(tok.encode("ab") == [2])
        #expect(tok.encode("ba") == [1, 0])
        #expect(tok.encode("a c") == [0])
        #expect(tok.bosID == nil)
        #expect(tok.encode("ab", addBOS: true) == [2])
    }
}
