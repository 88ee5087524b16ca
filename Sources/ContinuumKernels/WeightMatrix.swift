/// W (rows, cols): `rows` rows of `cols` elements each, row-major, each row cols/blockSize blocks
/// (ggml layout: ne0 = cols).
// @unchecked Sendable: an immutable view of read-only (usually mmapped) weight bytes.
public struct WeightMatrix: @unchecked Sendable {
    public let type: QuantType
    public let rows: Int
    public let cols: Int
    public let data: UnsafeRawPointer

    public init(type: QuantType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        precondition(cols % type.blockSize == 0, "cols must be a multiple of the block size")
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Bytes per row.
    public var rowBytes: Int { type.rowBytes(cols: cols) }

    /// Start of row `r`.
    @inlinable public func row(_ r: Int) -> UnsafeRawPointer { data + r * type.rowBytes(cols: cols) }
}
