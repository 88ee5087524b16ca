// Tensor element formats (ggml block layouts). Raw values are ggml_type ids.

public enum QuantType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q4_K = 12, q5_K = 13, q6_K = 14, bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18   // f16 d; u8 qs[16]
        case .q4_1: 20   // f16 d, m; u8 qs[16]
        case .q5_0: 22   // f16 d; u8 qh[4]; u8 qs[16]
        case .q5_1: 24   // f16 d, m; u8 qh[4]; u8 qs[16]
        case .q8_0: 34   // f16 d; i8 qs[32]
        case .q4_K: 144  // f16 d, dmin; u8 scales[12]; u8 qs[128]
        case .q5_K: 176  // f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
        case .q6_K: 210  // u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
        }
    }

    /// Bytes in one row of `cols` elements (cols must be a multiple of blockSize).
    public func rowBytes(cols: Int) -> Int { cols / blockSize * blockBytes }
}
