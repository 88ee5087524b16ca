import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import Testing

/// Loading refuses what it cannot run, with an error that names the problem.
@Suite struct ModelLoadingTests {
    /// A tiny llama-shaped file: 1 layer, d = 32, 2 heads, vocab 4.
    static func tinyLlama(architecture: String = "llama", queryType: GGMLType = .f32, dropTensor: String? = nil,
                          queryShape: [Int] = [32, 32]) throws -> GGUFFile {
        var w = GGUFWriter()
        w.add("general.architecture", .string(architecture))
        for (k, v) in [("block_count", 1), ("embedding_length", 32), ("feed_forward_length", 64),
                       ("attention.head_count", 2), ("attention.head_count_kv", 2), ("vocab_size", 4)] {
            w.add("\(architecture).\(k)", .uint32(UInt32(v)))
        }
        w.add("\(architecture).attention.layer_norm_rms_epsilon", .float32(1e-5))
        var tensors: [(String, GGMLType, [Int])] = [
            ("token_embd.weight", .f32, [32, 4]), ("output_norm.weight", .f32, [32]),
            ("blk.0.attn_norm.weight", .f32, [32]), ("blk.0.attn_q.weight", queryType, queryShape),
            ("blk.0.attn_k.weight", .f32, [32, 32]), ("blk.0.attn_v.weight", .f32, [32, 32]),
            ("blk.0.attn_output.weight", .f32, [32, 32]), ("blk.0.ffn_norm.weight", .f32, [32]),
            ("blk.0.ffn_gate.weight", .f32, [32, 64]), ("blk.0.ffn_up.weight", .f32, [32, 64]),
            ("blk.0.ffn_down.weight", .f32, [64, 32]),
        ]
        tensors.removeAll { $0.0 == dropTensor }
        for (name, type, dims) in tensors { w.addTensor(name, type: type, dimensions: dims) }
        return try GGUFFile(bytes: w.encode().bytes)
    }

    func loadError(_ file: GGUFFile) -> ModelError? {
        do {
            _ = try ModelRegistry.load(file, context: ComputeContext(threads: 1), maxBatch: 4)
            return nil
        } catch {
            return error
        }
    }

    @Test func tinyValidFileLoadsAndRuns() throws {
        let model = try ModelRegistry.load(try Self.tinyLlama(), context: ComputeContext(threads: 1), maxBatch: 4)
        let cache = KVCache(configuration: model.configuration, capacity: 8)
        var logits = [Float](repeating: .nan, count: 4)
        [Int32(1), 2, 3].withUnsafeBufferPointer { t in
            logits.withUnsafeMutableBufferPointer { model.forward(t, start: 0, cache: cache, logits: $0.baseAddress!) }
        }
        #expect(logits.allSatisfy { $0.isFinite })
    }

    @Test func unsupportedArchitectureIsNamed() throws {
        let e = loadError(try Self.tinyLlama(architecture: "mamba"))
        #expect(e?.code == .unsupportedArchitecture)
        #expect(e?.message.contains("mamba") == true && e?.message.contains("llama") == true, "\(String(describing: e))")
    }

    @Test func unsupportedTensorTypeIsNamed() throws {
        let e = loadError(try Self.tinyLlama(queryType: .iq2_xxs, queryShape: [256, 32]))
        #expect(e?.code == .unsupportedTensorType || e?.code == .badTensorShape, "\(String(describing: e))")
        let typed = loadError(try Self.tinyLlama(queryType: .iq4_nl))
        #expect(typed?.code == .unsupportedTensorType, "\(String(describing: typed))")
        #expect(typed?.message.contains("blk.0.attn_q.weight") == true && typed?.message.contains("IQ4_NL") == true)
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        let missing = loadError(try Self.tinyLlama(dropTensor: "blk.0.ffn_up.weight"))
        #expect(missing?.code == .missingTensor && missing?.message == "blk.0.ffn_up.weight")
        let shape = loadError(try Self.tinyLlama(queryShape: [32, 64]))
        #expect(shape?.code == .badTensorShape && shape?.message.contains("blk.0.attn_q.weight") == true)
    }
}
