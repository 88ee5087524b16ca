internal import CContinuumKernels

/// Instruction set for the quantized kernels. `.best` is what the CPU supports (detected once);
/// asking for more than that falls back to the best available. `.avx512NoVBMI` runs the AVX-512
/// VNNI kernels without the VBMI ones (as on Cascade Lake), so tests can cover that path.
public enum KernelISA: Int32, Sendable, CaseIterable {
    case best = -1, scalar = 0, avx2 = 1, avx512 = 2, avx512NoVBMI = 3

    /// The best instruction set this CPU supports.
    public static var detected: KernelISA { KernelISA(rawValue: ck_cpu_isa()) ?? .scalar }
}

extension Kernels {
    /// Checks the AVX2 float ops (dot, axpy, norm, softmax, swiglu), which the dispatcher does not
    /// pick on AVX-512 CPUs, against the scalar reference; returns the number of failures.
    package static func selfTestAVX2FloatOps() -> Int { Int(ck_floatops_selftest_avx2()) }
}
