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
