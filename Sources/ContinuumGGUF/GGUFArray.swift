/// The elements of a metadata array, decoded lazily.
///
/// A file can legally hold a huge array (a 100 MB file can carry 10^8 bools), and decoding
/// each element into a `GGUFValue` up front would cost ~24-40 bytes per file byte. So arrays
/// are kept close to their encoding:
/// - fixed-width numbers and bools are a view into the file's bytes (no copy at all);
/// - strings are one 8-byte offset per element (never more than the file bytes they span),
///   validated as UTF-8 at parse time and decoded when read;
/// - nested arrays are decoded eagerly (each takes at least 12 file bytes, so they cost a
///   small constant factor of the file's size, and real files rarely have them).
///
/// It is a `RandomAccessCollection` of `GGUFValue`, so `count`, `for`, `map` and integer
/// subscripts work as they would on `[GGUFValue]`; the bulk accessors (`strings`,
/// `integers`, `floats`) decode in one pass. Arrays built in code (for `GGUFWriter`) hold
/// their values directly: `GGUFValue.array(.uint32, [.uint32(1), .uint32(2)])`.
public struct GGUFArray: RandomAccessCollection, Sendable {
    enum Storage: Sendable {
        /// `count` values of fixed-width `type` starting at `base` in `file`.
        case packed(file: MappedFile, base: Int, type: GGUFValueType)
        /// Offsets of each string's length prefix in `file`; already validated as UTF-8.
        case strings(file: MappedFile, offsets: [Int])
        case values([GGUFValue])
    }

    let storage: Storage
    public let count: Int

    init(storage: Storage, count: Int) {
        self.storage = storage
        self.count = count
    }

    public init(_ values: some Sequence<GGUFValue>) {
        let a = Array(values)
        self.init(storage: .values(a), count: a.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> GGUFValue {
        precondition(i >= 0 && i < count, "GGUFArray index \(i) out of range 0..<\(count)")
        switch storage {
        case .packed(let file, let base, let type):
            return Self.load(type, file.bytes, at: base + i * type.minimumEncodedSize)
        case .strings(let file, let offsets):
            return .string(Self.string(file.bytes, at: offsets[i]))
        case .values(let values):
            return values[i]
        }
    }

    /// All elements as strings, or nil if any element is not a string.
    public var strings: [String]? {
        switch storage {
        case .strings(let file, let offsets):
            return offsets.map { Self.string(file.bytes, at: $0) }
        case .packed:
            return count == 0 ? [] : nil
        case .values(let values):
            var out: [String] = []
            out.reserveCapacity(values.count)
            for v in values {
                guard case .string(let s) = v else { return nil }
                out.append(s)
            }
            return out
        }
    }

    /// All elements as `Int`, or nil if any element is not an integer representable as `Int`.
    public var integers: [Int]? {
        var out: [Int] = []
        out.reserveCapacity(count)
        for v in self {
            guard let i = v.intValue else { return nil }
            out.append(i)
        }
        return out
    }

    /// All elements as `Float` (any numeric type converts), or nil if any is not a number.
    public var floats: [Float]? {
        if case .packed(let file, let base, .float32) = storage {
            return (0..<count).map {
                Float(bitPattern: UInt32(littleEndian: file.bytes.loadUnaligned(fromByteOffset: base + $0 * 4, as: UInt32.self)))
            }
        }
        var out: [Float] = []
        out.reserveCapacity(count)
        for v in self {
            guard let d = v.doubleValue else { return nil }
            out.append(Float(d))
        }
        return out
    }

    // Reads of already validated bytes.

    static func load(_ type: GGUFValueType, _ b: UnsafeRawBufferPointer, at o: Int) -> GGUFValue {
        func le<T: FixedWidthInteger>(_: T.Type) -> T { T(littleEndian: b.loadUnaligned(fromByteOffset: o, as: T.self)) }
        switch type {
        case .uint8: return .uint8(le(UInt8.self))
        case .int8: return .int8(le(Int8.self))
        case .uint16: return .uint16(le(UInt16.self))
        case .int16: return .int16(le(Int16.self))
        case .uint32: return .uint32(le(UInt32.self))
        case .int32: return .int32(le(Int32.self))
        case .uint64: return .uint64(le(UInt64.self))
        case .int64: return .int64(le(Int64.self))
        case .float32: return .float32(Float(bitPattern: le(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: le(UInt64.self)))
        case .bool: return .bool(le(UInt8.self) != 0)
        case .string, .array: preconditionFailure("\(type) is not a fixed-width GGUF type")
        }
    }

    static func string(_ b: UnsafeRawBufferPointer, at o: Int) -> String {
        let n = Int(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[(o + 8)..<(o + 8 + n)]), as: UTF8.self)
    }
}

extension GGUFArray: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: GGUFValue...) {
        self.init(elements)
    }
}

extension GGUFArray: Equatable {
    public static func == (a: GGUFArray, b: GGUFArray) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }
}
