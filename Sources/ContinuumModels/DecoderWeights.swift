public import ContinuumGGUF
public import ContinuumKernels

/// The weights of one decoder layer, read in place from the memory-mapped file.
/// Shapes are (rows, cols) = (output, input), i.e. GGUF dims reversed.
struct LayerWeights: @unchecked Sendable {
    var attentionNorm: UnsafePointer<Float>   // (d,)
    var wq: WeightMatrix                      // (nH*hd, d)
    var wk: WeightMatrix                      // (nKV*hd, d)
    var wv: WeightMatrix                      // (nKV*hd, d)
    var bq: UnsafePointer<Float>?             // (nH*hd,)
    var bk: UnsafePointer<Float>?             // (nKV*hd,)
    var bv: UnsafePointer<Float>?             // (nKV*hd,)
    var wo: WeightMatrix                      // (d, nH*hd)
    var ffnNorm: UnsafePointer<Float>         // (d,)
    var wGate: WeightMatrix                   // (ff, d)
    var wUp: WeightMatrix                     // (ff, d)
    var wDown: WeightMatrix                   // (d, ff)
    var qNorm: UnsafePointer<Float>? = nil             // (hd,) gemma3
    var kNorm: UnsafePointer<Float>? = nil             // (hd,) gemma3
    var postAttentionNorm: UnsafePointer<Float>? = nil // (d,) gemma3
    var postFFNNorm: UnsafePointer<Float>? = nil       // (d,) gemma3
}

/// All weights of a decoder. `@unchecked Sendable`: every pointer points into the
/// read-only map owned by `gguf`, which this value keeps alive.
public struct DecoderWeights: @unchecked Sendable {
    let gguf: GGUFFile
    let tokenEmbedding: WeightMatrix          // (vocab, d)
    let output: WeightMatrix                  // (vocab, d); the embedding itself when tied
    let outputNorm: UnsafePointer<Float>      // (d,)
    let layers: [LayerWeights]
    public let tiedOutput: Bool

    init(gguf: GGUFFile, config c: DecoderConfiguration) throws(ModelError) {
        self.gguf = gguf
        let loader = TensorLoader(gguf: gguf)
        tokenEmbedding = try loader.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.embeddingDimension)
        if gguf.tensor(named: "output.weight") != nil {
            output = try loader.matrix("output.weight", rows: c.vocabularySize, cols: c.embeddingDimension)
            tiedOutput = false
        } else {
            output = tokenEmbedding
            tiedOutput = true
        }
        outputNorm = try loader.vector("output_norm.weight", count: c.embeddingDimension)
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            let bias = c.hasQKVBias
            var layer = LayerWeights(
                attentionNorm: try loader.vector(p + "attn_norm.weight", count: c.embeddingDimension),
                wq: try loader.matrix(p + "attn_q.weight", rows: c.qDimension, cols: c.embeddingDimension),
                wk: try loader.matrix(p + "attn_k.weight", rows: c.kvDimension, cols: c.embeddingDimension),
                wv: try loader.matrix(p + "attn_v.weight", rows: c.kvDimension, cols: c.embeddingDimension),
                bq: bias ? try loader.vector(p + "attn_q.bias", count: c.qDimension) : nil,
                bk: bias ? try loader.vector(p + "attn_k.bias", count: c.kvDimension) : nil,
                bv: bias ? try loader.vector(p + "attn_v.bias", count: c.kvDimension) : nil,
                wo: try loader.matrix(p + "attn_output.weight", rows: c.embeddingDimension, cols: c.qDimension),
                ffnNorm: try loader.vector(p + "ffn_norm.weight", count: c.embeddingDimension),
                wGate: try loader.matrix(p + "ffn_gate.weight", rows: c.feedForwardDimension, cols: c.embeddingDimension),
                wUp: try loader.matrix(p + "ffn_up.weight", rows: c.feedForwardDimension, cols: c.embeddingDimension),
                wDown: try loader.matrix(p + "ffn_down.weight", rows: c.embeddingDimension, cols: c.feedForwardDimension))
            if c.hasQKNorm {
                layer.qNorm = try loader.vector(p + "attn_q_norm.weight", count: c.headDimension)
                layer.kNorm = try loader.vector(p + "attn_k_norm.weight", count: c.headDimension)
            }
            if c.hasPostNorms {
                layer.postAttentionNorm = try loader.vector(p + "post_attention_norm.weight", count: c.embeddingDimension)
                layer.postFFNNorm = try loader.vector(p + "post_ffw_norm.weight", count: c.embeddingDimension)
            }
            layers.append(layer)
        }
        self.layers = layers
    }
}

/// Finds tensors by name and checks type and shape before handing out pointers.
struct TensorLoader {
    let gguf: GGUFFile

    func info(_ name: String) throws(ModelError) -> GGUFTensorInfo {
        guard let t = gguf.tensor(named: name) else { throw ModelError(.missingTensor, name) }
        return t
    }

    /// A 2-D weight of GGUF dims [cols, rows].
    func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> WeightMatrix {
        let t = try info(name)
        guard t.dimensions == [cols, rows] else {
            throw ModelError(.badTensorShape, "\(name) is \(t.dimensions), expected [\(cols), \(rows)]")
        }
        guard let q = QuantType(rawValue: t.type.rawValue) else {
            throw ModelError(.unsupportedTensorType, "\(name) has type \(t.type); supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K")
        }
        return WeightMatrix(type: q, rows: rows, cols: cols, data: gguf.data(of: t).baseAddress!)
    }

    /// A 1-D F32 vector (norm weights, biases).
    func vector(_ name: String, count: Int) throws(ModelError) -> UnsafePointer<Float> {
        let t = try info(name)
        guard t.dimensions == [count] else {
            throw ModelError(.badTensorShape, "\(name) is \(t.dimensions), expected [\(count)]")
        }
        guard t.type == .f32 else {
            throw ModelError(.unsupportedTensorType, "\(name) has type \(t.type); norms and biases must be F32")
        }
        guard t.offset % MemoryLayout<Float>.alignment == 0 else {
            throw ModelError(.file, "\(name) is not 4-byte aligned")
        }
        return gguf.data(of: t).baseAddress!.assumingMemoryBound(to: Float.self)
    }
}
