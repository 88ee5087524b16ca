import ContinuumEngine
import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import ContinuumTokenizers
import Foundation
import Testing

/// Where the optional Gemma 3 model is (outside the suite: its trait reads it).
enum Gemma {
    static let file = "gemma-3-270m-q4_k_m.gguf"
    static var path: String? { TestResources.model(file) }
}

/// Gemma 3 270M (`scripts/fetch-model.sh gemma3`, Gemma licence, optional): skipped when the
/// model is not in the cache.
@Suite(.serialized, .enabled(if: Gemma.path != nil, "needs \(Gemma.file): scripts/fetch-model.sh gemma3"))
struct GemmaTests {
    static var file: String { Gemma.file }
    static var path: String? { Gemma.path }

    /// The configuration as llama.cpp reads it: 18 layers, every sixth global, 512-token window,
    /// local RoPE base 10k and global 1M, attention scale 1/sqrt(256), GeGLU, tied output.
    @Test func configuration() throws {
        let gguf = try GGUFFile(path: try #require(Self.path))
        let model = try ModelRegistry.load(gguf, context: ComputeContext(threads: 1), maxBatch: 8)
        let c = model.configuration
        #expect(c.architecture == "gemma3" && c.layerCount == 18 && c.embeddingDimension == 640)
        #expect(c.headCount == 4 && c.kvHeadCount == 1 && c.headDimension == 256 && c.vocabularySize == 262_144)
        #expect(c.slidingWindow == 512)
        #expect((0..<18).filter { !c.isSliding($0) } == [5, 11, 17])
        #expect(c.ropeBase == 1_000_000 && c.ropeBaseLocal == 10_000 && c.ropeStyle == .halfSplit)
        #expect(c.attentionScale == 0.0625 && c.activation == .geglu && c.scalesEmbedding && c.hasQKNorm && c.hasPostNorms)
        #expect(model.weights.tiedOutput)
    }

    /// Greedy decoding and top-5 log-probabilities against llama.cpp (the rules and tolerances
    /// of `GoldenGenerationTests`), including a prompt longer than the sliding window.
    @Test func matchesLlamaCpp() throws {
        let golden = TestResources.projectGolden.appendingPathComponent("gemma-3-270m-q4_k_m.json")
        let long = try GoldenFile.load(golden).generate.map(\.prompt_ids.count).max() ?? 0
        #expect(long > 600)
        try GoldenGenerationTests().check(
            model: Self.file, golden: golden,
            sibling: TestResources.projectGolden.appendingPathComponent("gemma-3-270m-q4_k_m.fa-off.json"),
            contextLength: 2048)
    }

    /// Past the 512-token window the logits of a prompt are bitwise the same processed in one
    /// batch, in chunks of 37 and token by token: the window depends on each query's position
    /// only, never on the batch.
    @Test func batchInvariantBeyondTheWindow() throws {
        let gguf = try GGUFFile(path: try #require(Self.path))
        let tokenizer = try Tokenizer(gguf: gguf)
        let text = (1...45).map { "Line \($0): the quick brown fox jumps over the lazy dog." }.joined(separator: "\n")
        let tokens = tokenizer.encode(text)
        #expect(tokens.count > 540)
        let model = try ModelRegistry.load(gguf, context: ComputeContext(threads: 2), maxBatch: 600)
        let vocab = model.configuration.vocabularySize
        func lastLogits(chunk: Int) -> [Float] {
            let cache = KVCache(configuration: model.configuration, capacity: tokens.count)
            var logits = [Float](repeating: 0, count: vocab)
            tokens.withUnsafeBufferPointer { t in
                logits.withUnsafeMutableBufferPointer { l in
                    var p = 0
                    while p < t.count {
                        let n = min(chunk, t.count - p)
                        model.forward(UnsafeBufferPointer(rebasing: t[p..<(p + n)]), start: p, cache: cache, logits: l.baseAddress!)
                        p += n
                    }
                }
            }
            return logits
        }
        let batched = lastLogits(chunk: 600)
        #expect(batched.allSatisfy { $0.isFinite })
        for chunk in [37, 1] {
            let other = lastLogits(chunk: chunk)
            #expect(batched == other, "chunk \(chunk): max |logit difference| \(zip(batched, other).map { abs($0 - $1) }.max() ?? 0)")
        }
    }

    /// Text in, text out through the engine: the SentencePiece tokenizer, the model and the
    /// streaming detokenizer together give llama.cpp's greedy continuation.
    @Test func generatesText() throws {
        let engine = try Engine(.init(modelPath: try #require(Self.path), threads: 2, contextLength: 256))
        let prompt = engine.tokenizer.encode("The capital of France is")
        #expect(prompt.first == 2)  // <bos>
        var params = SamplingParameters.greedy
        params.maxTokens = 8
        let result = try engine.generate(prompt: prompt, parameters: params)
        var stream = StreamingDetokenizer(tokenizer: engine.tokenizer)
        let text = result.tokens.map { stream.append($0) }.joined() + stream.flush()
        #expect(text.hasPrefix(" the capital of the country"), "\(text.debugDescription)")
    }
}
