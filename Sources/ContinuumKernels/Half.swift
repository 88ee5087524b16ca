// IEEE binary16 and bfloat16 <-> Float by bit manipulation (portable; no Float16 dependency).

public enum Half {
    /// binary16 bits -> Float (exact).
    @inlinable public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let v = Float(mant) * (1.0 / 16_777_216.0)  // subnormal: mant * 2^-24
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// Float -> binary16 bits, round to nearest even, overflow to infinity.
    @inlinable public static func fromFloat(_ f: Float) -> UInt16 {
        let scaleToInf = Float(bitPattern: 0x7780_0000)   // 2^112
        let scaleToZero = Float(bitPattern: 0x0880_0000)  // 2^-110
        var base = (abs(f) * scaleToInf) * scaleToZero
        let w = f.bitPattern
        let shl1 = w &+ w
        let sign = w & 0x8000_0000
        var bias = shl1 & 0xFF00_0000
        if bias < 0x7100_0000 { bias = 0x7100_0000 }
        base = Float(bitPattern: (bias >> 1) &+ 0x0780_0000) + base
        let bits = base.bitPattern
        let expBits = (bits >> 13) & 0x0000_7C00
        let mantBits = bits & 0x0000_0FFF
        let nonsign = expBits &+ mantBits
        return UInt16(truncatingIfNeeded: (sign >> 16) | (shl1 > 0xFF00_0000 ? 0x7E00 : nonsign))
    }
}

public enum BFloat16 {
    @inlinable public static func toFloat(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

    /// Float -> bfloat16 bits, round to nearest even (NaN kept quiet).
    @inlinable public static func fromFloat(_ f: Float) -> UInt16 {
        let u = f.bitPattern
        if (u & 0x7FFF_FFFF) > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (u >> 16) | 64) }
        return UInt16(truncatingIfNeeded: (u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16)
    }
}
