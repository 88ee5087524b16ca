internal import CContinuumKernels

extension Kernels {
    /// Scratch bytes `matmul` needs for `n` rows of input against `w` (activation blocks).
    package static func matmulScratchBytes(_ w: WeightMatrix, n: Int) -> Int {
        Int(ck_matmul_scratch_bytes(w.type.rawValue, Int32(w.cols), Int32(n)))
    }

    /// Scratch bytes `attention` needs for `batch` queries over up to `positions` positions.
    package static func attentionScratchBytes(threads: Int, positions: Int, batch: Int) -> Int {
        Int(ck_attention_scratch_floats(Int32(threads), Int32(positions), Int32(batch))) * 4
    }
}
