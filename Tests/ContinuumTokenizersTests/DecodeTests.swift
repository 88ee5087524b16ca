import ContinuumTokenizers
import Testing

@Suite struct DecodeTests {
    static let tricky: [String] = [
        "🙂🚀👩\u{200D}💻 emoji 🇫🇷🏳️\u{200D}🌈",
        "こんにちは世界 你好，世界！ 안녕하세요",
        "e\u{301} n\u{303} a\u{308}\u{304} combining marks",
        "  leading\t\ttabs   and   runs\n\n\n  \r\n end  ",
        "1234567890 3.14159 -42 1e-9 ٣٤٥ ²³",
        "\u{00A0}nbsp\u{2003}em\u{3000}ideographic\u{200B}zw",
        "mixed 🙂 with ascii and 漢字 and ñ",
        "\u{1F600}\u{1F601}\u{1F602}\u{1F923}",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟏𝟐𝟑",
        "control\u{01}\u{7F} chars",
        "",
    ]

    @Test(arguments: ["smollm2", "qwen2.5"])
    func decodeOfEncodeIsIdentity(model: String) throws {
        let tok = try (model == "smollm2" ? Fixtures.smol : Fixtures.qwen).get()
        for text in Self.tricky + ReferenceCases.texts {
            #expect(tok.decode(tok.encode(text, parseSpecial: false)) == text, "\(text.debugDescription)")
        }
    }

    @Test func controlTokensRenderOnlyWhenAsked() throws {
        let tok = try Fixtures.smol.get()
        let ids = tok.encode("<|im_start|>user\nHi<|im_end|>\n")
        #expect(ids == [1, 4093, 198, 26843, 2, 198])
        #expect(tok.decode(ids) == "user\nHi\n")
        #expect(tok.decode(ids, renderSpecial: true) == "<|im_start|>user\nHi<|im_end|>\n")
        #expect(tok.decode([-1, 1_000_000]) == "")
    }

    @Test(arguments: ["smollm2", "qwen2.5"])
    func streamingNeverSplitsACharacter(model: String) throws {
        let tok = try (model == "smollm2" ? Fixtures.smol : Fixtures.qwen).get()
        var sawSplit = false
        for text in Self.tricky {
            let ids = tok.encode(text)
            var stream = StreamingDetokenizer(tokenizer: tok)
            var out = ""
            for id in ids {
                let piece = stream.append(id)
                // Each piece is whole characters: no replacement characters, and a token that
                // ends mid-character produces less than its bytes.
                #expect(!piece.unicodeScalars.contains("\u{FFFD}"), "\(text.debugDescription)")
                if tok.decode([id]).unicodeScalars.contains("\u{FFFD}") { sawSplit = true }
                out += piece
            }
            out += stream.flush()
            #expect(out == text)
        }
        #expect(sawSplit, "the texts should include characters split across tokens")
    }

    @Test func streamingHoldsBackThenCompletes() throws {
        let tok = try Fixtures.smol.get()
        // 🙂 is [10813, 38887]-ish: the first token is the lead bytes of the emoji.
        let ids = tok.encode("🙂")
        #expect(ids.count >= 2)
        var stream = StreamingDetokenizer(tokenizer: tok)
        #expect(stream.append(ids[0]) == "")
        var rest = ""
        for id in ids.dropFirst() { rest += stream.append(id) }
        #expect(rest == "🙂")
        #expect(stream.flush() == "")
    }

    @Test func streamingFlushesAnIncompleteTailAsReplacement() throws {
        let tok = try Fixtures.smol.get()
        let ids = tok.encode("🙂")
        var stream = StreamingDetokenizer(tokenizer: tok)
        #expect(stream.append(ids[0]) == "")
        #expect(stream.flush() == "\u{FFFD}")
        #expect(stream.flush() == "")
    }

    @Test func streamingControlTokens() throws {
        let tok = try Fixtures.smol.get()
        var quiet = StreamingDetokenizer(tokenizer: tok)
        #expect(quiet.append(2) == "")
        var loud = StreamingDetokenizer(tokenizer: tok, renderSpecial: true)
        #expect(loud.append(2) == "<|im_end|>")
    }
}

@Suite struct CacheAndConcurrencyTests {
    /// More distinct words than the cache holds: evicted words tokenize the same again.
    @Test func evictionKeepsResultsExact() throws {
        let tok = try Fixtures.smol.get()
        let words = (0..<(Tokenizer.cacheCapacity + 2_000)).map { "w\(String($0, radix: 36))q" }
        let first = words.prefix(500).map { tok.encode(" " + $0) }
        for w in words { _ = tok.encode(" " + w) }
        #expect(words.prefix(500).map { tok.encode(" " + $0) } == first)
    }

    @Test func concurrentEncodesAgree() async throws {
        let tok = try Fixtures.qwen.get()
        let texts = ReferenceCases.texts
        let results = await withTaskGroup(of: [[Int32]].self) { group in
            for _ in 0..<4 {
                group.addTask { texts.map { tok.encode($0, addBOS: false) } }
            }
            var all: [[[Int32]]] = []
            for await r in group { all.append(r) }
            return all
        }
        for r in results { #expect(r == ReferenceCases.qwen2) }
    }
}

@Suite struct LongInputTests {
    /// Words longer than the cache takes, and a long word of many merges, stay exact and fast
    /// (the merge loop uses a heap: no quadratic blow-up).
    @Test func longWords() throws {
        let tok = try Fixtures.smol.get()
        let xs = String(repeating: "x", count: 300)
        #expect(tok.encode(xs) == Array(repeating: 31069, count: 75))  // golden: "xxxx" x 75
        #expect(tok.encode(xs) == Array(repeating: 31069, count: 75))
        let blob = String((0..<200_000).map { i in Character(Unicode.Scalar(UInt8(97 + (i * 7919) % 26))) })
        let clock = ContinuousClock()
        var ids: [Int32] = []
        let t = clock.measure { ids = tok.encode(blob) }
        #expect(tok.decode(ids) == blob)
        print("200 kB single word: \(ids.count) tokens in \(t)")
        #expect(t < .seconds(2), "200 kB single word took \(t)")
    }
}
