/// The cost model of one simulated replica: how long a forward pass takes for a batch of
/// prefill chunks and decoding sequences, and how much KV cache it has. Built in:
///
/// - `a100-llama2-7b`: a vLLM-like engine on one A100-80GB running Llama-2-7B, from
///   microsoft/vidur's profiling data (data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/
///   mlp.csv and attention.csv @ 7d47513; fits in docs/research/routing-baselines.md §3):
///   linear layers max(9.3 ms, 2.2 ms + 0.0642 ms × batch tokens); decode attention
///   0.26 µs per cached token of each decoding sequence; prefill attention
///   32 × (0.02 + 1.9e-7·c² + 1.3e-7·c·K) ms for a chunk of c tokens after K cached;
///   ×1.1 when batched (vidur's batching overhead); KV 121,700 tokens (80 GiB × 0.9 − weights).
/// - `cpu-smollm2`: `continuum serve` with SmolLM2-135M Q4_1 on 2 cores of this machine
///   (AMD EPYC Zen 5), from `continuum bench -t 2` (docs/BENCHMARKS.md, commit 9e8cfbf:
///   pp512 1,102 tok/s, tg128 400.9 tok/s): a forward pass of n tokens costs
///   max(2.49 ms, 0.91 ms × n); attention is folded into those figures (contexts ≤ 4k);
///   KV 23,300 tokens (the default 1 GiB F32 cache).
public struct EngineProfile: Sendable, Equatable, Codable {
    public var name: String
    public var source: String
    public var kvCapacityTokens: Int
    /// Tokens per forward pass (decode tokens + prefill chunk tokens).
    public var maxBatchTokens: Int
    public var maxSequences: Int
    public var linearFloorMs: Double
    public var linearBaseMs: Double
    public var linearPerTokenMs: Double
    public var decodeAttentionPerKVTokenMs: Double
    /// Per-layer prefill attention `a + b·c² + d·c·K` (ms) times `layers`.
    public var prefillAttention: [Double]
    public var layers: Int
    public var batchingOverhead: Double

    /// Seconds of one forward pass.
    public func stepSeconds(prefill chunks: [(tokens: Int, cached: Int)], decodeContexts: [Int]) -> Double {
        let n = chunks.reduce(0) { $0 + $1.tokens } + decodeContexts.count
        var ms = max(linearFloorMs, linearBaseMs + linearPerTokenMs * Double(n))
        let kv = decodeContexts.reduce(0, +)
        ms += decodeAttentionPerKVTokenMs * Double(kv) * (decodeContexts.count > 1 ? 1 + batchingOverhead : 1)
        if prefillAttention.count == 3 {
            var p = 0.0
            for c in chunks {
                let (x, k) = (Double(c.tokens), Double(c.cached))
                p += Double(layers) * (prefillAttention[0] + prefillAttention[1] * x * x + prefillAttention[2] * x * k)
            }
            ms += p * (chunks.count > 1 ? 1 + batchingOverhead : 1)
        }
        return ms / 1000
    }

    /// Prefill tokens per second of a lone long prompt (the router's estimate of a replica's speed).
    public var prefillTokensPerSecond: Double {
        let t = stepSeconds(prefill: [(maxBatchTokens, 0)], decodeContexts: [])
        return Double(maxBatchTokens) / t
    }

    public static let a100Llama2_7B = EngineProfile(
        name: "a100-llama2-7b",
        source: "microsoft/vidur data/profiling/compute/a100/meta-llama/Llama-2-7b-hf (mlp.csv, attention.csv) @7d47513",
        kvCapacityTokens: 121_700, maxBatchTokens: 2048, maxSequences: 128,
        linearFloorMs: 9.3, linearBaseMs: 2.2, linearPerTokenMs: 0.0642,
        decodeAttentionPerKVTokenMs: 0.00026, prefillAttention: [0.02, 1.9e-7, 1.3e-7], layers: 32, batchingOverhead: 0.1)

    /// Llama-3-8B (grouped-query attention: 8 KV heads, so a quarter of Llama-2-7B's KV bytes
    /// per token) on one A100-80GB: linear layers from vidur's
    /// data/profiling/compute/a100/meta-llama/Meta-Llama-3-8B/mlp.csv @7d47513
    /// (max(9.7 ms, 8.1 ms + 0.0661 ms × tokens)); attention from the Llama-2-7B profile, decode
    /// scaled by the KV-bytes ratio (¼, a roofline estimate, not profiled); KV 466,900 tokens.
    public static let a100Llama3_8B = EngineProfile(
        name: "a100-llama3-8b",
        source: "microsoft/vidur data/profiling/compute/a100/meta-llama/Meta-Llama-3-8B/mlp.csv @7d47513; attention scaled from Llama-2-7B",
        kvCapacityTokens: 466_900, maxBatchTokens: 2048, maxSequences: 128,
        linearFloorMs: 9.7, linearBaseMs: 8.1, linearPerTokenMs: 0.0661,
        decodeAttentionPerKVTokenMs: 0.000065, prefillAttention: [0.02, 1.9e-7, 1.3e-7], layers: 32, batchingOverhead: 0.1)

    public static let cpuSmolLM2 = EngineProfile(
        name: "cpu-smollm2",
        source: "continuum bench -t 2, SmolLM2-135M-Instruct Q4_1, AMD EPYC Zen 5 2 cores (docs/BENCHMARKS.md @9e8cfbf)",
        kvCapacityTokens: 23_300, maxBatchTokens: 512, maxSequences: 16,
        linearFloorMs: 2.49, linearBaseMs: 0, linearPerTokenMs: 0.907,
        decodeAttentionPerKVTokenMs: 0, prefillAttention: [], layers: 30, batchingOverhead: 0)

    public static let builtIn: [EngineProfile] = [a100Llama3_8B, a100Llama2_7B, cpuSmolLM2]
}
