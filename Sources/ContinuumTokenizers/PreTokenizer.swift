/// The regex that cuts text into words before BPE, chosen by `tokenizer.ggml.pre`.
///
/// Each regex is a hand-written scanner over scalars and `CharClass` flags, written to give
/// exactly the splits of llama.cpp (`src/llama-vocab.cpp` `llm_tokenizer_bpe`, and the custom
/// splitters in `src/unicode.cpp`). A pre-tokenizer is a cascade of stages: each stage cuts
/// every piece from the previous stage, and text between matches stays a piece of its own.
enum PreTokenizer: Sendable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// llama.cpp's fallback when no pre-tokenizer is named: punctuation runs, GPT-2, number
    /// runs, then ASCII digit triples.
    case defaultBPE
    /// SmolLM / StarCoder: every \p{N} alone, then GPT-2.
    case smollm
    /// Qwen2: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen2
    /// Llama 3: as Qwen2 but `\p{N}{1,3}`; whole words found in the vocabulary skip BPE.
    case llama3

    static let supportedNames = ["default", "gpt-2", "gpt2", "smollm", "starcoder", "qwen2",
                                 "deepseek-r1-qwen", "llama-bpe", "llama3", "llama-v3"]

    init?(name: String) {
        switch name {
        case "default", "": self = .defaultBPE
        case "gpt-2", "gpt2": self = .gpt2
        case "smollm", "starcoder": self = .smollm
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "llama-bpe", "llama3", "llama-v3": self = .llama3
        default: return nil
        }
    }

    /// llama.cpp `ignore_merges`: a word that is itself a token is emitted without merging.
    var ignoresMerges: Bool { self == .llama3 }

    /// BOS default when `tokenizer.ggml.add_bos_token` is absent.
    var addsBOSByDefault: Bool { self == .llama3 }

    enum Stage {
        case isolateNumbers, punctuationRuns, numberRuns, asciiDigitTriples
        case gpt2, llama3, qwen2
    }

    var stages: [Stage] {
        switch self {
        case .gpt2: [.gpt2]
        case .defaultBPE: [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples]
        case .smollm: [.isolateNumbers, .gpt2]
        case .qwen2: [.qwen2]
        case .llama3: [.llama3]
        }
    }

    /// Cuts scalars `lo..<hi` into words; appends each word's end index to `ends`.
    /// `scratch` holds intermediate stages.
    func split(_ cp: UnsafeBufferPointer<UInt32>, _ fl: UnsafeBufferPointer<UInt8>,
               _ lo: Int, _ hi: Int, into ends: inout [Int], scratch: inout [Int]) {
        guard lo < hi else { return }
        let stages = self.stages
        if stages.count == 1 {
            Self.run(stages[0], cp, fl, lo, hi, &ends)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(hi)
        var next: [Int] = []
        for (i, stage) in stages.enumerated() {
            next.removeAll(keepingCapacity: true)
            var start = lo
            for end in scratch {
                Self.run(stage, cp, fl, start, end, &next)
                start = end
            }
            if i == stages.count - 1 {
                ends.append(contentsOf: next)
            } else {
                swap(&scratch, &next)
            }
        }
    }

    private static func run(_ stage: Stage, _ cp: UnsafeBufferPointer<UInt32>, _ fl: UnsafeBufferPointer<UInt8>,
                            _ lo: Int, _ hi: Int, _ out: inout [Int]) {
        switch stage {
        case .gpt2: gpt2(cp, fl, lo, hi, &out)
        case .llama3: llama3(cp, fl, lo, hi, digitsPerWord: 3, &out)
        case .qwen2: llama3(cp, fl, lo, hi, digitsPerWord: 1, &out)
        case .isolateNumbers: isolate(fl, lo, hi, &out) { $0 & CharClass.number != 0 }
        case .punctuationRuns: runs(fl, lo, hi, &out) { $0 & CharClass.punctuation != 0 }
        case .numberRuns: runs(fl, lo, hi, &out) { $0 & CharClass.number != 0 }
        case .asciiDigitTriples: digitTriples(cp, lo, hi, &out)
        }
    }

    // MARK: Simple stages (llama.cpp runs these through std::regex; same splits)

    /// Every scalar matching `match` is a word; text between them too.
    private static func isolate(_ fl: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ out: inout [Int],
                                _ match: (UInt8) -> Bool) {
        var prev = lo
        for i in lo..<hi where match(fl[i]) {
            if i > prev { out.append(i) }
            out.append(i + 1)
            prev = i + 1
        }
        if prev < hi { out.append(hi) }
    }

    /// Each maximal run of scalars matching `match` is a word; text between them too.
    private static func runs(_ fl: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ out: inout [Int],
                             _ match: (UInt8) -> Bool) {
        var i = lo
        var prev = lo
        while i < hi {
            guard match(fl[i]) else { i += 1; continue }
            if i > prev { out.append(i) }
            var j = i + 1
            while j < hi && match(fl[j]) { j += 1 }
            out.append(j)
            prev = j
            i = j
        }
        if prev < hi { out.append(hi) }
    }

    /// `[0-9][0-9][0-9]`, leftmost non-overlapping.
    private static func digitTriples(_ cp: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ out: inout [Int]) {
        @inline(__always) func digit(_ i: Int) -> Bool { cp[i] >= 0x30 && cp[i] <= 0x39 }
        var i = lo
        var prev = lo
        while i + 2 < hi {
            if digit(i) && digit(i + 1) && digit(i + 2) {
                if i > prev { out.append(i) }
                out.append(i + 3)
                prev = i + 3
                i += 3
            } else {
                i += 1
            }
        }
        if prev < hi { out.append(hi) }
    }

    // MARK: GPT-2

    private static func gpt2(_ cp: UnsafeBufferPointer<UInt32>, _ fl: UnsafeBufferPointer<UInt8>,
                             _ lo: Int, _ hi: Int, _ out: inout [Int]) {
        let L = CharClass.letter, N = CharClass.number, WS = CharClass.whitespace
        @inline(__always) func flags(_ i: Int) -> UInt8 { i < hi ? fl[i] : 0 }
        var pos = lo
        while pos < hi {
            let c = cp[pos]
            // 's|'t|'re|'ve|'m|'ll|'d
            if c == 0x27 && pos + 1 < hi {
                let n = cp[pos + 1]
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {  // s t m d
                    pos += 2; out.append(pos); continue
                }
                if pos + 2 < hi {
                    let nn = cp[pos + 2]
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {  // re ve ll
                        pos += 3; out.append(pos); continue
                    }
                }
            }
            let space = c == 0x20
            let f2 = space ? flags(pos + 1) : fl[pos]
            // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
            if f2 & L != 0 {
                if space { pos += 1 }
                while flags(pos) & L != 0 { pos += 1 }
                out.append(pos)
                continue
            }
            if f2 & N != 0 {
                if space { pos += 1 }
                while flags(pos) & N != 0 { pos += 1 }
                out.append(pos)
                continue
            }
            if f2 & (WS | L | N) == 0 && f2 != 0 {
                if space { pos += 1 }
                while true {
                    let f = flags(pos)
                    guard f & (WS | L | N) == 0 && f != 0 else { break }
                    pos += 1
                }
                out.append(pos)
                continue
            }
            var spaces = 0
            while flags(pos + spaces) & WS != 0 { spaces += 1 }
            // \s+(?!\S)
            if spaces > 1 && pos + spaces < hi {
                pos += spaces - 1; out.append(pos); continue
            }
            // \s+
            if spaces > 0 {
                pos += spaces; out.append(pos); continue
            }
            pos += 1
            out.append(pos)
        }
    }

    // MARK: Llama 3 / Qwen2

    private static func llama3(_ cp: UnsafeBufferPointer<UInt32>, _ fl: UnsafeBufferPointer<UInt8>,
                               _ lo: Int, _ hi: Int, digitsPerWord: Int, _ out: inout [Int]) {
        let L = CharClass.letter, N = CharClass.number, WS = CharClass.whitespace
        @inline(__always) func flags(_ i: Int) -> UInt8 { i < hi ? fl[i] : 0 }
        @inline(__always) func lower(_ c: UInt32) -> UInt32 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }
        @inline(__always) func isCRLF(_ i: Int) -> Bool { i < hi && (cp[i] == 0x0A || cp[i] == 0x0D) }
        var pos = lo
        while pos < hi {
            let c = cp[pos]
            let f = fl[pos]
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if c == 0x27 && pos + 1 < hi {
                let n = lower(cp[pos + 1])
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {
                    pos += 2; out.append(pos); continue
                }
                if pos + 2 < hi {
                    let nn = lower(cp[pos + 2])
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        pos += 3; out.append(pos); continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 0x0D || c == 0x0A || f & N != 0) {
                if f & L != 0 || flags(pos + 1) & L != 0 {
                    pos += 1
                    while flags(pos) & L != 0 { pos += 1 }
                    out.append(pos)
                    continue
                }
            }
            // \p{N}{1,3} (Llama 3) or \p{N} (Qwen2)
            if f & N != 0 {
                var run = 0
                while flags(pos) & N != 0 {
                    pos += 1
                    run += 1
                    if run == digitsPerWord { out.append(pos); run = 0 }
                }
                if run > 0 { out.append(pos) }
                continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            let space = c == 0x20
            var f2 = space ? flags(pos + 1) : f
            if f2 & (WS | L | N) == 0 && f != 0 {
                if space { pos += 1 }
                while f2 & (WS | L | N) == 0 && f2 != 0 {
                    pos += 1
                    f2 = flags(pos)
                }
                while isCRLF(pos) { pos += 1 }
                out.append(pos)
                continue
            }
            var spaces = 0
            var lastCRLFEnd = 0
            while flags(pos + spaces) & WS != 0 {
                if isCRLF(pos + spaces) { lastCRLFEnd = pos + spaces + 1 }
                spaces += 1
            }
            // \s*[\r\n]+
            if lastCRLFEnd > 0 {
                pos = lastCRLFEnd; out.append(pos); continue
            }
            // \s+(?!\S)
            if spaces > 1 && pos + spaces < hi {
                pos += spaces - 1; out.append(pos); continue
            }
            // \s+
            if spaces > 0 {
                pos += spaces; out.append(pos); continue
            }
            pos += 1
            out.append(pos)
        }
    }
}
