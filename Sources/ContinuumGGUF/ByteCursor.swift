/// Bounds-checked little-endian reads over untrusted bytes. Every read checks that the
/// bytes exist first; every count is checked against the bytes left before anything is
/// allocated for it.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var offset: Int = 0

    var remaining: Int { bytes.count - offset }

    mutating func need(_ n: Int, _ context: @autoclosure () -> String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw GGUFError(.truncated, context(), offset: offset, "need \(n) bytes, \(max(remaining, 0)) left")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ context: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, context())
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ context: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, context()))
    }

    mutating func readDouble(_ context: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, context()))
    }

    /// A count that will size a loop: at least `minElementSize` bytes must remain per element.
    mutating func readCount(minElementSize: Int, _ context: @autoclosure () -> String) throws(GGUFError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, context())
        guard raw <= UInt64(Int.max / max(minElementSize, 1)),
              Int(raw) * minElementSize <= remaining
        else {
            throw GGUFError(.absurdCount, context(), offset: start, "count \(raw) needs at least \(raw.multipliedReportingOverflow(by: UInt64(minElementSize)).partialValue) bytes, \(remaining) left")
        }
        return Int(raw)
    }

    mutating func readString(_ context: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let len = try readCount(minElementSize: 1, context())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + len)])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw GGUFError(.badString, context(), offset: start)
        }
        offset += len
        return s
    }
}
