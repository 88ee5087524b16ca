public import ContinuumGGUF

/// Byte-level BPE tokenizer (GPT-2 style) built from a GGUF vocabulary, giving the same
/// tokens as llama.cpp (`src/llama-vocab.cpp`, `src/unicode.cpp`) for the pre-tokenizers
/// `smollm`, `qwen2`, `llama-bpe` and `default`/`gpt-2`; or a SentencePiece tokenizer
/// (`tokenizer.ggml.model` "llama", e.g. Gemma 3) as llama.cpp's SPM.
///
/// Immutable after `init` except for a bounded cache of word tokenizations behind a lock, so
/// one instance can serve every request of a model concurrently.
public final class Tokenizer: Sendable {
    /// Number of tokens in the vocabulary.
    public let vocabularySize: Int
    /// `tokenizer.ggml.bos_token_id`, if any.
    public let bosID: Int32?
    /// `tokenizer.ggml.eos_token_id`.
    public let eosID: Int32
    /// Tokens that end a turn: EOS plus end-of-turn and end-of-text tokens found by text
    /// (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, ...) and FIM pad/repo/file-separator
    /// tokens, as llama.cpp's end-of-generation set.
    public let eotIDs: Set<Int32>
    /// Whether `encode` adds BOS when not told (`tokenizer.ggml.add_bos_token`, else the
    /// pre-tokenizer's default: true only for `llama-bpe`).
    public let addsBOS: Bool

    let preTokenizer: PreTokenizer
    let vocabulary: Vocabulary
    /// Set for SentencePiece models (`tokenizer.ggml.model` "llama"), which do not use BPE merges.
    let sentencePiece: SentencePiece?
    private let cache: Locked<WordCache>

    /// Maximum number of distinct words whose tokens are cached.
    public static let cacheCapacity = 16_384
    /// Longer words are not cached, which bounds the cache's memory (about 4 MiB of keys).
    static let maximumCachedWordLength = 256

    /// Builds the tokenizer of a GGUF model from its `tokenizer.ggml.*` metadata.
    public convenience init(gguf: GGUFFile) throws(TokenizerError) {
        try self.init(metadata: gguf.metadata)
    }

    /// Builds a tokenizer from GGUF metadata (`tokenizer.ggml.model`, `.pre`, `.tokens`,
    /// `.token_type`, `.merges`, `.bos_token_id`, `.eos_token_id`, `.add_bos_token`).
    public init(metadata: [String: GGUFValue]) throws(TokenizerError) {
        let model = metadata["tokenizer.ggml.model"]?.stringValue ?? ""
        let vocabulary: Vocabulary
        let pre: PreTokenizer
        let addsBOSByDefault: Bool
        switch model {
        case "gpt2":
            let preName = metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
            guard let p = PreTokenizer(name: preName) else { throw .unknownPreTokenizer(preName) }
            pre = p
            vocabulary = try Vocabulary(metadata: metadata)
            sentencePiece = nil
            addsBOSByDefault = p.addsBOSByDefault
        case "llama":
            // SentencePiece: no pre-tokenizer; the fragment is tokenized whole (SentencePiece.swift)
            guard let p = PreTokenizer(name: "default") else { throw .unknownPreTokenizer("default") }
            pre = p
            (vocabulary, sentencePiece) = try Vocabulary.sentencePiece(metadata: metadata)
            addsBOSByDefault = true
        default:
            throw .unsupportedModel(model.isEmpty ? "(missing)" : model)
        }
        self.preTokenizer = pre
        self.vocabulary = vocabulary
        vocabularySize = vocabulary.count
        bosID = vocabulary.bosID
        eosID = vocabulary.eosID
        eotIDs = vocabulary.eotIDs
        addsBOS = (vocabulary.addBOS ?? addsBOSByDefault) && vocabulary.bosID != nil
        cache = Locked(WordCache(capacity: Self.cacheCapacity))
        _ = CharClass.of(0x4E00)  // build the BMP class table now, not in the first request
    }

    // MARK: Token facts

    /// The raw vocabulary string of a token (e.g. "Ġthe" for " the"); "" for an unknown id.
    public func tokenText(_ id: Int32) -> String {
        id >= 0 && Int(id) < vocabularySize ? vocabulary.texts[Int(id)] : ""
    }

