import ContinuumKernels
import Testing

/// The kernel-path switch: names, what this CPU supports, and refusals that change nothing.
struct KernelISATests {
    @Test func namesRoundTrip() {
        for isa in KernelISA.allCases where isa != .best {
            #expect(KernelISA(name: isa.name) == isa, "\(isa.name)")
        }
        #expect(KernelISA(name: "auto") == .best)
        #expect(KernelISA(name: "scalar") == .scalar)
        #expect(KernelISA(name: "sse9") == nil)
        #expect(KernelISA(name: "AVX2") == nil)
    }

    @Test func supportedPathsEndWithThePortableOne() {
        let supported = KernelISA.supported
        #expect(supported.last == .scalar)
        #expect(supported.first == KernelISA.detected)
        #expect(supported.contains(KernelISA.active))
    }

    @Test func forcingAPathOfAnotherArchitectureIsRefusedAndChangesNothing() {
        #if arch(x86_64)
        let foreign = KernelISA.neon
        #else
        let foreign = KernelISA.avx2
        #endif
        let before = KernelISA.active
        #expect(throws: KernelISAError.self) { try KernelISA.force(foreign) }
        #expect(KernelISA.active == before)
    }
}
