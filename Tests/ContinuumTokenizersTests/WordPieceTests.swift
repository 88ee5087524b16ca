import ContinuumTokenizers
import Testing

/// WordPiece on a tiny vocabulary: each rule of BERT's tokenizer on its own (the real
/// vocabulary against sentence-transformers is in ContinuumEngineTests/Embeddings).
@Suite struct WordPieceTests {
    static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "able",
                        ",", "!", "cafe", "东", "京", "a", "##b", "$", "##ि", "न"]
    static func tokenizer(_ options: WordPieceTokenizer.Options = .init()) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: vocab, options: options)
    }
    static func ids(_ words: String...) -> [Int32] { words.map { Int32(vocab.firstIndex(of: $0)!) } }

    @Test func greedyLongestMatchWithContinuations() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieces("unaffable") == Self.ids("un", "##aff", "##able"))
        #expect(t.wordPieces("UnAffAble, able!") == Self.ids("un", "##aff", "##able", ",", "able", "!"))
        // one unknown piece makes the whole word [UNK]
        #expect(t.wordPieces("unaffablex aff") == Self.ids("[UNK]", "aff"))
        // ASCII symbols are punctuation too
        #expect(t.wordPieces("a$ab") == Self.ids("a", "$", "a", "##b"))
    }

    @Test func normalisation() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieces("CAFÉ") == Self.ids("cafe"))          // lower-cased, accent stripped
        #expect(t.wordPieces("cafe\u{301}") == Self.ids("cafe"))   // combining accent dropped
        #expect(t.wordPieces("东京") == Self.ids("东", "京"))        // CJK split into words
        #expect(t.wordPieces("\tun\u{200B}aff\u{0}able\n") == Self.ids("un", "##aff", "##able"))  // control and format chars dropped
        #expect(t.wordPieces("नि") == Self.ids("न", "##ि"))          // "##" + a combining mark is still a continuation
        let cased = try Self.tokenizer(.init(lowercase: false))
        #expect(cased.wordPieces("Cafe") == Self.ids("[UNK]"))
    }

    @Test func specialTokensLongWordsAndTruncation() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieces("un[MASK]able") == Self.ids("un", "[MASK]", "able"))
        #expect(t.wordPieces("[mask]") == Self.ids("[UNK]", "[UNK]", "[UNK]"))  // after lower-casing it is text
        // 100 code points are split; 101 are one [UNK] (max_input_chars_per_word)
        let b = Self.ids("##b")[0]
        #expect(t.wordPieces("a" + String(repeating: "b", count: 99)) == Self.ids("a") + Array(repeating: b, count: 99))
        #expect(t.wordPieces("a" + String(repeating: "b", count: 100)) == Self.ids("[UNK]"))
        #expect(t.encode("", maxLength: 8) == Self.ids("[CLS]", "[SEP]"))
        #expect(t.encode("able able able able", maxLength: 4) == Self.ids("[CLS]", "able", "able", "[SEP]"))
    }

    @Test func badVocabulariesAreRefused() {
        #expect(throws: TokenizerError.badFiles) { try WordPieceTokenizer(vocabulary: []) }
        #expect(throws: TokenizerError.badFiles) { try WordPieceTokenizer(vocabulary: ["[CLS]", "[SEP]", "[PAD]", "[MASK]"]) }
        #expect(throws: TokenizerError.badFiles) { try WordPieceTokenizer(directory: "/nonexistent") }
    }
}
