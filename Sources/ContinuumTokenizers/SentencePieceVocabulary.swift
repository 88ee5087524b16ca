import ContinuumGGUF

extension Vocabulary {
    /// The vocabulary and tokenizer of a SentencePiece model (`tokenizer.ggml.model` = "llama"): tokens,
    /// `scores` and types instead of merges. Normal tokens decode with "▁" as a space, byte
    /// tokens `<0xXX>` to their byte, special and user-defined tokens to their text (llama.cpp
    /// `token_to_piece` for SPM). Special tokens, BOS/EOS and the end-of-turn set are found as
    /// for byte-level BPE.
    static func sentencePiece(metadata: [String: GGUFValue]) throws(TokenizerError) -> (Vocabulary, SentencePiece) {
        guard case .array(.string, let tokenValues)? = metadata["tokenizer.ggml.tokens"], !tokenValues.isEmpty else {
            throw .badVocabulary("tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let texts = tokenValues.map { $0.stringValue ?? "" }
        let n = texts.count
        guard n < Int(Int32.max / 2) else { throw .badVocabulary("\(n) tokens") }
        guard let rawScores = metadata["tokenizer.ggml.scores"]?.arrayValue else {
            throw .badVocabulary("tokenizer.ggml.scores is missing (a SentencePiece vocabulary needs one score per token)")
        }
        guard rawScores.count == n else {
            throw .badVocabulary("tokenizer.ggml.scores has \(rawScores.count) entries for \(n) tokens")
        }
        var scores = [Float](repeating: 0, count: n)
        for (i, v) in rawScores.enumerated() {
            guard let d = v.doubleValue, d.isFinite else {
                throw .badVocabulary("tokenizer.ggml.scores[\(i)] = \(v) is not a finite number")
            }
            scores[i] = Float(d)
        }
        var types = [TokenType](repeating: .normal, count: n)
        if let raw = metadata["tokenizer.ggml.token_type"]?.arrayValue {
            guard raw.count == n else {
                throw .badVocabulary("tokenizer.ggml.token_type has \(raw.count) entries for \(n) tokens")
            }
            for (i, v) in raw.enumerated() {
                types[i] = v.intValue.flatMap { TokenType(rawValue: UInt8(clamping: $0)) } ?? .undefined
            }
        }
        func tokenID(_ key: String) throws(TokenizerError) -> Int32? {
            guard let v = metadata[key] else { return nil }
            guard let i = v.intValue, i >= 0, i < n else { throw .badVocabulary("\(key) = \(v) is not a token id below \(n)") }
            return Int32(i)
        }
        // llama.cpp's SPM defaults when the keys are absent: BOS 1, EOS 2
        let bosID = try tokenID("tokenizer.ggml.bos_token_id") ?? (n > 1 ? 1 : nil)
        guard let eos = try tokenID("tokenizer.ggml.eos_token_id") ?? (n > 2 ? 2 : nil) else {
            throw .badVocabulary("tokenizer.ggml.eos_token_id is missing")
        }
        var eot = MarkerTokens.apply(texts: texts, types: &types)
        eot.insert(eos)
        for key in ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"] {
            if let id = try tokenID(key) { eot.insert(id) }
        }
        MarkerTokens.finish(&eot, texts: texts, types: &types)

        var pieces: [UInt8] = []
        var pieceStarts: [Int32] = [0]
        pieces.reserveCapacity(n * 6)
        pieceStarts.reserveCapacity(n + 1)
        for (i, text) in texts.enumerated() {
            switch types[i] {
            case .normal:
                Self.appendUnescaped(text, to: &pieces)
            case .byte:
                if let b = Self.byteValue(text) { pieces.append(b) } else { pieces.append(contentsOf: text.utf8) }
            default:
                pieces.append(contentsOf: text.utf8)
            }
            pieceStarts.append(Int32(pieces.count))
        }

        let vocabulary = Vocabulary(
            texts: texts, types: types, pieces: pieces, pieceStarts: pieceStarts,
            bpe: BPE(vocabularySize: n, symbols: SymbolTable(capacity: 0), merges: PairTable(capacityFor: 0),
                     byteSymbol: [Int32](repeating: -1, count: 256), byteToken: [Int32](repeating: -1, count: 256)),
            special: SpecialTokens(entries: texts.indices.compactMap { i in
                guard types[i].isSpecial else { return nil }
                return SpecialTokens.Entry(id: Int32(i), bytes: Array(texts[i].utf8), needsParseSpecial: types[i] != .userDefined)
            }),
            bosID: bosID, eosID: eos, eotIDs: eot,
            addBOS: metadata["tokenizer.ggml.add_bos_token"]?.boolValue)
        let spm = SentencePiece(texts: texts, scores: scores,
                                addSpacePrefix: metadata["tokenizer.ggml.add_space_prefix"]?.boolValue ?? true)
        return (vocabulary, spm)
    }

    private init(texts: [String], types: [TokenType], pieces: [UInt8], pieceStarts: [Int32], bpe: BPE,
                 special: SpecialTokens, bosID: Int32?, eosID: Int32, eotIDs: Set<Int32>, addBOS: Bool?) {
        self.texts = texts
        self.types = types
        self.pieces = pieces
        self.pieceStarts = pieceStarts
        self.bpe = bpe
        self.special = special
        self.bosID = bosID
        self.eosID = eosID
        self.eotIDs = eotIDs
        self.addBOS = addBOS
    }

    /// "▁" back to a space (llama.cpp `llama_unescape_whitespace`).
    static func appendUnescaped(_ text: String, to out: inout [UInt8]) {
        let u = Array(text.utf8)
        var i = 0
        while i < u.count {
            if i + 2 < u.count, u[i] == 0xE2, u[i + 1] == 0x96, u[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
    }

    /// The byte of a `<0xXX>` token text.
    static func byteValue(_ text: String) -> UInt8? {
        let u = Array(text.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}
