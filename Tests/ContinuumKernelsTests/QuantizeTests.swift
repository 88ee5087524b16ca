import ContinuumKernels
import Testing

@Suite struct QuantizeTests {
    @Test(arguments: QuantType.allCases)
    func roundTrip(_ type: QuantType) {
        let m = TestMatrix(type, rows: 4, cols: 512, seed: 1)
        let e = nmse(m.dequantized(), m.floats)
        #expect(e <= type.roundTripLimit, "\(type) round trip nmse \(e)")
    }

    @Test func layoutSizes() {
        #expect(QuantType.q4_0.blockBytes == 18 && QuantType.q4_K.blockBytes == 144)
        #expect(QuantType.q6_K.rowBytes(cols: 512) == 420)
        #expect(QuantType.q8_0.blockSize == 32 && QuantType.bf16.blockSize == 1)
    }

    @Test func halfConversion() {
        for v: Float in [0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.333251953125] {
            #expect(Half.toFloat(Half.fromFloat(v)) == v)
        }
        #expect(Half.fromFloat(1) == 0x3C00)
        #expect(Half.toFloat(0xC000) == -2)
        #expect(Half.toFloat(Half.fromFloat(1e6)) == .infinity)
        #expect(BFloat16.toFloat(BFloat16.fromFloat(1.5)) == 1.5)
    }
}

/// Our dequantizers (Swift reference and C) against ggml's own layout, via gguf-py fixtures.
@Suite struct GGMLLayoutTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        func nib(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
        return out
    }

    @Test func dequantizeMatchesGGML() throws {
        #expect(ggmlFixtures.count == 10)
        for f in ggmlFixtures {
            let type = try #require(QuantType(rawValue: f.type))
            let blocks = Self.bytes(f.blocks)
            let expected: [Float] = Self.bytes(f.floats).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let n = expected.count
            var ref = [Float](repeating: 0, count: n), fast = ref
            blocks.withUnsafeBytes { raw in
                Reference.dequantize(type, raw.baseAddress!, count: n, into: &ref)
                Kernels.dequantizeRow(WeightMatrix(type: type, rows: 1, cols: n, data: raw.baseAddress!), row: 0, into: &fast)
            }
            #expect(nmse(ref, expected) < 1e-12, "reference \(type)")
            #expect(nmse(fast, expected) < 1e-12, "C \(type)")
        }
    }
}
