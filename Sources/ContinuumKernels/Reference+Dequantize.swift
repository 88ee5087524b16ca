// Scalar reference dequantization of every block format (ggml layouts). Slow, obviously correct;
// the C kernels are checked against these.

/// Scalar reference implementations used by tests and as the portable fallback.
public enum Reference {}

@inline(__always) func f16(_ p: UnsafeRawPointer, _ off: Int) -> Float {
    Half.toFloat(p.loadUnaligned(fromByteOffset: off, as: UInt16.self))
}
@inline(__always) func u8(_ p: UnsafeRawPointer, _ off: Int) -> Int {
    Int(p.load(fromByteOffset: off, as: UInt8.self))
}
@inline(__always) func i8(_ p: UnsafeRawPointer, _ off: Int) -> Int {
    Int(p.load(fromByteOffset: off, as: Int8.self))
}

/// 6-bit scale and min number j (0..<8) of a q4_K / q5_K block, from the 12 packed bytes at q.
@inline(__always) func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (Int, Int) {
    if j < 4 { return (u8(q, j) & 63, u8(q, j + 4) & 63) }
    let d = (u8(q, j + 4) & 0xF) | ((u8(q, j - 4) >> 6) << 4)
    let m = (u8(q, j + 4) >> 4) | ((u8(q, j) >> 6) << 4)
    return (d, m)
}

extension Reference {
    /// Dequantizes `count` elements (a multiple of type.blockSize) from blocks at `src`: (count,) -> out (count,).
    public static func dequantize(_ type: QuantType, _ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        let nb = count / type.blockSize
        for b in 0..<nb {
            let p = src + b * type.blockBytes
            let y = out + b * type.blockSize
            switch type {
            case .f32: y[0] = p.loadUnaligned(as: Float.self)
            case .f16: y[0] = Half.toFloat(p.loadUnaligned(as: UInt16.self))
            case .bf16: y[0] = BFloat16.toFloat(p.loadUnaligned(as: UInt16.self))
            case .q4_0:
                let d = f16(p, 0)
                for j in 0..<16 {
                    y[j] = Float((u8(p, 2 + j) & 0xF) - 8) * d
                    y[j + 16] = Float((u8(p, 2 + j) >> 4) - 8) * d
                }
            case .q4_1:
                let d = f16(p, 0), m = f16(p, 2)
                for j in 0..<16 {
                    y[j] = Float(u8(p, 4 + j) & 0xF) * d + m
                    y[j + 16] = Float(u8(p, 4 + j) >> 4) * d + m
                }
            case .q5_0, .q5_1:
                let hasMin = type == .q5_1
                let d = f16(p, 0), m: Float = hasMin ? f16(p, 2) : 0
                let o = hasMin ? 4 : 2
                let qh = Int(p.loadUnaligned(fromByteOffset: o, as: UInt32.self))
                for j in 0..<16 {
                    let lo = (u8(p, o + 4 + j) & 0xF) | (((qh >> j) & 1) << 4)
                    let hi = (u8(p, o + 4 + j) >> 4) | (((qh >> (j + 16)) & 1) << 4)
                    if hasMin {
                        y[j] = Float(lo) * d + m
                        y[j + 16] = Float(hi) * d + m
                    } else {
                        y[j] = Float(lo - 16) * d
                        y[j + 16] = Float(hi - 16) * d
                    }
                }
            case .q8_0:
                let d = f16(p, 0)
                for j in 0..<32 { y[j] = Float(i8(p, 2 + j)) * d }
            case .q4_K, .q5_K:
                let d = f16(p, 0), dmin = f16(p, 2)
                let scales = p + 4
                let five = type == .q5_K
                let qh = p + 16                     // q5_K only: 32 bytes of high bits
                let qs = p + (five ? 48 : 16)       // 128 bytes of low nibbles
                for g in 0..<4 {                    // 4 groups of 64 = 2 sub-blocks of 32
                    let (s1, m1) = scaleMinK4(2 * g, scales)
                    let (s2, m2) = scaleMinK4(2 * g + 1, scales)
                    for l in 0..<32 {
                        let q = u8(qs, 32 * g + l)
                        var lo = q & 0xF, hi = q >> 4
                        if five {
                            lo |= ((u8(qh, l) >> (2 * g)) & 1) << 4
                            hi |= ((u8(qh, l) >> (2 * g + 1)) & 1) << 4
                        }
                        y[64 * g + l] = d * Float(s1) * Float(lo) - dmin * Float(m1)
                        y[64 * g + 32 + l] = d * Float(s2) * Float(hi) - dmin * Float(m2)
                    }
                }
            case .q6_K:
                let ql = p, qh = p + 128, sc = p + 192
                let d = f16(p, 208)
                for h in 0..<2 {                    // two halves of 128
                    for l in 0..<32 {
                        let sub = l / 16
                        let h8 = u8(qh, 32 * h + l)
                        let q1 = ((u8(ql, 64 * h + l) & 0xF) | ((h8 & 3) << 4)) - 32
                        let q2 = ((u8(ql, 64 * h + l + 32) & 0xF) | (((h8 >> 2) & 3) << 4)) - 32
                        let q3 = ((u8(ql, 64 * h + l) >> 4) | (((h8 >> 4) & 3) << 4)) - 32
                        let q4 = ((u8(ql, 64 * h + l + 32) >> 4) | (((h8 >> 6) & 3) << 4)) - 32
                        y[128 * h + l] = d * Float(i8(sc, 8 * h + sub)) * Float(q1)
                        y[128 * h + l + 32] = d * Float(i8(sc, 8 * h + sub + 2)) * Float(q2)
                        y[128 * h + l + 64] = d * Float(i8(sc, 8 * h + sub + 4)) * Float(q3)
                        y[128 * h + l + 96] = d * Float(i8(sc, 8 * h + sub + 6)) * Float(q4)
                    }
                }
            }
        }
    }

    /// Y (n, w.rows) = X (n, w.cols) · Wᵀ in float, dequantizing each row (slow; for tests).
    public static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: w.cols)
        defer { row.deallocate() }
        for r in 0..<w.rows {
            dequantize(w.type, w.row(r), count: w.cols, into: row)
            for i in 0..<n {
                var s: Double = 0
                let xi = x + i * w.cols
                for k in 0..<w.cols { s += Double(row[k]) * Double(xi[k]) }
                y[i * w.rows + r] = Float(s)
            }
        }
    }
}
