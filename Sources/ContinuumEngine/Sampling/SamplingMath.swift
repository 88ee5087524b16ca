// Vector math for the sampler, in pure Swift (no libm), so results are bit-identical on
// every platform: IEEE adds and multiplies only, no fused multiply-add, fixed summation order.
// Loops run 8 lanes at a time; the tail is padded with -inf, which exp maps to 0.

package enum SamplingMath {
    /// e^x for 8 lanes. Cephes `expf` polynomial after reduction x = n·ln2 + r, |r| ≤ ln2/2;
    /// relative error ≈ 2e-7. Returns 0 below -87.33 (including -inf); clamps above 88.37.
    @inline(__always)
    package static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lo: Float = -87.33654, hi: Float = 88.37626
        // Masks rather than pointwiseMin/Max, which compile to calls here.
        var xc = x
        xc.replace(with: lo, where: x .< lo)
        xc.replace(with: hi, where: x .> hi)
        // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer n, held in the low mantissa bits.
        let magic: Float = 12_582_912
        let t = xc * 1.442_695_04 + magic
        let n = t - magic
        let r = xc - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * r * r + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
        var result = y * scale
        result.replace(with: 0, where: x .< lo)
        return result
    }

    /// Scalar e^x, the same arithmetic as the vector form.
    @inline(__always)
    package static func exp(_ x: Float) -> Float {
        exp(SIMD8(repeating: x))[0]
    }

    /// Natural logarithm in Double: x = m·2^e with m in [√½, √2), ln m = 2·atanh((m-1)/(m+1))
    /// by its series (|error| < 1e-15).
    package static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        var m = x.significand
        var e = Double(x.exponent)
        if m > 1.414_213_562_373_095_1 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var term = s, sum = s
        var k = 3.0
        while k < 22 {
            term *= s2
            sum += term / k
            k += 2
        }
        return e * 0.693_147_180_559_945_3 + 2 * sum
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// The tail `p[0..<count]` (count < 8) padded with `pad`.
    @inline(__always)
    private static func loadTail(_ p: UnsafePointer<Float>, _ count: Int, pad: Float) -> SIMD8<Float> {
        var v = SIMD8<Float>(repeating: pad)
        for j in 0..<count { v[j] = p[j] }
        return v
    }

    /// max(x[0..<count]); -inf when empty.
    package static func max(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            let v = load8(x + i)
            acc.replace(with: v, where: v .> acc)
            i += 8
        }
        let v = loadTail(x + i, count - i, pad: -.infinity)
        acc.replace(with: v, where: v .> acc)
        return acc.max()
    }

    /// The lowest index holding the largest value of x[0..<count] (count > 0).
    package static func argmax(_ x: UnsafePointer<Float>, _ count: Int) -> Int {
        let m = max(x, count)
        var i = 0
        while i + 8 <= count && (load8(x + i) .== m) == SIMDMask(repeating: false) { i += 8 }
        while i < count {
            if x[i] == m { return i }
            i += 1
        }
        // Only reachable with NaN logits: fall back to a plain scan.
        var best = 0
        for i in 1..<count where x[i] > x[best] { best = i }
        return best
    }

    /// Σ exp((x[i] - shift) · scale) over x[0..<count], accumulated in 8 Float lanes then in Double.
    package static func sumExp(_ x: UnsafePointer<Float>, _ count: Int, shift: Float, scale: Float = 1) -> Double {
        var acc = SIMD8<Float>()
        var total = 0.0
        var i = 0
        var sinceFold = 0
        while i + 8 <= count {
            acc += exp((load8(x + i) - shift) * scale)
            i += 8
            sinceFold += 1
            if sinceFold == 256 {  // fold into Double every 2048 values to bound rounding error
                total += Double(acc.sum())
                acc = SIMD8()
                sinceFold = 0
            }
        }
        acc += exp((loadTail(x + i, count - i, pad: -.infinity) - shift) * scale)
        return total + Double(acc.sum())
    }

    /// out[i] = exp((x[i] - shift) · scale) for i in 0..<count; returns the Double sum of out,
    /// added in index order.
    package static func expInto(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, shift: Float, scale: Float
    ) -> Double {
        var i = 0
        while i + 8 <= count {
            let e = exp((load8(x + i) - shift) * scale)
            UnsafeMutableRawPointer(out + i).storeBytes(of: e, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            let e = exp((loadTail(x + i, count - i, pad: -.infinity) - shift) * scale)
            for j in 0..<(count - i) { out[i + j] = e[j] }
        }
        var sum = 0.0
        for j in 0..<count { sum += Double(out[j]) }
        return sum
    }

    /// True if any of x[0..<8] is greater than `threshold`.
    @inline(__always)
    package static func anyAbove(_ x: UnsafePointer<Float>, _ threshold: Float) -> Bool {
        let v = load8(x)
        return (v .> threshold) != SIMDMask(repeating: false)
    }

    @inline(__always)
    package static func anyAtLeast(_ x: UnsafePointer<Float>, _ threshold: Float) -> Bool {
        let v = load8(x)
        return (v .>= threshold) != SIMDMask(repeating: false)
    }
}
