import ContinuumEngine
import ContinuumGGUF
import ContinuumTokenizers
import Testing

/// Tokens to text and the end of a sequence, on a tokenizer made in code (no model file).
@Suite struct SequenceOutputTests {
    /// Byte-level vocabulary: 5 and 6 are the two bytes of "é" (0xC3 0xA9), 0 is EOS and
    /// 8 an end-of-turn marker.
    static let tokenizer: Tokenizer = {
        let texts = ["<|endoftext|>", "Hel", "lo", "Ġwor", "ld", "Ã", "©", "!", "<|im_end|>", "ĠST", "OP"]
        let types: [Int32] = [3, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1]
        let metadata: [String: GGUFValue] = [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.tokens": .array(.string, GGUFArray(texts.map { GGUFValue.string($0) })),
            "tokenizer.ggml.token_type": .array(.int32, GGUFArray(types.map { GGUFValue.int32($0) })),
            "tokenizer.ggml.merges": .array(.string, GGUFArray([GGUFValue]())),
            "tokenizer.ggml.eos_token_id": .uint32(0),
        ]
        return try! Tokenizer(metadata: metadata)
    }()

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var stop: [String] = []
        var limit = 16
        var tokens: [Int32]
        /// The piece of every token appended (appending stops when the sequence ends).
        var pieces: [String]
        var finish: FinishReason?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "text streams token by token", tokens: [1, 2, 3, 4], pieces: ["Hel", "lo", " wor", "ld"], finish: nil),
        Case(name: "a character split across tokens waits for its second byte",
             tokens: [1, 5, 6, 7], pieces: ["Hel", "", "é", "!"], finish: nil),
        Case(name: "a stop string spanning three tokens ends the sequence and is not emitted",
             stop: ["lo wo"], tokens: [1, 2, 3, 4], pieces: ["He", "l", ""], finish: .stop),
        Case(name: "text before a stop string in the same token is emitted",
             stop: ["lo"], tokens: [1, 2, 3], pieces: ["He", "l"], finish: .stop),
        Case(name: "a partial match that fails is released",
             stop: ["lo!"], tokens: [1, 2, 3], pieces: ["He", "l", "lo wor"], finish: nil),
        Case(name: "a stop string ending in a split character",
             stop: ["Helé"], tokens: [1, 5, 6, 7], pieces: ["", "", ""], finish: .stop),
        Case(name: "EOS ends the turn and adds no text", tokens: [1, 0, 2], pieces: ["Hel", ""], finish: .stop),
        Case(name: "an end-of-turn marker ends the turn", tokens: [1, 8, 2], pieces: ["Hel", ""], finish: .stop),
        Case(name: "end of turn releases text held back for a stop string",
             stop: ["lo!"], tokens: [1, 2, 0], pieces: ["He", "l", "lo"], finish: .stop),
        Case(name: "the limit ends the sequence with length", limit: 2, tokens: [1, 2, 3], pieces: ["Hel", "lo"], finish: .length),
        Case(name: "the last token before the limit carries the held-back text",
             stop: ["ld!"], limit: 4, tokens: [1, 2, 3, 4], pieces: ["He", "llo", " wor", "ld"], finish: .length),
        Case(name: "a character cut by the limit becomes U+FFFD", limit: 2, tokens: [1, 5, 6], pieces: ["Hel", "\u{FFFD}"], finish: .length),
        Case(name: "a stop string wins over the limit on the same token",
             stop: ["lo"], limit: 2, tokens: [1, 2], pieces: ["He", "l"], finish: .stop),
        Case(name: "EOS wins over the limit on the same token", limit: 2, tokens: [1, 0], pieces: ["Hel", ""], finish: .stop),
    ]

    @Test(arguments: cases)
    func tokensBecomeText(_ c: Case) {
        var output = SequenceOutput(tokenizer: Self.tokenizer, stop: c.stop, limit: c.limit)
        var pieces: [String] = []
        for t in c.tokens where output.finishReason == nil {
            pieces.append(output.append(t))
        }
        #expect(pieces == c.pieces)
        #expect(output.finishReason == c.finish)
        #expect(output.tokens == Array(c.tokens.prefix(pieces.count)))
        // What streams is what the result says.
        #expect(output.text == pieces.joined())
        let result = output.result(otherwise: .cancelled, promptTokens: 3, cachedPromptTokens: 1, prefillSeconds: 0, decodeSeconds: 0)
        #expect(result.text == output.text && result.tokens == output.tokens && result.finishReason == c.finish ?? .cancelled)
        #expect(result.promptTokens == 3 && result.cachedPromptTokens == 1)
    }

    @Test func theLimitIsMaxTokensWithinTheContext() {
        // A context of 16 positions holds the prompt and every generated token but the last.
        #expect(SequenceOutput.limit(promptCount: 10, maxTokens: nil, contextLength: 16) == 7)
        #expect(SequenceOutput.limit(promptCount: 10, maxTokens: 3, contextLength: 16) == 3)
        #expect(SequenceOutput.limit(promptCount: 10, maxTokens: 100, contextLength: 16) == 7)
        #expect(SequenceOutput.limit(promptCount: 15, maxTokens: nil, contextLength: 16) == 2)
    }
}
