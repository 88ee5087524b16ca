import ContinuumEngine
import Foundation
import Testing

@Suite struct SamplingMathTests {
    @Test func expMatchesLibm() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let ours = Double(SamplingMath.exp(x))
            let ref = Foundation.exp(Double(x))
            worst = Swift.max(worst, abs(ours - ref) / ref)
            x += 0.0137
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(SamplingMath.exp(0) == 1)
        #expect(SamplingMath.exp(-.infinity) == 0)
        #expect(SamplingMath.exp(-100) == 0)
    }

    @Test func logMatchesLibm() {
        for x in [1e-300, 1e-8, 0.05, 0.5, 0.7071, 1, 1.5, 2, 3.14159, 1000, 151_936, 1e300] {
            #expect(abs(SamplingMath.log(x) - Foundation.log(x)) <= 1e-14 * Swift.max(1, abs(Foundation.log(x))))
        }
        #expect(SamplingMath.log(0) == -.infinity)
        #expect(SamplingMath.log(-1).isNaN)
    }

    @Test func vectorHelpersHandleTails() {
        for n in [1, 7, 8, 9, 17, 1000] {
            let x = randomLogits(count: n, seed: UInt64(n))
            x.withUnsafeBufferPointer { b in
                #expect(SamplingMath.max(b.baseAddress!, n) == x.max())
                let ref = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - 1) }
                #expect(abs(SamplingMath.sumExp(b.baseAddress!, n, shift: 1) - ref) / ref < 1e-5)
            }
        }
    }

    /// Reference outputs of the authors' C code (prng.di.unimi.it splitmix64.c, xoshiro256starstar.c).
    @Test func prngReferenceVectors() {
        var sm = SplitMix64(seed: 0)
        #expect([sm.next(), sm.next(), sm.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var x = Xoshiro256StarStar(state: (1, 2, 3, 4))
        #expect([x.next(), x.next(), x.next(), x.next()] == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        var seeded = Xoshiro256StarStar(seed: 42)
        #expect([seeded.next(), seeded.next(), seeded.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
    }
}
