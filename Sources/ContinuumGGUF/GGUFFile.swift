/// A parsed, memory-mapped GGUF v2/v3 file: typed metadata in file order, the tensor
/// directory, and bounds-checked views of tensor data.
///
/// Parsing never trusts a count or length from the file: each is checked against the bytes
/// left before anything is allocated, so a malformed file is a `GGUFError` naming the key
/// or tensor and the byte offset, never a crash or an oversized allocation.
public struct GGUFFile: Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    public static let defaultAlignment = 32
    /// Nesting depth above which an array is rejected (real files use at most 2).
    static let maximumArrayDepth = 8
    /// Dimensions a tensor may have (ggml's GGML_MAX_DIMS).
    static let maximumDimensions = 4

    public let file: MappedFile
    public let version: UInt32
    /// Metadata keys in file order.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset of the tensor data section.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]

    /// Maps and parses the file at `path`.
    public init(path: String) throws(GGUFError) {
        try self.init(file: try MappedFile(path: path))
    }

    public init(file: MappedFile) throws(GGUFError) {
        self.file = file
        var c = ByteCursor(bytes: file.bytes)
        let magic = try c.read(UInt32.self, "magic")
        guard magic == Self.magic else {
            throw GGUFError(.badMagic, "magic", offset: 0, "found 0x\(String(magic, radix: 16))")
        }
        version = try c.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError(.unsupportedVersion, "version", offset: 4, "version \(version); supported: 2, 3")
        }
        // A tensor entry takes at least 8 (name length) + 4 (dims) + 4 (type) + 8 (offset) bytes;
        // a metadata entry at least 8 (key length) + 4 (type) + 1 byte of value.
        let tensorCount = try c.readCount(minElementSize: 24, "tensor_count")
        let kvCount = try c.readCount(minElementSize: 13, "metadata_kv_count")

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for i in 0..<kvCount {
            let keyOffset = c.offset
            let key = try c.readString("metadata key #\(i)")
            guard metadata[key] == nil else { throw GGUFError(.duplicateKey, key, offset: keyOffset) }
            let typeOffset = c.offset
            let rawType = try c.read(UInt32.self, key)
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(.badValueType, key, offset: typeOffset, "type \(rawType)")
            }
            metadata[key] = try Self.readValue(type, &c, key: key, depth: 0)
            keys.append(key)
        }
        self.keys = keys
        self.metadata = metadata

        var alignment = Self.defaultAlignment
        if let a = metadata["general.alignment"] {
            guard let v = a.intValue, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw GGUFError(.badAlignment, "general.alignment", offset: 0, "\(a) is not a power of two up to 1 MiB")
            }
            alignment = v
        }
        self.alignment = alignment

        struct Pending { var name: String; var dims: [Int]; var type: GGMLType; var rel: Int; var at: Int }
        var pending: [Pending] = []
        var index: [String: Int] = [:]
        for i in 0..<tensorCount {
            let at = c.offset
            let name = try c.readString("tensor #\(i) name")
            guard index[name] == nil else { throw GGUFError(.duplicateTensor, name, offset: at) }
            let dimsAt = c.offset
            let nDims = Int(try c.read(UInt32.self, name))
            guard (1...Self.maximumDimensions).contains(nDims) else {
                throw GGUFError(.badShape, name, offset: dimsAt, "\(nDims) dimensions; allowed 1...\(Self.maximumDimensions)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<nDims {
                let dimAt = c.offset
                let raw = try c.read(UInt64.self, name)
                guard raw > 0, raw <= UInt64(Int32.max) else {
                    throw GGUFError(.badShape, name, offset: dimAt, "dimension \(d) is \(raw)")
                }
                let (m, overflow) = elements.multipliedReportingOverflow(by: Int(raw))
                guard !overflow, m <= file.bytes.count * 64 else {
                    throw GGUFError(.badShape, name, offset: dimAt, "element count overflows or exceeds what the file can hold")
                }
                elements = m
                dims.append(Int(raw))
            }
            let typeAt = c.offset
            let rawType = try c.read(UInt32.self, name)
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError(.badTensorType, name, offset: typeAt, "type \(rawType)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError(.badShape, name, offset: dimsAt, "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            let offAt = c.offset
            let rel = try c.read(UInt64.self, name)
            guard rel <= UInt64(file.bytes.count) else {
                throw GGUFError(.outOfBounds, name, offset: offAt, "relative offset \(rel)")
            }
            guard Int(rel) % alignment == 0 else {
                throw GGUFError(.misaligned, name, offset: offAt, "relative offset \(rel) is not a multiple of \(alignment)")
            }
            index[name] = pending.count
            pending.append(Pending(name: name, dims: dims, type: type, rel: Int(rel), at: offAt))
        }

        let dataOffset = (c.offset + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(pending.count)  // bounded: each entry consumed >= 24 file bytes
        for p in pending {
            let bytes = p.dims.reduce(1, *) / p.type.blockSize * p.type.blockBytes
            let start = dataOffset + p.rel
            guard start <= file.bytes.count, bytes <= file.bytes.count - start else {
                throw GGUFError(.outOfBounds, p.name, offset: p.at,
                                "data [\(start), \(start + bytes)) but the file has \(file.bytes.count) bytes")
            }
            tensors.append(GGUFTensorInfo(name: p.name, dimensions: p.dims, type: p.type,
                                          relativeOffset: p.rel, offset: start, byteCount: bytes))
        }
        // Overlap check in offset order.
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError(.overlap, b.name, offset: b.offset, "overlaps '\(a.name)' [\(a.offset), \(a.offset + a.byteCount))")
        }
        self.tensors = tensors
        self.tensorIndex = index
    }

    private static func readValue(_ type: GGUFValueType, _ c: inout ByteCursor, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try c.read(UInt8.self, key))
        case .int8: return .int8(try c.read(Int8.self, key))
        case .uint16: return .uint16(try c.read(UInt16.self, key))
        case .int16: return .int16(try c.read(Int16.self, key))
        case .uint32: return .uint32(try c.read(UInt32.self, key))
        case .int32: return .int32(try c.read(Int32.self, key))
        case .uint64: return .uint64(try c.read(UInt64.self, key))
        case .int64: return .int64(try c.read(Int64.self, key))
        case .float32: return .float32(try c.readFloat(key))
        case .float64: return .float64(try c.readDouble(key))
        case .bool:
            let at = c.offset
            let b = try c.read(UInt8.self, key)
            guard b <= 1 else { throw GGUFError(.wrongType, key, offset: at, "bool byte is \(b)") }
            return .bool(b == 1)
        case .string: return .string(try c.readString(key))
        case .array:
            let at = c.offset
            guard depth < maximumArrayDepth else {
                throw GGUFError(.badValueType, key, offset: at, "arrays nested deeper than \(maximumArrayDepth)")
            }
            let rawType = try c.read(UInt32.self, key)
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(.badValueType, key, offset: at, "array element type \(rawType)")
            }
            let count = try c.readCount(minElementSize: elementType.minimumEncodedSize, key)
            var values: [GGUFValue] = []
            values.reserveCapacity(count)  // safe: readCount proved count * min size <= bytes left
            for _ in 0..<count {
                values.append(try readValue(elementType, &c, key: key, depth: depth + 1))
            }
            return .array(elementType, values)
        }
    }

    // MARK: Lookup

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, inside the map; valid while this file (or its `MappedFile`) lives.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// `general.architecture`, e.g. "llama" or "qwen2".
    public var architecture: String? { metadata["general.architecture"]?.stringValue }

    // Typed accessors that throw a GGUFError naming the key.
    public func requireInt(_ key: String) throws(GGUFError) -> Int {
        guard let v = metadata[key] else { throw GGUFError(.missingKey, key, offset: 0) }
        guard let i = v.intValue else { throw GGUFError(.wrongType, key, offset: 0, "expected an integer, found \(v.type)") }
        return i
    }

    public func requireDouble(_ key: String) throws(GGUFError) -> Double {
        guard let v = metadata[key] else { throw GGUFError(.missingKey, key, offset: 0) }
        guard let d = v.doubleValue else { throw GGUFError(.wrongType, key, offset: 0, "expected a number, found \(v.type)") }
        return d
    }

    public func requireString(_ key: String) throws(GGUFError) -> String {
        guard let v = metadata[key] else { throw GGUFError(.missingKey, key, offset: 0) }
        guard let s = v.stringValue else { throw GGUFError(.wrongType, key, offset: 0, "expected a string, found \(v.type)") }
        return s
    }

    public func requireStringArray(_ key: String) throws(GGUFError) -> [String] {
        guard let v = metadata[key] else { throw GGUFError(.missingKey, key, offset: 0) }
        guard case .array(.string, let a) = v else { throw GGUFError(.wrongType, key, offset: 0, "expected an array of strings") }
        return a.map { $0.stringValue! }
    }

    /// An optional numeric array (e.g. token scores or types) as Ints.
    public func intArray(_ key: String) throws(GGUFError) -> [Int]? {
        guard let v = metadata[key] else { return nil }
        guard case .array(_, let a) = v else { throw GGUFError(.wrongType, key, offset: 0, "expected an array") }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let i = e.intValue else { throw GGUFError(.wrongType, key, offset: 0, "expected integers") }
            out.append(i)
        }
        return out
    }

    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError(.missingTensor, name, offset: 0) }
        return t
    }
}