    /// Whether a token is a control token (`token_type` 3), e.g. `<|im_start|>`.
    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < vocabularySize && vocabulary.types[Int(id)] == .control
    }

    // MARK: Decode

    /// Text of `ids`. Control and unknown tokens are left out unless `renderSpecial`; unused
    /// and undefined tokens and ids outside the vocabulary are always left out (llama.cpp
    /// `token_to_piece`). Byte sequences that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int32], renderSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { vocabulary.appendPiece(id, renderSpecial: renderSpecial, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes a single token stands for (may be part of a UTF-8 character), as OpenAI's
    /// logprobs `bytes` field reports them; control tokens give their text.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        vocabulary.appendPiece(id, renderSpecial: true, to: &bytes)
        return bytes
    }

    // MARK: Encode

    /// Tokens of `text`. `addBOS` nil uses the model's setting (`addsBOS`). With
    /// `parseSpecial`, control tokens written in the text (`<|im_start|>`) become their ids;
    /// without it they are tokenized as plain text. User-defined tokens always match whole.
    public func encode(_ text: String, addBOS: Bool? = nil, parseSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addBOS ?? addsBOS, let bos = bosID { out.append(bos) }
        var text = text
        text.withUTF8 { encode(UnsafeRawBufferPointer($0), parseSpecial: parseSpecial, into: &out) }
        return out
    }

    /// The words the pre-tokenizer cuts `text` into before BPE (special tokens not parsed).
    /// For debugging and tests; `encode` does not call it.
    public func preTokenize(_ text: String) -> [String] {
        var cps: [UInt32] = [], flags: [UInt8] = [], offsets: [Int] = [], ends: [Int] = [], scratch: [Int] = []
        var text = text
        return text.withUTF8 { utf8 in
            let p = UnsafeRawBufferPointer(utf8)
            decodeScalars(p, 0, p.count, &cps, &flags, &offsets)
            cps.withUnsafeBufferPointer { cp in
                flags.withUnsafeBufferPointer { fl in
                    preTokenizer.split(cp, fl, 0, cp.count, into: &ends, scratch: &scratch)
                }
            }
            var prev = 0
            return ends.map { e in
                defer { prev = e }
                return String(decoding: p[offsets[prev]..<offsets[e]], as: UTF8.self)
            }
        }
    }

    private struct Word {
        var start: Int
        var end: Int
        /// >= 0: a special token, not a word.
        var token: Int32
    }

    func encode(_ text: UnsafeRawBufferPointer, parseSpecial: Bool, into out: inout [Int32]) {
        guard !text.isEmpty else { return }
        if let sentencePiece {
            encodeSentencePiece(sentencePiece, text, parseSpecial: parseSpecial, into: &out)
            return
        }
        // 1. Special tokens; 2. words of each text fragment.
        var words: [Word] = []
        words.reserveCapacity(text.count / 3)
        var cps: [UInt32] = []
        var flags: [UInt8] = []
        var offsets: [Int] = []
        var ends: [Int] = []
        var scratch: [Int] = []
        for f in vocabulary.special.partition(text, parseSpecial: parseSpecial) {
            if f.token >= 0 {
                words.append(Word(start: 0, end: 0, token: f.token))
                continue
            }
            cps.removeAll(keepingCapacity: true)
            flags.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            decodeScalars(text, f.start, f.end, &cps, &flags, &offsets)
            cps.withUnsafeBufferPointer { cp in
                flags.withUnsafeBufferPointer { fl in
                    preTokenizer.split(cp, fl, 0, cp.count, into: &ends, scratch: &scratch)
                }
            }
            var prev = 0
            for e in ends {
                words.append(Word(start: offsets[prev], end: offsets[e], token: -1))
                prev = e
            }
        }
        // 3. BPE per word, through the cache.
        let ignoreMerges = preTokenizer.ignoresMerges
        var bpeScratch = BPE.Scratch()
        var tokens: [Int32] = []
        cache.withLock { cache in
            for w in words {
                if w.token >= 0 { out.append(w.token); continue }
                let word = UnsafeRawBufferPointer(rebasing: text[w.start..<w.end])
                if word.count == 1 {
                    let t = vocabulary.bpe.byteToken[Int(word[0])]
                    if t >= 0 { out.append(t) }
                    continue
                }
                if ignoreMerges, let id = vocabulary.bpe.symbols.lookup(word), Int(id) < vocabularySize {
                    out.append(id)
                    continue
                }
                guard word.count <= Self.maximumCachedWordLength else {
                    vocabulary.bpe.encode(word, &bpeScratch, into: &out)
                    continue
                }
                let h = hashBytes(word)
                if let hit = cache.get(h, word) {
                    out.append(contentsOf: hit)
                    continue
                }
                tokens.removeAll(keepingCapacity: true)
                vocabulary.bpe.encode(word, &bpeScratch, into: &tokens)
                cache.put(h, word, tokens)
                out.append(contentsOf: tokens)
            }
        }
    }

    /// Scalars of valid UTF-8 `text[lo..<hi]` with their classes and byte offsets (plus the
    /// end offset).
    private func decodeScalars(_ p: UnsafeRawBufferPointer, _ lo: Int, _ hi: Int,
                               _ cps: inout [UInt32], _ flags: inout [UInt8], _ offsets: inout [Int]) {
        var i = lo
        while i < hi {
            let b0 = UInt32(p[i])
            let cp: UInt32
            let len: Int
            if b0 < 0x80 {
                cp = b0; len = 1
            } else if b0 < 0xE0 {
                cp = (b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F); len = 2
            } else if b0 < 0xF0 {
                cp = (b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F); len = 3
            } else {
                cp = (b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                    | UInt32(p[i + 3] & 0x3F)
                len = 4
            }
            cps.append(cp)
            flags.append(CharClass.of(cp))
            offsets.append(i)
            i += len
        }
        offsets.append(hi)
    }
}
