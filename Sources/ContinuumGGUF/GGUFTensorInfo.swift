/// One entry of the tensor directory.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `dimensions[0]` is the innermost (contiguous) dimension.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Offset of the data relative to the start of the tensor data section.
    public let relativeOffset: Int
    /// Absolute offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
}
