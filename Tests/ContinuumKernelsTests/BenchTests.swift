import ContinuumKernels
import Foundation
import Testing

/// Throughput on the real model shapes with synthetic weights. Off by default; run with
///   CONTINUUM_BENCH=1 swift test -c release --filter ContinuumKernelsTests.BenchTests
/// Prints numbers only (no timed assertions).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CONTINUUM_BENCH"] != nil))
struct BenchTests {
    /// Random blocks with sane scale fields (speed does not depend on the values).
    final class SyntheticMatrix {
        let bytes: UnsafeMutableRawPointer
        let w: WeightMatrix
        init(_ type: QuantType, rows: Int, cols: Int, seed: UInt64) {
            let total = type.rowBytes(cols: cols) * rows
            bytes = .allocate(byteCount: total + 64, alignment: 64)
            var rng = Rng(seed)
            let words = bytes.bindMemory(to: UInt64.self, capacity: total / 8 + 1)
            for i in 0..<(total / 8 + 1) { words[i] = rng.next() }
            let scale = Half.fromFloat(0.01)
            let fields: [Int] = switch type {
            case .q4_0, .q5_0, .q8_0: [0]
            case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
            case .q6_K: [208]
            case .f16: []
            case .bf16, .f32: []
            }
            for b in 0..<(total / type.blockBytes) {
                for f in fields { bytes.storeBytes(of: scale, toByteOffset: b * type.blockBytes + f, as: UInt16.self) }
            }
            if type == .f16 || type == .bf16 || type == .f32 {
                let n = rows * cols
                for i in 0..<n {
                    let v = Float(Int(truncatingIfNeeded: rng.next() % 2000) - 1000) / 1000
                    switch type {
                    case .f16: bytes.storeBytes(of: Half.fromFloat(v), toByteOffset: 2 * i, as: UInt16.self)
                    case .bf16: bytes.storeBytes(of: BFloat16.fromFloat(v), toByteOffset: 2 * i, as: UInt16.self)
                    default: bytes.storeBytes(of: v, toByteOffset: 4 * i, as: Float.self)
                    }
                }
            }
            w = WeightMatrix(type: type, rows: rows, cols: cols, data: bytes)
        }
        deinit { bytes.deallocate() }
        var byteCount: Int { w.type.rowBytes(cols: w.cols) * w.rows }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// CONTINUUM_BENCH_ISA=scalar|avx2|avx512 (default: best)
    static let isa: KernelISA = switch ProcessInfo.processInfo.environment["CONTINUUM_BENCH_ISA"] {
    case "scalar": .scalar
    case "avx2": .avx2
    case "avx512": .avx512
    default: .best
    }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Best of `reps` timings of body. On one thread (cpu: true) this is process CPU time, which
    /// leaves out time the shared machine gave to other processes; otherwise wall time.
    static func time(reps: Int, cpu: Bool = false, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<reps {
            let c0 = cpuSeconds()
            let wall = seconds(clock.measure(body))
            best = min(best, cpu ? cpuSeconds() - c0 : wall)
        }
        return best
    }

    /// Dispatch cost of ComputeContext.parallel with an empty body (wall time).
    @Test func dispatch() {
        for threads in [1, 2] {
            let ctx = ComputeContext(threads: threads)
            let t = Self.time(reps: 5) { for _ in 0..<10000 { ctx.parallel { _, _ in } } }
            print(String(format: "bench parallel{} threads=%d  %.2f µs per call", threads, t / 10000 * 1e6))
        }
    }

    /// Attention cost per model: prefill of 512 tokens (causal) and one decode step at 512.
    @Test func attention() {
        for (name, layers, heads, kvHeads) in [("SmolLM2-135M", 30, 9, 3), ("Qwen2.5-0.5B", 24, 14, 2)] {
            let d = 64, n = 512
            var rng = Rng(3)
            let q = rng.floats(n * heads * d), k = halves(rng.floats(n * kvHeads * d)), v = halves(rng.floats(n * kvHeads * d))
            var out = [Float](repeating: 0, count: n * heads * d)
            for threads in [1, 2] {
                let ctx = ComputeContext(threads: threads)
                let tp = Self.time(reps: 2, cpu: threads == 1) {
                    Kernels.attention(q: q, qStride: heads * d, keys: k, values: v, kvStride: kvHeads * d, out: &out,
                                      outStride: heads * d, n: n, start: 0, heads: heads, kvHeads: kvHeads, headDim: d,
                                      scale: 0.125, context: ctx)
                }
                let td = Self.time(reps: 5, cpu: threads == 1) {
                    for _ in 0..<layers {
                        Kernels.attention(q: q, qStride: heads * d, keys: k, values: v, kvStride: kvHeads * d, out: &out,
                                          outStride: heads * d, n: 1, start: n - 1, heads: heads, kvHeads: kvHeads,
                                          headDim: d, scale: 0.125, context: ctx)
                    }
                }
                print(String(format: "bench attention %@ threads=%d  prefill 512: %.1f ms (all %d layers)   decode at 512: %.3f ms/token",
                             name, threads, tp * Double(layers) * 1e3, layers, td * 1e3))
            }
        }
    }

    struct Layer { let type: QuantType; let rows: Int; let cols: Int }

