import ContinuumKernels

/// Deterministic xorshift PRNG so failures reproduce.
struct Rng {
    var s: UInt64
    init(_ seed: UInt64) { s = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
    /// Uniform in [-1, 1)
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float() * scale } }
}

/// Normalised mean squared error Σ(a-b)²/Σb² (llama.cpp test-backend-ops).
func nmse(_ a: [Float], _ b: [Float]) -> Double {
    var num = 0.0, den = 0.0
    for i in 0..<a.count {
        let d = Double(a[i]) - Double(b[i])
        num += d * d
        den += Double(b[i]) * Double(b[i])
    }
    return den == 0 ? num : num / den
}

/// A quantized matrix W (rows, cols) built from random floats with the reference quantizer.
final class TestMatrix {
    let bytes: UnsafeMutableRawPointer
    let w: WeightMatrix
    let floats: [Float]
    init(_ type: QuantType, rows: Int, cols: Int, seed: UInt64) {
        var rng = Rng(seed)
        floats = rng.floats(rows * cols)
        let rowBytes = type.rowBytes(cols: cols)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes + 64, alignment: 64)
        floats.withUnsafeBufferPointer { f in
            for r in 0..<rows {
                Reference.quantize(type, f.baseAddress! + r * cols, count: cols, into: raw + r * rowBytes)
            }
        }
        bytes = raw
        w = WeightMatrix(type: type, rows: rows, cols: cols, data: raw)
    }
    deinit { bytes.deallocate() }

    /// The dequantized matrix (what every kernel should compute with).
    func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: w.rows * w.cols)
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<w.rows { Kernels.dequantizeRow(w, row: r, into: o.baseAddress! + r * w.cols) }
        }
        return out
    }
}

extension QuantType {
    /// Bound on round-trip nmse of the reference quantizer on uniform data.
    var roundTripLimit: Double {
        switch self {
        case .f32: 0
        case .f16: 1e-6
        case .bf16: 1e-4
        case .q8_0: 1e-4
        case .q6_K: 1e-3
        case .q5_0, .q5_1, .q5_K: 4e-3
        case .q4_0, .q4_1, .q4_K: 1.5e-2
        }
    }
}

/// Floats rounded to binary16 bits, as a KV cache stores them.
func halves(_ x: [Float]) -> [UInt16] { x.map(Half.fromFloat) }

/// Binary16 bits widened back to floats (exact).
func widened(_ h: [UInt16]) -> [Float] { h.map(Half.toFloat) }
