import ContinuumGGUF
import ContinuumTokenizers
import Foundation
import Testing

/// SentencePiece (`tokenizer.ggml.model` "llama") against llama.cpp's `llm_tokenizer_spm`:
/// a small hand-made vocabulary for the rules, Gemma 3's 262k vocabulary for the golden cases.
@Suite struct SentencePieceTests {
    static let bytesStart = 3
    /// <unk> <s> </s>, the 256 byte tokens, then normal tokens with scores.
    static let normal: [(String, Float)] = [
        ("▁", -1), ("a", -2), ("b", -2), ("c", -2), ("ab", -3), ("bc", -1), ("▁a", -4), ("abc", -0.5), ("aa", -1),
        ("<x>", 0),
    ]
    static func id(_ text: String) -> Int32 { Int32(bytesStart + 256 + normal.firstIndex { $0.0 == text }!) }
    static func byte(_ b: UInt8) -> Int32 { Int32(bytesStart + Int(b)) }

    static func metadata(addSpacePrefix: Bool = false, addBOS: Bool = true) -> [String: GGUFValue] {
        var texts = ["<unk>", "<s>", "</s>"]
        var scores: [Float] = [0, 0, 0]
        var types: [Int32] = [2, 3, 3]
        for b in 0..<256 {
            texts.append(String(format: "<0x%02X>", b))
            scores.append(0)
            types.append(6)
        }
        for (t, s) in normal {
            texts.append(t)
            scores.append(s)
            types.append(t == "<x>" ? 4 : 1)
        }
        return [
            "tokenizer.ggml.model": .string("llama"),
            "tokenizer.ggml.tokens": .array(.string, GGUFArray(texts.map { GGUFValue.string($0) })),
            "tokenizer.ggml.scores": .array(.float32, GGUFArray(scores.map { GGUFValue.float32($0) })),
            "tokenizer.ggml.token_type": .array(.int32, GGUFArray(types.map { GGUFValue.int32($0) })),
            "tokenizer.ggml.bos_token_id": .uint32(1),
            "tokenizer.ggml.eos_token_id": .uint32(2),
            "tokenizer.ggml.add_bos_token": .bool(addBOS),
            "tokenizer.ggml.add_space_prefix": .bool(addSpacePrefix),
        ]
    }

    /// The pair with the highest score merges first, repeatedly: "abc" is a, b, c -> a, bc
    /// (-1 beats ab's -3) -> abc (-0.5); "cab" has no "ca", so c, ab.
    @Test func mergesByScore() throws {
        let tok = try Tokenizer(metadata: Self.metadata())
        #expect(tok.encode("abc", addBOS: false) == [Self.id("abc")])
        #expect(tok.encode("cab", addBOS: false) == [Self.id("c"), Self.id("ab")])
        #expect(tok.encode("ab", addBOS: true) == [1, Self.id("ab")])
        #expect(tok.addsBOS)
    }

    /// Equal scores: the leftmost pair first, so "aaa" is aa, a (not a, aa).
    @Test func tiesGoLeft() throws {
        let tok = try Tokenizer(metadata: Self.metadata())
        #expect(tok.encode("aaa", addBOS: false) == [Self.id("aa"), Self.id("a")])
    }

    /// Spaces are "▁"; the leading one only when the model adds a space prefix; characters with no
    /// token fall back to their UTF-8 bytes.
    @Test func spacesAndByteFallback() throws {
        let plain = try Tokenizer(metadata: Self.metadata())
        #expect(plain.encode(" a", addBOS: false) == [Self.id("▁a")])
        #expect(plain.encode("a", addBOS: false) == [Self.id("a")])
        #expect(plain.encode("é", addBOS: false) == [Self.byte(0xC3), Self.byte(0xA9)])
        #expect(plain.encode("a z", addBOS: false) == [Self.id("a"), Self.id("▁"), Self.byte(0x7A)])
        let prefixed = try Tokenizer(metadata: Self.metadata(addSpacePrefix: true))
        #expect(prefixed.encode("a", addBOS: false) == [Self.id("▁a")])
        // after a special token the prefix is added again (llama.cpp's is_prev_special)
        #expect(prefixed.encode("a<x>a", addBOS: false) == [Self.id("▁a"), Self.id("<x>"), Self.id("▁a")])
    }

    /// "▁" decodes to a space, byte tokens to their bytes (joined into UTF-8), control tokens
    /// only when rendered.
    @Test func decodes() throws {
        let tok = try Tokenizer(metadata: Self.metadata())
        #expect(tok.decode([1, Self.id("▁a"), Self.id("bc"), Self.byte(0xC3), Self.byte(0xA9)]) == " abcé")
        #expect(tok.decode([1, Self.id("a")], renderSpecial: true) == "<s>a")
        var stream = StreamingDetokenizer(tokenizer: tok)
        #expect(stream.append(Self.byte(0xC3)) == "")
        #expect(stream.append(Self.byte(0xA9)) == "é")
    }

    /// Long hostile input: cost stays bounded (one symbol per character, each merge pushing at
    /// most two pairs) and nothing crashes on characters with no token.
    @Test func longInput() throws {
        let tok = try Tokenizer(metadata: Self.metadata())
        let text = String(repeating: "ab c\u{1F600}aaa ", count: 20_000)
        let ids = tok.encode(text, addBOS: false)
        #expect(tok.decode(ids) == text)
    }

    static let gemmaFile = "gemma-3-270m-q4_k_m.gguf"
    static var gemmaPath: String { Fixtures.modelsDirectory.appendingPathComponent(gemmaFile).path }
    static var hasGemma: Bool { FileManager.default.fileExists(atPath: gemmaPath) }

    /// Gemma 3's tokenizer gives llama.cpp's ids for every golden text and prompt (special
    /// tokens, runs of newlines and spaces as user-defined tokens, byte fallback, CJK, emoji).
    /// Skipped without the model (`scripts/fetch-model.sh gemma3`).
    @Test(.enabled(if: hasGemma, "needs \(gemmaFile): scripts/fetch-model.sh gemma3"))
    func gemmaMatchesLlamaCpp() throws {
        struct Golden: Decodable {
            struct Case: Decodable { var text: String; var ids: [Int32] }
            struct Prompt: Decodable { var name: String; var prompt: String; var prompt_ids: [Int32] }
            var tokenize: [Case]
            var generate: [Prompt]
        }
        let url = Fixtures.packageRoot.appendingPathComponent("Tests/golden/gemma-3-270m-q4_k_m.json")
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        let tok = try Tokenizer(gguf: try GGUFFile(path: Self.gemmaPath))
        #expect(tok.vocabularySize == 262_144)
        #expect(tok.bosID == 2 && tok.eosID == 1 && tok.addsBOS)
        #expect(tok.eotIDs.contains(106))  // <end_of_turn>
        #expect(golden.tokenize.count >= 20)
        for c in golden.tokenize {
            #expect(tok.encode(c.text, addBOS: false) == c.ids, "\(c.text.debugDescription)")
            // every golden text without special tokens decodes back to itself
            if !c.text.contains("<bos>") && !c.text.contains("_of_turn>") && !c.text.contains("<|") {
                #expect(tok.decode(c.ids) == c.text, "\(c.text.debugDescription)")
            }
        }
        for g in golden.generate {
            #expect(tok.encode(g.prompt) == g.prompt_ids, "\(g.name)")
        }
    }
}