    /// Per-format matvec GB/s (matrix larger than L3) and n=512 GFLOP/s.
    @Test func formats() {
        for threads in [1, 2] {
            let ctx = ComputeContext(threads: threads)
            for type in [QuantType.q4_1, .q8_0, .q5_0, .q6_K, .q4_K, .q4_0, .q5_1, .q5_K, .f16, .bf16, .f32] {
                // decode: 4864 x 4096-ish weight, several copies so nothing stays cached
                let cols = 4864  // 152 legacy blocks, 19 k-quant blocks
                let copies = 8
                let mats = (0..<copies).map { SyntheticMatrix(type, rows: 896 * 4, cols: cols, seed: UInt64($0)) }
                var rng = Rng(1)
                let x = rng.floats(512 * cols)
                var y = [Float](repeating: 0, count: 512 * 896 * 4)
                let tv = Self.time(reps: 5, cpu: threads == 1) {
                    for m in mats { Kernels.matmul(m.w, x, n: 1, &y, context: ctx, isa: Self.isa) }
                }
                let gbs = Double(mats.reduce(0) { $0 + $1.byteCount }) / tv / 1e9
                // compute-bound matvec: a 896 x 1024 matrix that stays in L2
                let hot = SyntheticMatrix(type, rows: 896, cols: 1024, seed: 5)
                let th = Self.time(reps: 5, cpu: threads == 1) {
                    for _ in 0..<20 { Kernels.matmul(hot.w, x, n: 1, &y, context: ctx, isa: Self.isa) }
                }
                let hotGBs = Double(hot.byteCount * 20) / th / 1e9
                // prefill: n = 512 against one 896 x 4864 matrix
                let small = SyntheticMatrix(type, rows: 896, cols: cols, seed: 9)
                let tp = Self.time(reps: 2, cpu: threads == 1) { Kernels.matmul(small.w, x, n: 512, &y, context: ctx, isa: Self.isa) }
                let gflops = 2.0 * 512 * 896 * Double(cols) / tp / 1e9
                print(String(format: "bench %@ threads=%d  matvec %6.1f GB/s (in L2: %6.1f GB/s)   matmul n=512 %6.1f GFLOP/s",
                             "\(type)".padding(toLength: 5, withPad: " ", startingAt: 0), threads, gbs, hotGBs, gflops))
            }
        }
    }

    /// Matmul-only token rates on the two models' exact shapes and formats.
    @Test func models() {
        let smol: [Layer] = [
            .init(type: .q4_1, rows: 576, cols: 576), .init(type: .q4_1, rows: 192, cols: 576),
            .init(type: .q4_1, rows: 192, cols: 576), .init(type: .q4_1, rows: 576, cols: 576),
            .init(type: .q4_1, rows: 1536, cols: 576), .init(type: .q4_1, rows: 1536, cols: 576),
            .init(type: .q4_1, rows: 576, cols: 1536),
        ]
        let qwenA: [Layer] = [
            .init(type: .q5_0, rows: 896, cols: 896), .init(type: .q5_0, rows: 128, cols: 896),
            .init(type: .q8_0, rows: 128, cols: 896), .init(type: .q5_0, rows: 896, cols: 896),
            .init(type: .q5_0, rows: 4864, cols: 896), .init(type: .q5_0, rows: 4864, cols: 896),
        ]
        run("SmolLM2-135M Q4_1", layers: Array(repeating: smol, count: 30).flatMap { $0 },
            output: .init(type: .q8_0, rows: 49152, cols: 576), llama: (160, 192, 253, 483))
        var qwen: [Layer] = []
        for l in 0..<24 { qwen += qwenA + [.init(type: l % 2 == 0 ? .q6_K : .q4_K, rows: 896, cols: 4864)] }
        run("Qwen2.5-0.5B Q4_K_M", layers: qwen, output: .init(type: .q8_0, rows: 151936, cols: 896), llama: (52, 66, 173, 334))
    }

    func run(_ name: String, layers: [Layer], output: Layer, llama: (Int, Int, Int, Int)) {
        let mats = layers.enumerated().map { SyntheticMatrix($1.type, rows: $1.rows, cols: $1.cols, seed: UInt64($0)) }
        let out = SyntheticMatrix(output.type, rows: output.rows, cols: output.cols, seed: 77)
        let maxCols = layers.map(\.cols).max()!, maxRows = max(output.rows, layers.map(\.rows).max()!)
        var rng = Rng(2)
        let x = rng.floats(512 * maxCols)
        var y = [Float](repeating: 0, count: 512 * maxRows)
        let bytes = mats.reduce(out.byteCount) { $0 + $1.byteCount }
        for (threads, cpu) in [(1, true), (1, false), (2, false)] {
            let ctx = ComputeContext(threads: threads)
            let td = Self.time(reps: 5, cpu: cpu) {
                for m in mats { Kernels.matmul(m.w, x, n: 1, &y, context: ctx, isa: Self.isa) }
                Kernels.matmul(out.w, x, n: 1, &y, context: ctx, isa: Self.isa)
            }
            let tp = Self.time(reps: 1, cpu: cpu) {
                for m in mats { Kernels.matmul(m.w, x, n: 512, &y, context: ctx, isa: Self.isa) }
            }
            print(String(format: "bench %@ threads=%d %@  decode %.2f ms/tok = %.0f tok/s (%.1f GB/s; llama.cpp %d)   prefill 512: %.0f tok/s (llama.cpp %d)",
                         name, threads, cpu ? "cpu " : "wall", td * 1e3, 1 / td, Double(bytes) / td / 1e9, threads == 1 ? llama.0 : llama.1,
                         512 / tp, threads == 1 ? llama.2 : llama.3))
        }
    }
}
