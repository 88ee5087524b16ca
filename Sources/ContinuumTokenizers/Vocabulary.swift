import ContinuumGGUF

/// Everything a tokenizer reads from `tokenizer.ggml.*`: token strings and types, the bytes
/// each token decodes to, the BPE merge table, the special tokens and the end-of-turn set
/// (llama.cpp `llama_vocab::impl::load`).
struct Vocabulary: Sendable {
    /// Vocabulary strings as stored in the GGUF (byte-level alphabet for normal tokens).
    let texts: [String]
    let types: [TokenType]
    /// Bytes each token decodes to (raw text for special tokens), in one arena.
    let pieces: [UInt8]
    let pieceStarts: [Int32]
    let bpe: BPE
    let special: SpecialTokens
    let bosID: Int32?
    let eosID: Int32
    let eotIDs: Set<Int32>
    /// `tokenizer.ggml.add_bos_token`, if present.
    let addBOS: Bool?

    var count: Int { texts.count }

    init(metadata: [String: GGUFValue]) throws(TokenizerError) {
        guard case .array(.string, let tokenValues)? = metadata["tokenizer.ggml.tokens"], !tokenValues.isEmpty else {
            throw .badVocabulary("tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let texts = tokenValues.map { $0.stringValue ?? "" }
        let n = texts.count
        guard n < Int(Int32.max / 2) else { throw .badVocabulary("\(n) tokens") }
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
        let bosID = try tokenID("tokenizer.ggml.bos_token_id")
        self.bosID = bosID
        guard let eos = try tokenID("tokenizer.ggml.eos_token_id") else {
            throw .badVocabulary("tokenizer.ggml.eos_token_id is missing")
        }
        eosID = eos
        addBOS = metadata["tokenizer.ggml.add_bos_token"]?.boolValue

        var eot = MarkerTokens.apply(texts: texts, types: &types)
        eot.insert(eos)
        for key in ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"] {
            if let id = try tokenID(key) { eot.insert(id) }
        }
        MarkerTokens.finish(&eot, texts: texts, types: &types)
        eotIDs = eot

        guard case .array(.string, let mergeValues)? = metadata["tokenizer.ggml.merges"] else {
            throw .badVocabulary("tokenizer.ggml.merges is missing or not an array of strings")
        }

        // Symbols 0..<n are the tokens, looked up by the bytes they stand for.
        var symbols = SymbolTable(capacity: n + mergeValues.count / 4)
        var pieces: [UInt8] = []
        var pieceStarts: [Int32] = [0]
        pieces.reserveCapacity(n * 6)
        pieceStarts.reserveCapacity(n + 1)
        for (i, text) in texts.enumerated() {
            let decoded = ByteLevel.decode(text)
            if let d = decoded {
                _ = d.withUnsafeBytes { symbols.append($0, index: true) }
            } else {
                _ = Array(text.utf8).withUnsafeBytes { symbols.append($0, index: false) }
            }
            switch types[i] {
            case .normal, .byte, .undefined: pieces.append(contentsOf: decoded ?? Array(text.utf8))
            default: pieces.append(contentsOf: text.utf8)
            }
            pieceStarts.append(Int32(pieces.count))
        }

        var merges = PairTable(capacityFor: mergeValues.count)
        var joined: [UInt8] = []
        for (rank, value) in mergeValues.enumerated() {
            guard let line = value.stringValue else { continue }
            let utf8 = Array(line.utf8)
            guard utf8.count > 2, let space = utf8[1...].firstIndex(of: 0x20),
                  let left = ByteLevel.decode(String(decoding: utf8[..<space], as: UTF8.self)),
                  let right = ByteLevel.decode(String(decoding: utf8[(space + 1)...], as: UTF8.self)),
                  !right.isEmpty
            else { continue }  // can never match byte-encoded text
            let l = left.withUnsafeBytes { symbols.intern($0) }
            let r = right.withUnsafeBytes { symbols.intern($0) }
            joined.removeAll(keepingCapacity: true)
            joined.append(contentsOf: left)
            joined.append(contentsOf: right)
            let m = joined.withUnsafeBytes { symbols.intern($0) }
            merges.insertIfAbsent(l, r, rank: Int32(rank), merged: m)
        }
        var byteSymbol = [Int32](repeating: -1, count: 256)
        var byteToken = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let one = [UInt8(b)]
            byteSymbol[b] = one.withUnsafeBytes { symbols.intern($0) }
            if Int(byteSymbol[b]) < n { byteToken[b] = byteSymbol[b] }
        }
        self.bpe = BPE(vocabularySize: n, symbols: symbols, merges: merges, byteSymbol: byteSymbol, byteToken: byteToken)

        self.special = SpecialTokens(entries: texts.indices.compactMap { i in
            guard types[i].isSpecial else { return nil }
            return SpecialTokens.Entry(id: Int32(i), bytes: Array(texts[i].utf8), needsParseSpecial: types[i] != .userDefined)
        })


        self.texts = texts
        self.types = types
        self.pieces = pieces
        self.pieceStarts = pieceStarts
    }

    /// Appends the bytes token `id` stands for (llama.cpp `token_to_piece`): nothing for ids
    /// outside the vocabulary, unused and undefined tokens, and for control and unknown tokens
    /// unless `renderSpecial`.
    func appendPiece(_ id: Int32, renderSpecial: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, Int(id) < count else { return }
        switch types[Int(id)] {
        case .unused, .undefined: return
        case .control, .unknown: if !renderSpecial { return }
        default: break
        }
        bytes.append(contentsOf: pieces[Int(pieceStarts[Int(id)])..<Int(pieceStarts[Int(id) + 1])])
    }
}
