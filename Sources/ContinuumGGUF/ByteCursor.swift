/// Bounds-checked little-endian reads over untrusted bytes. Every read checks that the
/// bytes exist first; every count is checked against the bytes left before anything is
/// allocated for it. Offsets only grow and never pass `bytes.count`, so no arithmetic here
/// can overflow.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    static let absurdSize: UInt64 = 1 << 48

    func need(_ n: Int, _ context: @autoclosure () -> String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw GGUFError(.truncated, context(), offset: offset, "need \(n) bytes, \(max(remaining, 0)) left")
        }
    }

    mutating func skip(_ n: Int, _ context: @autoclosure () -> String) throws(GGUFError) {
        try need(n, context())
        offset += n
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

    /// A count that will size a loop or an allocation: at least `minElementSize` bytes must
    /// remain per element, so `count * minElementSize <= remaining` is proven on return.
    mutating func readCount(minElementSize: Int, _ context: @autoclosure () -> String) throws(GGUFError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, context())
        return try checkCount(raw, at: start, minElementSize: minElementSize, context())
    }

    /// A count of entries whose loop consumes at least `minElementSize` bytes per pass or
    /// throws, so it needs no check against the bytes left (a truncated file then fails at
    /// the entry that is cut short); only an absurd count is rejected up front.
    func checkPlausible(_ raw: UInt64, at start: Int, minElementSize: Int, _ context: @autoclosure () -> String) throws(GGUFError) -> Int {
        let (needed, overflow) = raw.multipliedReportingOverflow(by: UInt64(max(minElementSize, 1)))
        guard !overflow, needed <= Self.absurdSize else {
            throw GGUFError(.absurdCount, context(), offset: start,
                            "count \(raw) needs at least \(overflow ? "2^64 or more" : String(needed)) bytes, but only \(remaining) left")
        }
        return Int(raw)
    }

    /// Checks a count read earlier at `start` against the bytes left now. A count whose
    /// elements would need more than 2^48 bytes (256 TiB) is absurd; a smaller one that runs
    /// past the end most likely means the file was cut short (a partial download).
    func checkCount(_ raw: UInt64, at start: Int, minElementSize: Int, _ context: @autoclosure () -> String) throws(GGUFError) -> Int {
        let size = UInt64(max(minElementSize, 1))
        guard raw > UInt64(remaining) / size else { return Int(raw) }
        let (needed, overflow) = raw.multipliedReportingOverflow(by: size)
        if overflow || needed > Self.absurdSize {
            let what = size == 1 ? "length \(raw)" : "count \(raw) needs at least \(overflow ? "2^64 or more" : String(needed)) bytes"
            throw GGUFError(.absurdCount, context(), offset: start, "\(what), but only \(remaining) left")
        }
        let what = size == 1 ? "need \(raw) bytes" : "\(raw) elements need at least \(needed) bytes"
        throw GGUFError(.truncated, context(), offset: start, "\(what), \(remaining) left")
    }

    /// Reads a length-prefixed UTF-8 string.
    mutating func readString(_ context: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let slice = try readStringBytes(context())
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw GGUFError(.badString, context(), offset: start, "\(slice.count) bytes")
        }
        return s
    }

    /// Skips a length-prefixed string after checking it is valid UTF-8, allocating nothing.
    mutating func skipString(_ context: @autoclosure () -> String) throws(GGUFError) {
        let start = offset
        let slice = try readStringBytes(context())
        guard Self.isValidUTF8(slice) else {
            throw GGUFError(.badString, context(), offset: start, "\(slice.count) bytes")
        }
    }

    private mutating func readStringBytes(_ context: @autoclosure () -> String) throws(GGUFError) -> UnsafeRawBufferPointer {
        let len = try readCount(minElementSize: 1, context())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + len)])
        offset += len
        return slice
    }

    static func isValidUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
        var ascii = true
        for byte in b where byte >= 0x80 { ascii = false; break }
        if ascii { return true }
        var it = b.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
