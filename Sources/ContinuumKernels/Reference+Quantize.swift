// Scalar reference quantizers (round to nearest) for every block format: used to build test and
// benchmark matrices without model files. Not the fast path.

@inline(__always) func storeF16(_ p: UnsafeMutableRawPointer, _ off: Int, _ v: Float) {
    p.storeBytes(of: Half.fromFloat(v), toByteOffset: off, as: UInt16.self)
}
@inline(__always) func storeU8(_ p: UnsafeMutableRawPointer, _ off: Int, _ v: Int) {
    p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: off, as: UInt8.self)
}
@inline(__always) func nearest(_ v: Float) -> Int { Int(v.rounded(.toNearestOrEven)) }

extension Reference {
    /// Quantizes `count` floats (a multiple of type.blockSize) into blocks at `dst`
    /// (type.rowBytes(cols: count) bytes): x (count,) -> blocks.
    public static func quantize(_ type: QuantType, _ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        let nb = count / type.blockSize
        for b in 0..<nb {
            let p = dst + b * type.blockBytes
            let v = x + b * type.blockSize
            switch type {
            case .f32: p.storeBytes(of: v[0], as: Float.self)
            case .f16: p.storeBytes(of: Half.fromFloat(v[0]), as: UInt16.self)
            case .bf16: p.storeBytes(of: BFloat16.fromFloat(v[0]), as: UInt16.self)
            case .q8_0:
                var amax: Float = 0
                for j in 0..<32 { amax = max(amax, abs(v[j])) }
                let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
                storeF16(p, 0, d)
                for j in 0..<32 { storeU8(p, 2 + j, nearest(v[j] * id)) }
            case .q4_0, .q5_0:
                // signed: the value of largest magnitude maps to -8 (q4) or -16 (q5)
                let half: Float = type == .q4_0 ? 8 : 16
                var m: Float = 0
                for j in 0..<32 where abs(v[j]) > abs(m) { m = v[j] }
                let d = m / -half, id: Float = d != 0 ? 1 / d : 0
                storeF16(p, 0, d)
                let top = Int(2 * half) - 1
                var q = [Int](repeating: 0, count: 32)
                for j in 0..<32 { q[j] = min(top, max(0, nearest(v[j] * id + half))) }
                packNibbles(type == .q5_0, q, p + 2)
            case .q4_1, .q5_1:
                var lo = v[0], hi = v[0]
                for j in 0..<32 { lo = min(lo, v[j]); hi = max(hi, v[j]) }
                let top: Float = type == .q4_1 ? 15 : 31
                let d = (hi - lo) / top, id: Float = d != 0 ? 1 / d : 0
                storeF16(p, 0, d)
                storeF16(p, 2, lo)
                var q = [Int](repeating: 0, count: 32)
                for j in 0..<32 { q[j] = min(Int(top), max(0, nearest((v[j] - lo) * id))) }
                packNibbles(type == .q5_1, q, p + 4)
            case .q4_K, .q5_K:
                quantizeK45(five: type == .q5_K, v, p)
            case .q6_K:
                quantizeQ6K(v, p)
            }
        }
    }

    /// 32 values 0..<16 (or 0..<32 with a fifth bit) -> [qh u32 if five] + 16 bytes of nibbles
    /// (element j in the low nibble of byte j, element j+16 in the high nibble).
    private static func packNibbles(_ five: Bool, _ q: [Int], _ p: UnsafeMutableRawPointer) {
        var qh: UInt32 = 0
        let o = five ? 4 : 0
        for j in 0..<16 {
            storeU8(p, o + j, (q[j] & 0xF) | ((q[j + 16] & 0xF) << 4))
            if five {
                qh |= UInt32((q[j] >> 4) & 1) << j
                qh |= UInt32((q[j + 16] >> 4) & 1) << (j + 16)
            }
        }
        if five { p.storeBytes(of: qh, as: UInt32.self) }
    }

