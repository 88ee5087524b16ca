import ContinuumKernels
import ContinuumModels
import ContinuumTokenizers
public import Foundation

/// A sentence-embedding model could not be loaded: the message names the file and the problem.
public struct EmbeddingError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case missingFile = "missing model file"
        case badConfiguration = "invalid sentence-transformers configuration"
        case unsupportedModule = "unsupported sentence-transformers module"
        case model = "cannot load the encoder"
        case tokenizer = "cannot load the tokenizer"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Sentence embeddings from a sentence-transformers model directory (e.g. all-MiniLM-L6-v2, as
/// `scripts/fetch-model.sh minilm` caches it): WordPiece tokens, the BERT encoder, then the
/// modules `modules.json` lists — Pooling (as `1_Pooling/config.json` says) and, if listed,
/// Normalize (unit L2 length). The same vectors as `SentenceTransformer.encode`.
///
/// Thread-safe. A text's matmuls batch all its tokens. One text runs on all of the engine's
/// threads; several are spread over the threads, one text per thread at a time (short texts
/// are too small to split well: each matmul would pay a thread hand-off). Each compute
/// context is used under its own lock, so concurrent callers share the threads.
public final class EmbeddingEngine: Sendable {
    /// How token vectors become one sentence vector (`1_Pooling/config.json`).
    public enum Pooling: String, Sendable {
        case mean, cls, max, meanSqrtLength
    }

    /// Length of every vector `embed` returns.
    public let dimension: Int
    /// The model directory's name, e.g. `all-MiniLM-L6-v2`.
    public let modelName: String
    /// Most tokens a text is encoded with, `[CLS]` and `[SEP]` included
    /// (`sentence_bert_config.json` `max_seq_length`); longer texts are truncated.
    public let maxTokens: Int
    public let pooling: Pooling
    /// Whether vectors are scaled to unit length (a Normalize module).
    public let normalizes: Bool

    private let tokenizer: WordPieceTokenizer
    private let encoder: BertEncoder
    private let context: ComputeContext
    private let lock = NSLock()
    /// One single-thread context per engine thread, for spreading texts over threads.
    private let workers: [(context: ComputeContext, lock: NSLock)]

    /// Loads the model in `directory`. Throws `EmbeddingError` naming the missing or malformed
    /// file, or a module this engine does not implement (e.g. a Dense layer).
    public init(directory: URL, threads: Int = Engine.defaultThreadCount) throws(EmbeddingError) {
        let dir = directory.standardizedFileURL.path
        modelName = directory.standardizedFileURL.lastPathComponent
        for file in ["config.json", "model.safetensors", "vocab.txt", "modules.json"]
        where !FileManager.default.fileExists(atPath: dir + "/" + file) {
            throw EmbeddingError(.missingFile, "\(dir)/\(file) does not exist (fetch the model with scripts/fetch-model.sh minilm)")
        }
        do { encoder = try BertEncoder(directory: dir) } catch { throw EmbeddingError(.model, "\(dir): \(error)") }
        do { tokenizer = try WordPieceTokenizer(directory: dir) } catch { throw EmbeddingError(.tokenizer, "\(dir): \(error)") }
        let config = encoder.configuration
        guard tokenizer.vocabularySize <= config.vocabularySize else {
            throw EmbeddingError(.tokenizer, "\(dir): vocab.txt has \(tokenizer.vocabularySize) tokens but the model only \(config.vocabularySize)")
        }

        // modules.json: a Transformer, then Pooling, then optionally Normalize
        let modules = try Self.json(dir + "/modules.json", as: [[String: Any]].self)
        let types = modules.compactMap { $0["type"] as? String }.map { $0.split(separator: ".").last.map(String.init) ?? $0 }
        guard types.count == modules.count, types.first == "Transformer", types.count >= 2, types[1] == "Pooling",
              types.count == 2 || (types.count == 3 && types[2] == "Normalize") else {
            throw EmbeddingError(.unsupportedModule, "\(dir)/modules.json lists \(types); supported: Transformer, Pooling[, Normalize]")
        }
        normalizes = types.count == 3
        let poolingPath = (modules[1]["path"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "1_Pooling"
        let p = try Self.json(dir + "/" + poolingPath + "/config.json", as: [String: Any].self)
        func flag(_ key: String) -> Bool { p[key] as? Bool ?? false }
        let modes: [(String, Pooling)] = [("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls),
                                          ("pooling_mode_max_tokens", .max), ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLength)]
        let on = modes.filter { flag($0.0) }
        let others = p.filter { $0.key.hasPrefix("pooling_mode_") && $0.value as? Bool == true && !modes.map(\.0).contains($0.key) }
        guard on.count == 1, others.isEmpty else {
            throw EmbeddingError(.unsupportedModule, "\(dir)/\(poolingPath)/config.json: exactly one of \(modes.map(\.0)) must be true")
        }
        pooling = on[0].1
        let width = (p["word_embedding_dimension"] as? Int) ?? config.hiddenSize
        guard width == config.hiddenSize else {
            throw EmbeddingError(.badConfiguration, "\(poolingPath)/config.json: word_embedding_dimension \(width) but the encoder's hidden size is \(config.hiddenSize)")
        }
        dimension = config.hiddenSize

        // sentence_bert_config.json: max_seq_length (else the model's position limit)
        var maxLength = config.maxPositions
        if FileManager.default.fileExists(atPath: dir + "/sentence_bert_config.json") {
            let s = try Self.json(dir + "/sentence_bert_config.json", as: [String: Any].self)
            if let m = s["max_seq_length"] {
                guard let m = m as? Int, m >= 2 else {
                    throw EmbeddingError(.badConfiguration, "sentence_bert_config.json: max_seq_length must be an integer >= 2")
                }
                maxLength = min(m, config.maxPositions)
            }
        }
        maxTokens = maxLength
        context = ComputeContext(threads: max(1, threads))
        workers = (0..<max(1, threads)).map { _ in (ComputeContext(threads: 1), NSLock()) }
    }

    private static func json<T>(_ path: String, as: T.Type) throws(EmbeddingError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingError(.missingFile, "cannot read \(path)")
        }
        guard let v = (try? JSONSerialization.jsonObject(with: data)) as? T else {
            throw EmbeddingError(.badConfiguration, "\(path) is not the JSON \(T.self == [[String: Any]].self ? "array of objects" : "object") expected")
        }
        return v
    }

    /// The token ids the model sees for `text`: `[CLS]`, word pieces, `[SEP]`, at most `maxTokens`.
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxTokens)
    }

    /// Tokens `text` is encoded with (after truncation, `[CLS]`/`[SEP]` included): its usage.
    public func tokenCount(_ text: String) -> Int {
        tokenize(text).count
    }

    /// One `dimension`-long vector per text, in order. The empty string is a valid text (it is
    /// encoded as `[CLS] [SEP]`). Does not throw today; `throws` leaves room for limits.
    public func embed(_ texts: [String]) throws -> [[Float]] {
        if texts.count <= 1 || workers.count == 1 {
            return texts.map { text in lock.withLock { pool(encoder.forward(tokenize(text), context: context)) } }
        }
        // texts handed out one at a time to whichever worker is free
        let results = Locked<(next: Int, out: [[Float]])>((0, Array(repeating: [], count: texts.count)))
        DispatchQueue.concurrentPerform(iterations: min(workers.count, texts.count)) { w in
            let worker = workers[w]
            worker.lock.withLock {
                while true {
                    let i = results.withLock { r in defer { r.next += 1 }; return r.next }
                    guard i < texts.count else { return }
                    let v = pool(encoder.forward(tokenize(texts[i]), context: worker.context))
                    results.withLock { $0.out[i] = v }
                }
            }
        }
        return results.withLock { $0.out }
    }

    /// Pooling, then normalisation, of one text's token vectors (n, dimension).
    private func pool(_ hidden: [Float]) -> [Float] {
        let n = hidden.count / dimension
        let d = dimension
        var out = [Float](repeating: 0, count: d)
        switch pooling {
        case .cls:
            out = Array(hidden[0..<d])
        case .max:
            out = Array(hidden[0..<d])
            for t in 1..<n { for j in 0..<d { out[j] = Swift.max(out[j], hidden[t * d + j]) } }
        case .mean, .meanSqrtLength:
            var acc = [Double](repeating: 0, count: d)
            for t in 0..<n { for j in 0..<d { acc[j] += Double(hidden[t * d + j]) } }
            let div = pooling == .mean ? Double(n) : Double(n).squareRoot()
            for j in 0..<d { out[j] = Float(acc[j] / div) }
        }
        if normalizes {
            // torch.nn.functional.normalize: v / max(‖v‖, 1e-12)
            var sq = 0.0
            for v in out { sq += Double(v) * Double(v) }
            let norm = Swift.max(sq.squareRoot(), 1e-12)
            for j in 0..<d { out[j] = Float(Double(out[j]) / norm) }
        }
        return out
    }
}

/// A value behind a lock (Synchronization.Mutex needs macOS 15).
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
