internal import CContinuumKernels

extension Kernels {
    /// Scratch bytes `matmul` needs for `n` rows of input against `w` (activation blocks).
    package static func matmulScratchBytes(_ w: WeightMatrix, n: Int) -> Int {
        Int(ck_matmul_scratch_bytes(w.type.rawValue, Int32(w.cols), Int32(n)))
    }

}
