public import ContinuumKernels
internal import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hyper-parameters of a BERT encoder, from a Hugging Face `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float

    public var headDimension: Int { hiddenSize / headCount }

    /// Reads `config.json`; only absolute position embeddings and the exact (erf) GELU are
    /// supported, and anything else is refused rather than run wrongly.
    public init(configFile path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(.badConfiguration, "cannot read \(path)")
        }
        struct File: Decodable {
            var model_type, hidden_act, position_embedding_type: String?
            var vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size: Int?
            var max_position_embeddings, type_vocab_size: Int?
            var layer_norm_eps: Double?
        }
        let c: File
        do { c = try JSONDecoder().decode(File.self, from: data) } catch {
            throw ModelError(.badConfiguration, "\(path): \(error)")
        }
        func int(_ value: Int?, _ key: String, _ fallback: Int? = nil) throws(ModelError) -> Int {
            guard let v = value ?? fallback, v > 0 else {
                throw ModelError(.badConfiguration, "\(path): \(key) is missing or not a positive integer")
            }
            return v
        }
        let modelType = c.model_type ?? "bert"
        guard modelType == "bert" else {
            throw ModelError(.unsupportedArchitecture, "\(path): model_type '\(modelType)' (supported: bert)")
        }
        let act = c.hidden_act ?? "gelu"
        guard act == "gelu" else {
            throw ModelError(.badConfiguration, "\(path): hidden_act '\(act)' (supported: gelu)")
        }
        let position = c.position_embedding_type ?? "absolute"
        guard position == "absolute" else {
            throw ModelError(.badConfiguration, "\(path): position_embedding_type '\(position)' (supported: absolute)")
        }
        vocabularySize = try int(c.vocab_size, "vocab_size")
        hiddenSize = try int(c.hidden_size, "hidden_size")
        layerCount = try int(c.num_hidden_layers, "num_hidden_layers")
        headCount = try int(c.num_attention_heads, "num_attention_heads")
        intermediateSize = try int(c.intermediate_size, "intermediate_size")
        maxPositions = try int(c.max_position_embeddings, "max_position_embeddings", 512)
        typeVocabularySize = try int(c.type_vocab_size, "type_vocab_size", 2)
        let eps = c.layer_norm_eps ?? 1e-12
        guard eps > 0, eps < 1 else { throw ModelError(.badConfiguration, "\(path): layer_norm_eps \(eps)") }
        layerNormEpsilon = Float(eps)
        guard hiddenSize % headCount == 0 else {
            throw ModelError(.badConfiguration, "\(path): hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        guard layerCount <= 256, hiddenSize <= 16384, intermediateSize <= 65536, maxPositions <= 65536 else {
            throw ModelError(.badConfiguration, "\(path): implausibly large dimensions")
        }
    }
}

/// A BERT encoder (e.g. all-MiniLM-L6-v2) read from Hugging Face files: post-norm layers of
/// bidirectional self-attention and a GELU feed-forward, word + absolute position +
/// token-type embeddings. Matrices are used in place from the memory-mapped safetensors
/// (F32, F16 or BF16) through the float matmul kernels; the rest is small and kept as f32.
///
/// Immutable: `forward` takes the compute context and allocates its own activations, so
/// concurrent callers need only their own contexts.
public final class BertEncoder: Sendable {
    struct Layer: Sendable {
        let query, key, value, attentionOutput, intermediate, output: WeightMatrix
        let queryBias, keyBias, valueBias, attentionOutputBias, intermediateBias, outputBias: [Float]
        let attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: [Float]
    }

    public let configuration: BertConfiguration
    let file: SafetensorsFile
    let wordEmbeddings: WeightMatrix
    let positionEmbeddings: [Float]
    let tokenTypeEmbedding: [Float]  // type 0: single-sentence inputs
    let embeddingNormWeight, embeddingNormBias: [Float]
    let layers: [Layer]

    /// Loads `config.json` and `model.safetensors` from a Hugging Face model directory.
    /// Tensor names may carry a `bert.` prefix (BertForX checkpoints) or not (BertModel).
    public init(directory: String) throws(ModelError) {
        let c = try BertConfiguration(configFile: directory + "/config.json")
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: directory + "/model.safetensors") } catch {
            throw ModelError(.file, error.description)
        }
        let prefix = file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let d = c.hiddenSize, ff = c.intermediateSize
        func m(_ name: String, _ rows: Int, _ cols: Int) throws(ModelError) -> WeightMatrix {
            do { return try file.matrix(prefix + name, rows: rows, cols: cols) } catch { throw ModelError(.file, error.description) }
        }
        func v(_ name: String, _ shape: [Int]) throws(ModelError) -> [Float] {
            do { return try file.floats(prefix + name, shape: shape) } catch { throw ModelError(.file, error.description) }
        }
        configuration = c
        self.file = file
        wordEmbeddings = try m("embeddings.word_embeddings.weight", c.vocabularySize, d)
        positionEmbeddings = try v("embeddings.position_embeddings.weight", [c.maxPositions, d])
        tokenTypeEmbedding = Array(try v("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, d]).prefix(d))
        embeddingNormWeight = try v("embeddings.LayerNorm.weight", [d])
        embeddingNormBias = try v("embeddings.LayerNorm.bias", [d])
        var layers: [Layer] = []
        for i in 0..<c.layerCount {
            let p = "encoder.layer.\(i)."
            layers.append(Layer(
                query: try m(p + "attention.self.query.weight", d, d),
                key: try m(p + "attention.self.key.weight", d, d),
                value: try m(p + "attention.self.value.weight", d, d),
                attentionOutput: try m(p + "attention.output.dense.weight", d, d),
                intermediate: try m(p + "intermediate.dense.weight", ff, d),
                output: try m(p + "output.dense.weight", d, ff),
                queryBias: try v(p + "attention.self.query.bias", [d]),
                keyBias: try v(p + "attention.self.key.bias", [d]),
                valueBias: try v(p + "attention.self.value.bias", [d]),
                attentionOutputBias: try v(p + "attention.output.dense.bias", [d]),
                intermediateBias: try v(p + "intermediate.dense.bias", [ff]),
                outputBias: try v(p + "output.dense.bias", [d]),
                attentionNormWeight: try v(p + "attention.output.LayerNorm.weight", [d]),
                attentionNormBias: try v(p + "attention.output.LayerNorm.bias", [d]),
                outputNormWeight: try v(p + "output.LayerNorm.weight", [d]),
                outputNormBias: try v(p + "output.LayerNorm.bias", [d])))
        }
        self.layers = layers
    }

    /// The last hidden states, (ids.count, hiddenSize) row-major, of one sequence whose every
    /// token is attended to (no padding: one text per call). Ids must be in the vocabulary and
    /// at most `maxPositions` long (checked).
    public func forward(_ ids: [Int32], context: ComputeContext) -> [Float] {
        let c = configuration, n = ids.count, d = c.hiddenSize, ff = c.intermediateSize
        precondition(n > 0 && n <= c.maxPositions, "sequence length \(n) outside 1...\(c.maxPositions)")
        var x = [Float](repeating: 0, count: n * d)
        var q = x, k = x, v = x, attn = x, tmp = x
        var hidden = [Float](repeating: 0, count: n * ff)
        x.withUnsafeMutableBufferPointer { x in
            for (t, id) in ids.enumerated() {
                precondition(id >= 0 && Int(id) < c.vocabularySize, "token id \(id) out of range")
                let row = x.baseAddress! + t * d
                Kernels.dequantizeRow(wordEmbeddings, row: Int(id), into: row)
                for j in 0..<d { row[j] += positionEmbeddings[t * d + j] + tokenTypeEmbedding[j] }
                Self.layerNorm(row, weight: embeddingNormWeight, bias: embeddingNormBias, n: d, eps: c.layerNormEpsilon)
            }
        }
        for layer in layers {
            Self.linear(layer.query, layer.queryBias, x, n, &q, context)
            Self.linear(layer.key, layer.keyBias, x, n, &k, context)
            Self.linear(layer.value, layer.valueBias, x, n, &v, context)
            attention(q, k, v, n: n, out: &attn, context: context)
            Self.linear(layer.attentionOutput, layer.attentionOutputBias, attn, n, &tmp, context)
            Self.addAndNorm(&x, tmp, layer.attentionNormWeight, layer.attentionNormBias, n: n, d: d, eps: c.layerNormEpsilon)
            Self.linear(layer.intermediate, layer.intermediateBias, x, n, &hidden, context)
            Self.gelu(&hidden)
            Self.linear(layer.output, layer.outputBias, hidden, n, &tmp, context)
            Self.addAndNorm(&x, tmp, layer.outputNormWeight, layer.outputNormBias, n: n, d: d, eps: c.layerNormEpsilon)
        }
        return x
    }

    /// y (n, w.rows) = x (n, w.cols) · wᵀ + bias, all tokens in one matmul.
    static func linear(_ w: WeightMatrix, _ bias: [Float], _ x: [Float], _ n: Int, _ y: inout [Float], _ context: ComputeContext) {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                Kernels.matmul(w, x.baseAddress!, n: n, y.baseAddress!, context: context)
                bias.withUnsafeBufferPointer { b in
                    for t in 0..<n {
                        let row = y.baseAddress! + t * w.rows
                        for j in 0..<w.rows { row[j] += b[j] }
                    }
                }
            }
        }
    }

    /// Bidirectional multi-head attention of every token to every token: per head,
    /// softmax(q·kᵀ / √headDim)·v. Heads are spread over the context's threads.
    func attention(_ q: [Float], _ k: [Float], _ v: [Float], n: Int, out: inout [Float], context: ComputeContext) {
        let c = configuration, d = c.hiddenSize, hd = c.headDimension
        let scale = 1 / Float(hd).squareRoot()
        let threads = context.threadCount
        var scores = [Float](repeating: 0, count: threads * n)
        q.withUnsafeBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { out in
                        scores.withUnsafeMutableBufferPointer { scores in
                            let (q, k, v, o, s) = (q.baseAddress!, k.baseAddress!, v.baseAddress!, out.baseAddress!, scores.baseAddress!)
                            context.parallelFor(c.headCount) { h, thread in
                                let s = s + thread * n
                                for i in 0..<n {
                                    let qi = q + i * d + h * hd
                                    for j in 0..<n { s[j] = Kernels.dot(qi, k + j * d + h * hd, n: hd) * scale }
                                    Kernels.softmax(s, n: n)
                                    let oi = o + i * d + h * hd
                                    oi.update(repeating: 0, count: hd)
                                    for j in 0..<n { Kernels.axpy(s[j], v + j * d + h * hd, oi, n: hd) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// x = LayerNorm(x + r), row by row.
    static func addAndNorm(_ x: inout [Float], _ r: [Float], _ weight: [Float], _ bias: [Float], n: Int, d: Int, eps: Float) {
        x.withUnsafeMutableBufferPointer { x in
            for t in 0..<n {
                let row = x.baseAddress! + t * d
                for j in 0..<d { row[j] += r[t * d + j] }
                layerNorm(row, weight: weight, bias: bias, n: d, eps: eps)
            }
        }
    }

    /// In place: (x - mean) / sqrt(var + eps) * weight + bias (biased variance, as torch).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, weight: [Float], bias: [Float], n: Int, eps: Float) {
        var sum = 0.0
        for j in 0..<n { sum += Double(x[j]) }
        let mean = sum / Double(n)
        var sq = 0.0
        for j in 0..<n { let e = Double(x[j]) - mean; sq += e * e }
        let inv = 1 / (sq / Double(n) + Double(eps)).squareRoot()
        for j in 0..<n { x[j] = Float((Double(x[j]) - mean) * inv) * weight[j] + bias[j] }
    }

    /// The exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)) (Hugging Face's "gelu").
    static func gelu(_ x: inout [Float]) {
        let r = Float(0.5.squareRoot())
        for i in x.indices { x[i] = 0.5 * x[i] * (1 + erff(x[i] * r)) }
    }
}
