import ContinuumGGUF

/// Small valid files built with `GGUFWriter`, the starting point of every corruption test.
enum Fixtures {
    /// One value of every type, nested arrays, and three tensors whose data ends exactly at
    /// the end of the file (so every strict prefix of the file is malformed).
    static func writer() -> GGUFWriter {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("general.alignment", .uint32(32))
        w.add("u8", .uint8(255))
        w.add("i8", .int8(-128))
        w.add("u16", .uint16(65535))
        w.add("i16", .int16(-32768))
        w.add("u32", .uint32(.max))
        w.add("i32", .int32(.min))
        w.add("u64", .uint64(.max))
        w.add("i64", .int64(.min))
        w.add("f32", .float32(-1.5))
        w.add("f64", .float64(.pi))
        w.add("yes", .bool(true))
        w.add("no", .bool(false))
        w.add("empty", .string(""))
        w.add("unicode", .string("héllo, 世界 🦙\n"))
        w.add("tokenizer.ggml.tokens", .array(.string, [.string("<s>"), .string("Ġthe"), .string(""), .string("a longer token than fifteen bytes")]))
        w.add("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1.25), .float32(3)]))
        w.add("tokenizer.ggml.token_type", .array(.int32, [.int32(1), .int32(3), .int32(-2)]))
        w.add("flags", .array(.bool, [.bool(true), .bool(false), .bool(true)]))
        w.add("bytes", .array(.uint8, [.uint8(0), .uint8(1), .uint8(255)]))
        w.add("wide", .array(.uint64, [.uint64(.max), .uint64(0)]))
        w.add("doubles", .array(.float64, [.float64(-0.0), .float64(1e300)]))
        w.add("nothing", .array(.int16, []))
        w.add("nested", .array(.array, [
            .array(.uint16, [.uint16(1), .uint16(2)]),
            .array(.string, [.string("x")]),
            .array(.array, [.array(.int8, [.int8(-1)])]),
            .array(.float32, []),
        ]))
        w.addTensor("token_embd.weight", type: .f32, dimensions: [4, 2], data: (0..<32).map { UInt8($0) })
        w.addTensor("blk.0.attn_q.weight", type: .q8_0, dimensions: [32, 2], data: (0..<68).map { UInt8(255 - $0) })
        w.addTensor("output_norm.weight", type: .f16, dimensions: [16], data: [UInt8](repeating: 7, count: 32))
        return w
    }

    static func valid() -> (bytes: [UInt8], layout: GGUFWriter.Layout) { writer().encode() }

    /// A file with a single metadata entry and no tensors.
    static func single(_ key: String, _ value: GGUFValue) -> (bytes: [UInt8], layout: GGUFWriter.Layout) {
        var w = GGUFWriter()
        w.add(key, value)
        return w.encode()
    }

    /// A file with the given tensors only.
    static func tensors(alignment: UInt32? = nil, _ build: (inout GGUFWriter) -> Void) -> (bytes: [UInt8], layout: GGUFWriter.Layout) {
        var w = GGUFWriter()
        if let alignment { w.add("general.alignment", .uint32(alignment)) }
        build(&w)
        return w.encode()
    }
}

extension [UInt8] {
    /// Overwrites `value` little-endian at `offset`.
    func patched<T: FixedWidthInteger>(at offset: Int, _ value: T) -> [UInt8] {
        var b = self
        Swift.withUnsafeBytes(of: value.littleEndian) { b.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        return b
    }

    func patched(at offset: Int, bytes: [UInt8]) -> [UInt8] {
        var b = self
        b.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return b
    }
}

/// Parses `bytes`, expecting a `GGUFError`; returns it (nil, after recording an issue, if the
/// file parsed).
func parseError(_ bytes: [UInt8]) -> GGUFError? {
    do {
        _ = try GGUFFile(bytes: bytes)
        return nil
    } catch {
        return error
    }
}
