/// The value types a GGUF metadata entry can hold (`gguf_type`).
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Smallest encoded size of one value of this type, used to reject counts that could
    /// not fit in the bytes left before allocating anything for them.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string: 8  // the length prefix
        case .array: 12  // element type + count
        }
    }

    /// Numbers and bools: every value takes exactly `minimumEncodedSize` bytes.
    var isFixedWidth: Bool { self != .string && self != .array }
}

/// One metadata value. Arrays may nest; their elements are decoded lazily (see `GGUFArray`).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double), bool(Bool), string(String)
    case array(GGUFValueType, GGUFArray)

    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// Any integer type as Int (nil if not an integer or out of range).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(exactly: v)
        default: nil
        }
    }

    /// Any numeric type as Double.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: intValue.map(Double.init)
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: GGUFArray? {
        if case .array(_, let a) = self { return a }
        return nil
    }
}

extension GGUFValue: CustomStringConvertible {
    /// A short rendering for `continuum inspect`: long arrays and strings are elided.
    public var description: String {
        switch self {
        case .string(let s):
            let short = s.count > 80 ? String(s.prefix(77)) + "..." : s
            return "\"" + short.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n") + "\""
        case .array(let t, let a):
            let head = a.prefix(6).map(\.description).joined(separator: ", ")
            return "[\(t)] (\(a.count)) [\(head)\(a.count > 6 ? ", ..." : "")]"
        case .bool(let b): return String(b)
        case .float32(let v): return String(v)
        case .float64(let v): return String(v)
        default: return intValue.map(String.init) ?? "?"
        }
    }
}

extension GGUFValue {
    /// The type for error messages, e.g. "uint32" or "array of string".
    var typeDescription: String {
        if case .array(let t, _) = self { return "array of \(t)" }
        return "\(type)"
    }
}
