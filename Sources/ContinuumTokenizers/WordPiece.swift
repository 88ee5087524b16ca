internal import Foundation

/// BERT's WordPiece tokenizer, giving the same ids as Hugging Face's `BertTokenizerFast`
/// (the Rust `tokenizers` pipeline sentence-transformers uses):
/// 1. special tokens (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`, `[MASK]`) written in the text are
///    matched as themselves, before any normalisation;
/// 2. BertNormalizer: drop NUL, U+FFFD and control/format/unassigned characters, map
///    whitespace to spaces, put spaces around CJK ideographs, strip accents (NFD, drop
///    non-spacing marks) and lower-case, per the options;
/// 3. BertPreTokenizer: split on whitespace, and every punctuation character is a word;
/// 4. WordPiece: greedy longest match from the left, continuations prefixed `##`; a word
///    with a piece not in the vocabulary, or longer than `maxCharsPerWord`, is one `[UNK]`.
///
/// Immutable, so one instance serves concurrent callers.
public struct WordPieceTokenizer: Sendable {
    public struct Options: Sendable, Equatable {
        /// Lower-case the text (`do_lower_case`).
        public var lowercase: Bool
        /// Strip accents; nil means "as `lowercase`" (the tokenizers library's rule).
        public var stripAccents: Bool?
        /// Put spaces around CJK ideographs so each is a word (`tokenize_chinese_chars`).
        public var splitCJK: Bool
        /// Longer words become one `[UNK]` (`max_input_chars_per_word`).
        public var maxCharsPerWord: Int

        public init(lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true, maxCharsPerWord: Int = 100) {
            self.lowercase = lowercase
            self.stripAccents = stripAccents
            self.splitCJK = splitCJK
            self.maxCharsPerWord = maxCharsPerWord
        }
    }

    public let options: Options
    public let vocabularySize: Int
    public let unknownID: Int32
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32

    private let vocabulary: [String]
    /// Keyed by UTF-8 bytes, not String: String equality is canonical equivalence and its
    /// prefixes are grapheme clusters ("##" + a combining mark is not "##"-prefixed), while the
    /// reference compares code points.
    private let wordStarts: [[UInt8]: Int32]
    /// Continuation pieces, keyed without their `##`.
    private let continuations: [[UInt8]: Int32]
    /// The longest piece in code points: longer candidates are not looked up, which keeps a
    /// word's cost at (length × this) lookups instead of length³.
    private let maxPieceLength: Int
    /// Special tokens matched verbatim in the input, longest first.
    private let specials: [(scalars: [Unicode.Scalar], id: Int32)]

