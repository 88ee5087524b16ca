/// Builds a GGUF v3 file in memory: metadata of every type (nested arrays included) in the
/// order added, tensors with the given type, shape and bytes, data padded to the alignment
/// (`general.alignment` if set, else 32). For tests and tools: it writes what it is told,
/// including duplicate keys, odd shapes and explicit (even overlapping) offsets, so a test
/// can build a valid file, then break exactly one thing. `encode()` also returns where each
/// field landed, so a test can corrupt a specific byte.
///
///     var w = GGUFWriter()
///     w.add("general.architecture", .string("llama"))
///     w.add("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1)]))
///     w.addTensor("token_embd.weight", type: .f32, dimensions: [4, 2])
///     let file = try GGUFFile(bytes: w.encode().bytes)
public struct GGUFWriter: Sendable {
    public struct Tensor: Sendable {
        public var name: String
        public var type: GGMLType
        public var dimensions: [Int]
        public var data: [UInt8]
        /// Offset relative to the data section (>= 0); nil places it after the previous tensor.
        public var offset: Int?
    }

    /// Where each field of the encoded file lies (absolute byte offsets).
    public struct Layout: Sendable {
        public struct Entry: Sendable {
            /// Start of the entry: a key's or tensor name's length prefix.
            public var start: Int
            /// A key's value type tag, or a tensor's type field.
            public var type: Int
            /// A key's value (after the tag), or a tensor's dimension count.
            public var value: Int
            /// A tensor's relative-offset field (0 for keys).
            public var offsetField: Int
            /// A tensor's data, absolute (0 for keys).
            public var data: Int
        }
        /// By key; for a repeated key, its last entry.
        public var keys: [String: Entry] = [:]
        public var tensors: [String: Entry] = [:]
        public let versionField = 4
        public let tensorCountField = 8
        public let metadataCountField = 16
        public var dataOffset = 0
    }

    public var version: UInt32
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [Tensor] = []

    public init(version: UInt32 = 3) {
        self.version = version
    }

    /// Appends a metadata entry (a repeated key is written twice).
    public mutating func add(_ key: String, _ value: GGUFValue) {
        metadata.append((key, value))
    }

    /// Appends a tensor. Without `data`, it gets zero bytes of the size its shape and type
    /// need (or none, for a shape that has no sensible size).
    public mutating func addTensor(_ name: String, type: GGMLType, dimensions: [Int], data: [UInt8]? = nil, offset: Int? = nil) {
        tensors.append(Tensor(name: name, type: type, dimensions: dimensions,
                              data: data ?? [UInt8](repeating: 0, count: Self.byteCount(type, dimensions)), offset: offset))
    }

    /// The size of a tensor, or 0 if the shape is invalid or larger than 64 MiB.
    static func byteCount(_ type: GGMLType, _ dims: [Int]) -> Int {
        var elements = 1
        for d in dims {
            guard d > 0 else { return 0 }
            let (m, o) = elements.multipliedReportingOverflow(by: d)
            guard !o, m <= 1 << 26 else { return 0 }
            elements = m
        }
        return elements / type.blockSize * type.blockBytes
    }

    public var alignment: Int {
        if let v = metadata.last(where: { $0.key == "general.alignment" })?.value.intValue, v > 0, v <= GGUFFile.maximumAlignment {
            return v
        }
        return GGUFFile.defaultAlignment
    }

    public func encode() -> (bytes: [UInt8], layout: Layout) {
        var out: [UInt8] = []
        var layout = Layout()
        out.put(GGUFFile.magic)
        out.put(version)
        out.put(UInt64(tensors.count))
        out.put(UInt64(metadata.count))
        for (key, value) in metadata {
            let start = out.count
            out.put(key)
            let type = out.count
            out.put(value.type.rawValue)
            let at = out.count
            out.put(value)
            layout.keys[key] = .init(start: start, type: type, value: at, offsetField: 0, data: 0)
        }
        let align = alignment
        var offsets: [Int] = []
        var next = 0
        for t in tensors {
            let rel = t.offset ?? next
            offsets.append(rel)
            next = max(next, Self.padded(rel + t.data.count, align))
        }
        for (t, rel) in zip(tensors, offsets) {
            let start = out.count
            out.put(t.name)
            let dims = out.count
            out.put(UInt32(t.dimensions.count))
            for d in t.dimensions { out.put(UInt64(bitPattern: Int64(d))) }
            let type = out.count
            out.put(t.type.rawValue)
            let offsetField = out.count
            out.put(UInt64(bitPattern: Int64(rel)))
            layout.tensors[t.name] = .init(start: start, type: type, value: dims, offsetField: offsetField, data: 0)
        }
        let dataOffset = Self.padded(out.count, align)
        layout.dataOffset = dataOffset
        let end = zip(tensors, offsets).map { Self.padded($1 + $0.data.count, align) }.max() ?? 0
        out += [UInt8](repeating: 0, count: dataOffset - out.count + (tensors.isEmpty ? 0 : end))
        for (t, rel) in zip(tensors, offsets) {
            layout.tensors[t.name]?.data = dataOffset + rel
            out.replaceSubrange((dataOffset + rel)..<(dataOffset + rel + t.data.count), with: t.data)
        }
        return (out, layout)
    }

    static func padded(_ n: Int, _ align: Int) -> Int { (n + align - 1) / align * align }
}

extension [UInt8] {
    fileprivate mutating func put<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func put(_ s: String) {
        put(UInt64(s.utf8.count))
        append(contentsOf: s.utf8)
    }

    /// A value without its type tag; array elements are written by their own case.
    fileprivate mutating func put(_ v: GGUFValue) {
        switch v {
        case .uint8(let x): put(x)
        case .int8(let x): put(x)
        case .uint16(let x): put(x)
        case .int16(let x): put(x)
        case .uint32(let x): put(x)
        case .int32(let x): put(x)
        case .uint64(let x): put(x)
        case .int64(let x): put(x)
        case .float32(let x): put(x.bitPattern)
        case .float64(let x): put(x.bitPattern)
        case .bool(let x): put(UInt8(x ? 1 : 0))
        case .string(let s): put(s)
        case .array(let t, let a):
            put(t.rawValue)
            put(UInt64(a.count))
            for e in a { put(e) }
        }
    }
}
