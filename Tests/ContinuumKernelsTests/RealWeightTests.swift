import ContinuumKernels
import Foundation
import Testing

/// Real model tensors against ggml's own dequantizer: files written by a gguf-py script
/// (header u32 type, rows, cols, n; raw blocks; X (n, cols) f32; Y (n, rows) f32 = X·Wᵀ in f64).
/// Off by default; run with CONTINUUM_REAL_WEIGHTS=/tmp/realdata after writing the files with
///
///     import gguf, numpy as np, struct; from gguf import quants
///     r = gguf.GGUFReader(path); rng = np.random.default_rng(7)
///     for t in r.tensors:                      # pick the tensors you want
///         cols, rows = int(t.shape[0]), int(t.shape[1])
///         raw = np.asarray(t.data).view(np.uint8).reshape(rows, -1)[:2048]; rows = raw.shape[0]
///         W = quants.dequantize(raw, t.tensor_type).astype(np.float64).reshape(rows, cols)
///         x = rng.standard_normal((3, cols)).astype(np.float32)
///         y = (x.astype(np.float64) @ W.T).astype(np.float32)
///         open(f"/tmp/realdata/{t.name}.bin", "wb").write(struct.pack("<IIII", int(t.tensor_type), rows, cols, 3)
///                                                    + raw.tobytes() + x.tobytes() + y.tobytes())
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CONTINUUM_REAL_WEIGHTS"] != nil))
struct RealWeightTests {
    @Test func matmulOnRealTensors() throws {
        let dir = ProcessInfo.processInfo.environment["CONTINUUM_REAL_WEIGHTS"]!
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bin") }.sorted()
        #expect(!files.isEmpty)
        let context = ComputeContext(threads: 2)
        for name in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            try data.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                let h = (0..<4).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
                let type = try #require(QuantType(rawValue: UInt32(h[0])))
                let (rows, cols, n) = (h[1], h[2], h[3])
                let wBytes = type.rowBytes(cols: cols) * rows
                let w = WeightMatrix(type: type, rows: rows, cols: cols, data: base + 16)
                let x = (base + 16 + wBytes).assumingMemoryBound(to: Float.self)
                let yRef = Array(UnsafeBufferPointer(start: (base + 16 + wBytes + 4 * n * cols).assumingMemoryBound(to: Float.self), count: n * rows))
                for isa in [KernelISA.scalar, .avx2, .best] {
                    for m in [1, n] {
                        var y = [Float](repeating: .nan, count: m * rows)
                        Kernels.matmul(w, x, n: m, &y, context: context, isa: isa)
                        let e = nmse(y, Array(yRef[0..<(m * rows)]))
                        #expect(e < 5e-4, "\(name) \(type) n=\(m) \(isa) nmse \(e)")
                        if isa == .best && m == n { print("real \(name) \(type) \(rows)x\(cols) nmse \(e)") }
                    }
                }
                // dequantized rows against the reference
                var a = [Float](repeating: 0, count: cols), b = a
                Kernels.dequantizeRow(w, row: rows - 1, into: &a)
                Reference.dequantize(type, w.row(rows - 1), count: cols, into: &b)
                #expect(nmse(a, b) < 1e-12, "\(name) dequantize")
            }
        }
    }
}
