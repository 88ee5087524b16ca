/// Parses the header, metadata and tensor directory of a GGUF v2/v3 file
/// (ggml `docs/gguf.md`; llama.cpp `ggml/src/gguf.cpp`), checking every untrusted number.
struct GGUFParser {
    let file: MappedFile
    var c: ByteCursor

    var version: UInt32 = 0
    var keys: [String] = []
    var metadata: [String: GGUFValue] = [:]
    var valueOffsets: [String: Int] = [:]
    var alignment = GGUFFile.defaultAlignment
    var dataOffset = 0
    var tensors: [GGUFTensorInfo] = []
    var tensorIndex: [String: Int] = [:]

    // Smallest encodings, used to bound counts before looping over them:
    // a tensor entry is name length (8) + dimension count (4) + one dimension (8) + type (4) + offset (8);
    // a metadata entry is key length (8) + type (4) + a value of at least one byte.
    static let minimumTensorEntry = 32
    static let minimumMetadataEntry = 13

    static func parse(_ file: MappedFile) throws(GGUFError) -> GGUFParser {
        var p = GGUFParser(file: file, c: ByteCursor(bytes: file.bytes))
        try p.parse()
        return p
    }

    private mutating func parse() throws(GGUFError) {
        let magic = try c.read(UInt32.self, "magic")
        guard magic == GGUFFile.magic else {
            let ascii = withUnsafeBytes(of: magic.littleEndian) { b in
                String(b.map { (0x20..<0x7f).contains($0) ? Character(Unicode.Scalar($0)) : "." })
            }
            throw GGUFError(.badMagic, "magic", offset: 0, "found \"\(ascii)\" (0x\(String(magic, radix: 16))), expected \"GGUF\"")
        }
        version = try c.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError(.unsupportedVersion, "version", offset: 4, "version \(version); supported: 2, 3")
        }
        // Both counts only bound loops that consume bytes on every pass, so a file cut short
        // fails at the entry where it ends; only absurd counts are rejected here.
        let rawTensorCount = try c.read(UInt64.self, "tensor_count")
        let rawKVCount = try c.read(UInt64.self, "metadata_kv_count")
        let tensorCount = try c.checkPlausible(rawTensorCount, at: 8, minElementSize: Self.minimumTensorEntry, "tensor_count")
        let kvCount = try c.checkPlausible(rawKVCount, at: 16, minElementSize: Self.minimumMetadataEntry, "metadata_kv_count")
        try readMetadata(count: kvCount)
        try readAlignment()
        try readTensors(count: tensorCount)
    }

    // MARK: Metadata

    private mutating func readMetadata(count: Int) throws(GGUFError) {
        for i in 0..<count {
            let keyAt = c.offset
            let name = try c.readString("metadata key #\(i)")
            // Errors name the key; an empty one is named by its position instead.
            let key = name.isEmpty ? "metadata key #\(i) (empty)" : name
            if let first = valueOffsets[name] {
                throw GGUFError(.duplicateKey, key, offset: keyAt, "already defined, value at byte offset \(first)")
            }
            let typeAt = c.offset
            let rawType = try c.read(UInt32.self, key)
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(.badValueType, key, offset: typeAt, "type \(rawType)")
            }
            valueOffsets[name] = c.offset
            metadata[name] = try readValue(type, key: key, depth: 0)
            keys.append(name)
        }
    }

    private mutating func readValue(_ type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
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
            guard b <= 1 else { throw GGUFError(.badValue, key, offset: at, "bool byte is \(b), expected 0 or 1") }
            return .bool(b == 1)
        case .string: return .string(try c.readString(key))
        case .array: return try readArray(key: key, depth: depth)
        }
    }

    /// An array: element type (u32), count (u64), elements. See `GGUFArray` for why elements
    /// are not decoded here.
    private mutating func readArray(key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let at = c.offset
        guard depth < GGUFFile.maximumArrayDepth else {
            throw GGUFError(.nestingTooDeep, key, offset: at, "more than \(GGUFFile.maximumArrayDepth) levels of arrays")
        }
        let rawType = try c.read(UInt32.self, key)
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw GGUFError(.badValueType, key, offset: at, "array element type \(rawType)")
        }
        let count = try c.readCount(minElementSize: type.minimumEncodedSize, key)
        switch type {
        case .string:
            var offsets: [Int] = []
            offsets.reserveCapacity(count)  // <= bytes left / 8 entries of 8 bytes
            for i in 0..<count {
                offsets.append(c.offset)
                do throws(GGUFError) { try c.skipString(key) } catch { throw error.inElement(i, of: count) }
            }
            return .array(type, GGUFArray(storage: .strings(file: file, offsets: offsets), count: count))
        case .array:
            var values: [GGUFValue] = []
            values.reserveCapacity(count)  // <= bytes left / 12 entries of 40 bytes
            for i in 0..<count {
                do throws(GGUFError) { values.append(try readArray(key: key, depth: depth + 1)) } catch { throw error.inElement(i, of: count) }
            }
            return .array(type, GGUFArray(values))
        default:
            let base = c.offset
            try c.skip(count * type.minimumEncodedSize, key)  // proven to fit by readCount
            if type == .bool {
                for i in 0..<count where file.bytes[base + i] > 1 {
                    throw GGUFError(.badValue, key, offset: base + i, "element \(i) of \(count): bool byte is \(file.bytes[base + i]), expected 0 or 1")
                }
            }
            return .array(type, GGUFArray(storage: .packed(file: file, base: base, type: type), count: count))
        }
    }

    private mutating func readAlignment() throws(GGUFError) {
        guard let a = metadata["general.alignment"] else { return }
        guard let v = a.intValue, v > 0, v <= GGUFFile.maximumAlignment, v & (v - 1) == 0 else {
            throw GGUFError(.badAlignment, "general.alignment", offset: valueOffsets["general.alignment"] ?? 0,
                            "\(a) is not a power of two up to \(GGUFFile.maximumAlignment)")
        }
        alignment = v
    }

    // MARK: Tensor directory

    private struct Entry {
        var name: String
        /// The name for errors.
        var label: String
        var dims: [Int]
        var type: GGMLType
        var relativeOffset: Int
        var byteCount: Int
        /// Where the entry's offset field is, for errors about where its data lies.
        var offsetFieldAt: Int
    }

    private mutating func readTensors(count: Int) throws(GGUFError) {
        let fileSize = file.bytes.count
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, c.remaining / Self.minimumTensorEntry))
        for i in 0..<count {
            let at = c.offset
            let tensorName = try c.readString("tensor #\(i) name")
            guard tensorIndex[tensorName] == nil else {
                throw GGUFError(.duplicateTensor, tensorName.isEmpty ? "tensor #\(i) (empty name)" : tensorName, offset: at,
                                "already defined as tensor #\(tensorIndex[tensorName]!)")
            }
            // Errors name the tensor; an empty name is replaced by its position.
            let name = tensorName.isEmpty ? "tensor #\(i) (empty name)" : tensorName
            let dimsAt = c.offset
            let nDims = try c.read(UInt32.self, name)
            guard nDims >= 1, nDims <= GGUFFile.maximumDimensions else {
                throw GGUFError(.badShape, name, offset: dimsAt, "\(nDims) dimensions; allowed 1...\(GGUFFile.maximumDimensions)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dimAt = c.offset
                let raw = try c.read(UInt64.self, name)
                guard raw > 0, let n = Int(exactly: raw) else {
                    throw GGUFError(.badShape, name, offset: dimAt, "dimension \(d) is \(raw)")
                }
                let (m, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow else {
                    throw GGUFError(.badShape, name, offset: dimAt, "element count overflows at dimension \(d) (\(raw))")
                }
                elements = m
                dims.append(n)
            }
            let typeAt = c.offset
            let rawType = try c.read(UInt32.self, name)
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError(.badTensorType, name, offset: typeAt, "type \(rawType)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError(.badShape, name, offset: dimsAt, "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            // elements is a multiple of blockSize because dims[0] is.
            let (byteCount, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
            guard !overflow, byteCount <= fileSize else {
                throw GGUFError(.outOfBounds, name, offset: dimsAt,
                                "\(dims) \(type) needs \(overflow ? "more than 2^63" : String(byteCount)) bytes, the file has \(fileSize)")
            }
            let offAt = c.offset
            let rel = try c.read(UInt64.self, name)
            guard rel <= UInt64(fileSize) else {
                throw GGUFError(.outOfBounds, name, offset: offAt, "relative offset \(rel), the file has \(fileSize) bytes")
            }
            guard Int(rel) % alignment == 0 else {
                throw GGUFError(.misaligned, name, offset: offAt, "relative offset \(rel) is not a multiple of \(alignment)")
            }
            tensorIndex[tensorName] = i
            entries.append(Entry(name: tensorName, label: name, dims: dims, type: type, relativeOffset: Int(rel), byteCount: byteCount, offsetFieldAt: offAt))
        }

        // c.offset <= fileSize and alignment <= 2^20, so this cannot overflow.
        dataOffset = (c.offset + alignment - 1) / alignment * alignment
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let start = dataOffset + e.relativeOffset  // both <= fileSize + 2^20
            guard start <= fileSize, e.byteCount <= fileSize - start else {
                throw GGUFError(.outOfBounds, e.label, offset: e.offsetFieldAt,
                                "data [\(start), \(start + e.byteCount)) but the file has \(fileSize) bytes")
            }
            tensors.append(GGUFTensorInfo(name: e.name, dimensions: e.dims, type: e.type,
                                          relativeOffset: e.relativeOffset, offset: start, byteCount: e.byteCount))
        }
        // Overlaps, in data order; every range lies inside the file, so the sums cannot overflow.
        let order = tensors.indices.sorted { (tensors[$0].offset, $0) < (tensors[$1].offset, $1) }
        for (i, j) in zip(order, order.dropFirst()) {
            let a = tensors[i], b = tensors[j]
            if a.offset + a.byteCount > b.offset {
                throw GGUFError(.overlap, entries[j].label, offset: entries[j].offsetFieldAt,
                                "data [\(b.offset), \(b.offset + b.byteCount)) overlaps '\(entries[i].label)' [\(a.offset), \(a.offset + a.byteCount))")
            }
        }
    }
}

extension GGUFError {
    /// The same error, its detail prefixed with the array element it happened in.
    func inElement(_ i: Int, of n: Int) -> GGUFError {
        GGUFError(code, context, offset: offset, "element \(i) of \(n)" + (detail.isEmpty ? "" : ": \(detail)"))
    }
}