    /// q4_K / q5_K: 8 sub-blocks of 32, each x ≈ d*sc*q - dmin*m with 6-bit sc, m.
    private static func quantizeK45(five: Bool, _ v: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        let top: Float = five ? 31 : 15
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        for s in 0..<8 {
            var lo: Float = 0, hi = -Float.infinity
            lo = v[32 * s]
            for l in 0..<32 { lo = min(lo, v[32 * s + l]); hi = max(hi, v[32 * s + l]) }
            lo = min(lo, 0)                                   // min stored as positive offset
            scales[s] = (hi - lo) / top
            mins[s] = -lo
        }
        let maxScale = scales.max()!, maxMin = mins.max()!
        let d = maxScale / 63, dmin = maxMin / 63
        let id: Float = d != 0 ? 1 / d : 0, idm: Float = dmin != 0 ? 1 / dmin : 0
        var ls = [Int](repeating: 0, count: 8), lm = [Int](repeating: 0, count: 8)
        for s in 0..<8 {
            ls[s] = min(63, nearest(scales[s] * id))
            lm[s] = min(63, nearest(mins[s] * idm))
        }
        storeF16(p, 0, d)
        storeF16(p, 2, dmin)
        // pack 8 x (6-bit scale, 6-bit min) into 12 bytes
        for j in 0..<4 {
            storeU8(p, 4 + j, (ls[j] & 63) | ((ls[j + 4] >> 4) << 6))
            storeU8(p, 8 + j, (lm[j] & 63) | ((lm[j + 4] >> 4) << 6))
            storeU8(p, 12 + j, (ls[j + 4] & 0xF) | ((lm[j + 4] & 0xF) << 4))
        }
        // use the stored (rounded) d, dmin so quantization matches dequantization
        let dq = Half.toFloat(Half.fromFloat(d)), dmq = Half.toFloat(Half.fromFloat(dmin))
        var q = [Int](repeating: 0, count: 256)
        for s in 0..<8 {
            let sc = dq * Float(ls[s]), m = dmq * Float(lm[s])
            for l in 0..<32 {
                q[32 * s + l] = sc != 0 ? min(Int(top), max(0, nearest((v[32 * s + l] + m) / sc))) : 0
            }
        }
        let qh = p + 16, qs = p + (five ? 48 : 16)
        if five { for l in 0..<32 { storeU8(qh, l, 0) } }
        for g in 0..<4 {
            for l in 0..<32 {
                let a = q[64 * g + l], b = q[64 * g + 32 + l]
                storeU8(qs, 32 * g + l, (a & 0xF) | ((b & 0xF) << 4))
                if five {
                    let h = u8(UnsafeRawPointer(qh), l) | (((a >> 4) & 1) << (2 * g)) | (((b >> 4) & 1) << (2 * g + 1))
                    storeU8(qh, l, h)
                }
            }
        }
    }

    /// q6_K: 16 sub-blocks of 16, x ≈ d*sc*(q-32) with int8 sc and 6-bit q.
    private static func quantizeQ6K(_ v: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        var scales = [Float](repeating: 0, count: 16)
        for s in 0..<16 {
            var m: Float = 0
            for l in 0..<16 where abs(v[16 * s + l]) > abs(m) { m = v[16 * s + l] }
            scales[s] = m / -32
        }
        var amax: Float = 0
        for s in scales where abs(s) > abs(amax) { amax = s }
        let d = amax / -128, id: Float = d != 0 ? 1 / d : 0
        let dq = Half.toFloat(Half.fromFloat(d))
        var q = [Int](repeating: 32, count: 256)
        for s in 0..<16 {
            let sc = min(127, max(-128, nearest(scales[s] * id)))
            storeU8(p, 192 + s, sc)
            let ds = dq * Float(sc)
            if ds == 0 { continue }
            for l in 0..<16 { q[16 * s + l] = min(63, max(0, nearest(v[16 * s + l] / ds) + 32)) }
        }
        storeF16(p, 208, d)
        for h in 0..<2 {
            for l in 0..<32 {
                let q1 = q[128 * h + l], q2 = q[128 * h + l + 32], q3 = q[128 * h + l + 64], q4 = q[128 * h + l + 96]
                storeU8(p, 64 * h + l, (q1 & 0xF) | ((q3 & 0xF) << 4))
                storeU8(p, 64 * h + l + 32, (q2 & 0xF) | ((q4 & 0xF) << 4))
                storeU8(p, 128 + 32 * h + l, (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6))
            }
        }
    }
}