    /// A tokenizer over `vocabulary` (id = index; for a repeated token the last index wins, as
    /// in Hugging Face's `load_vocab`). `specialTokens` are matched verbatim in the text.
    public init(vocabulary: [String], options: Options = Options(), unknown: String = "[UNK]", cls: String = "[CLS]",
                sep: String = "[SEP]", pad: String = "[PAD]", specialTokens: [String] = ["[MASK]"]) throws(TokenizerError) {
        guard !vocabulary.isEmpty, vocabulary.count <= Int(Int32.max) else {
            throw .badFiles("the vocabulary has \(vocabulary.count) tokens")
        }
        guard options.maxCharsPerWord > 0 else { throw .badFiles("max_input_chars_per_word must be positive") }
        var starts: [[UInt8]: Int32] = [:], continuations: [[UInt8]: Int32] = [:]
        var longest = 1
        for (i, token) in vocabulary.enumerated() {
            let bytes = Array(token.utf8)
            if bytes.starts(with: [0x23, 0x23]) { continuations[Array(bytes.dropFirst(2))] = Int32(i) }
            starts[bytes] = Int32(i)
            longest = max(longest, token.unicodeScalars.count)
        }
        maxPieceLength = longest
        func id(_ token: String) throws(TokenizerError) -> Int32 {
            guard let id = starts[Array(token.utf8)] else { throw .badFiles("special token '\(token)' is not in the vocabulary") }
            return id
        }
        self.options = options
        self.vocabulary = vocabulary
        self.vocabularySize = vocabulary.count
        self.wordStarts = starts
        self.continuations = continuations
        unknownID = try id(unknown)
        clsID = try id(cls)
        sepID = try id(sep)
        padID = try id(pad)
        var specials: [(scalars: [Unicode.Scalar], id: Int32)] = []
        for token in Set([unknown, cls, sep, pad] + specialTokens) where !token.isEmpty {
            specials.append((Array(token.unicodeScalars), try id(token)))
        }
        self.specials = specials.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// Reads a Hugging Face BERT tokenizer directory: `vocab.txt` (one token a line), and
    /// `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`) and
    /// `special_tokens_map.json` if present.
    public init(directory: String) throws(TokenizerError) {
        let vocabPath = directory + "/vocab.txt"
        guard let data = FileManager.default.contents(atPath: vocabPath) else {
            throw .badFiles("cannot read \(vocabPath)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .badFiles("\(vocabPath) is not UTF-8") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        let config = try Self.jsonObject(directory + "/tokenizer_config.json")
        let map = try Self.jsonObject(directory + "/special_tokens_map.json")
        func flag(_ key: String) throws(TokenizerError) -> Bool? {
            guard let v = config[key], !(v is NSNull) else { return nil }
            guard let b = v as? Bool else { throw .badFiles("tokenizer_config.json: \(key) is not true, false or null") }
            return b
        }
        func special(_ key: String, _ fallback: String) throws(TokenizerError) -> String {
            // special_tokens_map.json values are strings or {"content": ...} objects
            for source in [map, config] {
                if let s = source[key] as? String { return s }
                if let o = source[key] as? [String: Any], let s = o["content"] as? String { return s }
            }
            return fallback
        }
        var options = Options()
        options.lowercase = try flag("do_lower_case") ?? true
        options.stripAccents = try flag("strip_accents")
        options.splitCJK = try flag("tokenize_chinese_chars") ?? true
        try self.init(vocabulary: lines, options: options,
                      unknown: special("unk_token", "[UNK]"), cls: special("cls_token", "[CLS]"),
                      sep: special("sep_token", "[SEP]"), pad: special("pad_token", "[PAD]"),
                      specialTokens: [special("mask_token", "[MASK]")])
    }

    /// A JSON object from `path`, or [:] if the file does not exist.
    private static func jsonObject(_ path: String) throws(TokenizerError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badFiles("\(path) is not a JSON object")
        }
        return o
    }

    /// The model input for `text`: `[CLS]`, its word pieces (the first `maxLength - 2`), `[SEP]`.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        let pieces = wordPieces(text)
        let keep = max(0, min(pieces.count, maxLength - 2))
        return [clsID] + pieces[..<keep] + [sepID]
    }

    /// The word-piece ids of `text`, without `[CLS]`/`[SEP]` and untruncated.
    public func wordPieces(_ text: String) -> [Int32] {
        var out: [Int32] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0, i = 0
        while i < scalars.count {
            if let special = specialToken(at: i, in: scalars) {
                appendPieces(of: scalars[segmentStart..<i], to: &out)
                out.append(special.id)
                i += special.length
                segmentStart = i
            } else {
                i += 1
            }
        }
        appendPieces(of: scalars[segmentStart...], to: &out)
        return out
    }

    /// The vocabulary string of `id`, or nil.
    public func token(_ id: Int32) -> String? {
        vocabulary.indices.contains(Int(id)) ? vocabulary[Int(id)] : nil
    }

    private func specialToken(at i: Int, in s: [Unicode.Scalar]) -> (id: Int32, length: Int)? {
        guard s[i] == "[" else { return nil }  // every BERT special token starts with '['
        for t in specials where t.scalars.count <= s.count - i && s[i..<(i + t.scalars.count)].elementsEqual(t.scalars) {
            return (t.id, t.scalars.count)
        }
        return nil
    }

    private func appendPieces(of segment: ArraySlice<Unicode.Scalar>, to out: inout [Int32]) {
        guard !segment.isEmpty else { return }
        var word: [Unicode.Scalar] = []
        for c in normalize(segment) {
            if c.properties.isWhitespace {
                wordPiece(word, into: &out)
                word.removeAll(keepingCapacity: true)
            } else if Self.isPunctuation(c) {
                wordPiece(word, into: &out)
                word.removeAll(keepingCapacity: true)
                wordPiece([c], into: &out)
            } else {
                word.append(c)
            }
        }
        wordPiece(word, into: &out)
    }

    /// BertNormalizer: clean, space CJK, strip accents, lower-case (in the tokenizers library's order).
    private func normalize(_ segment: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(segment.count)
        var ascii = true
        for c in segment {
            if c.value == 0 || c.value == 0xFFFD || Self.isControl(c) { continue }
            if c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace {
                out.append(" ")
            } else if options.splitCJK && Self.isCJK(c) {
                out.append(" "); out.append(c); out.append(" ")
            } else {
                out.append(c)
            }
            if c.value >= 0x80 { ascii = false }
        }
        if ascii {
            if options.lowercase { for i in out.indices where out[i].value >= 65 && out[i].value <= 90 { out[i] = Unicode.Scalar(out[i].value + 32)! } }
            return out
        }
        if options.stripAccents ?? options.lowercase {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: out)
            out = String(s).decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }
        }
        if options.lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for c in out {
                if c.properties.changesWhenLowercased { lowered.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars) } else { lowered.append(c) }
            }
            out = lowered
        }
        return out
    }

    /// Greedy longest-match-first split of one word.
    private func wordPiece(_ word: [Unicode.Scalar], into out: inout [Int32]) {
        guard !word.isEmpty else { return }
        guard word.count <= options.maxCharsPerWord else { out.append(unknownID); return }
        let mark = out.count
        var start = 0
        while start < word.count {
            var end = min(word.count, start + maxPieceLength)
            var found: Int32?
            while start < end {
                var key: [UInt8] = []
                for c in word[start..<end] { UTF8.encode(c) { key.append($0) } }
                if let id = (start == 0 ? wordStarts : continuations)[key] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                out.removeSubrange(mark...)
                out.append(unknownID)
                return
            }
            out.append(id)
            start = end
        }
    }

    /// Control, format, unassigned, private-use and surrogate characters except \t \n \r.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII punctuation (which includes symbols like $ + < = > ^ ` | ~) or Unicode P*.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation,
             .initialPunctuation, .otherPunctuation, .openPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks of the tokenizers library's `is_chinese_char`.
    static func isCJK(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
