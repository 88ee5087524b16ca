import ContinuumGGUF
import Testing

/// GGUFWriter -> GGUFFile gives back every value type, nested arrays and tensors.
@Suite struct RoundTripTests {
    @Test func everyValueTypeRoundTrips() throws {
        let w = Fixtures.writer()
        let f = try GGUFFile(bytes: w.encode().bytes)
        #expect(f.version == 3)
        #expect(f.keys == w.metadata.map(\.key))
        for (key, value) in w.metadata {
            #expect(f[key] == value, "\(key)")
            #expect(f[key]?.type == value.type)
        }
        #expect(f.architecture == "llama")
        #expect(f.alignment == 32)
        #expect(f.dataOffset % 32 == 0)
    }

    @Test func scalarAccessors() throws {
        let f = try GGUFFile(bytes: Fixtures.valid().bytes)
        #expect(try f.requireInt("u8") == 255)
        #expect(try f.requireInt("i64") == Int.min)
        #expect(try f.requireInt("u32") == Int(UInt32.max))
        #expect(f["u64"]?.intValue == nil)  // UInt64.max does not fit in Int
        #expect(try f.requireDouble("f32") == -1.5)
        #expect(try f.requireDouble("f64") == .pi)
        #expect(try f.requireDouble("i16") == -32768)
        #expect(try f.requireString("unicode") == "héllo, 世界 🦙\n")
        #expect(try f.requireString("empty") == "")
        #expect(f["yes"]?.boolValue == true)
        #expect(f["no"]?.boolValue == false)
    }

    @Test func arrayAccessors() throws {
        let f = try GGUFFile(bytes: Fixtures.valid().bytes)
        #expect(try f.requireStringArray("tokenizer.ggml.tokens") == ["<s>", "Ġthe", "", "a longer token than fifteen bytes"])
        #expect(try f.floatArray("tokenizer.ggml.scores") == [0, -1.25, 3])
        #expect(try f.intArray("tokenizer.ggml.token_type") == [1, 3, -2])
        #expect(try f.intArray("bytes") == [0, 1, 255])
        #expect(try f.floatArray("tokenizer.ggml.token_type") == [1, 3, -2])
        #expect(try f.intArray("missing") == nil)
        #expect(try f.intArray("nothing") == [])
        let tokens = try #require(f["tokenizer.ggml.tokens"]?.arrayValue)
        #expect(tokens.count == 4)
        #expect(tokens[1] == .string("Ġthe"))
        #expect(tokens.map(\.stringValue) == ["<s>", "Ġthe", "", "a longer token than fifteen bytes"])
        let flags = try #require(f["flags"]?.arrayValue)
        #expect(Array(flags) == [.bool(true), .bool(false), .bool(true)])
        #expect(f["wide"]?.arrayValue?.first == .uint64(.max))
        #expect(f["wide"]?.arrayValue?.integers == nil)
        #expect(f["doubles"]?.arrayValue?.last == .float64(1e300))

        guard case .array(.array, let nested) = try #require(f["nested"]) else {
            Issue.record("nested is not an array of arrays")
            return
        }
        #expect(nested.count == 4)
        #expect(nested[0] == .array(.uint16, [.uint16(1), .uint16(2)]))
        #expect(nested[1].arrayValue?.strings == ["x"])
        #expect(nested[2] == .array(.array, [.array(.int8, [.int8(-1)])]))
        #expect(nested[3] == .array(.float32, []))
        #expect("\(f["nested"]!)".hasPrefix("[array] (4) [[uint16] (2) [1, 2]"))
    }

    @Test func typedAccessorErrorsNameKeyAndOffset() throws {
        let (bytes, layout) = Fixtures.valid()
        let f = try GGUFFile(bytes: bytes)
        #expect(f.offset(ofKey: "general.architecture") == layout.keys["general.architecture"]!.value)
        #expect(throws: GGUFError(.missingKey, "nope", offset: 0)) { try f.requireInt("nope") }
        let e = try #require(throws: GGUFError.self) { try f.requireInt("general.architecture") }
        #expect(e.code == .wrongType && e.context == "general.architecture" && e.offset == layout.keys["general.architecture"]!.value)
        #expect(e.description.hasSuffix("expected an integer, found string"))
        #expect(throws: GGUFError.self) { try f.requireStringArray("tokenizer.ggml.scores") }
        #expect(throws: GGUFError.self) { try f.intArray("tokenizer.ggml.tokens") }
        #expect(throws: GGUFError.self) { try f.intArray("u8") }
        #expect(throws: GGUFError(.missingTensor, "nope", offset: 0)) { try f.requireTensor("nope") }
    }

    @Test func tensorsRoundTrip() throws {
        let (bytes, layout) = Fixtures.valid()
        let f = try GGUFFile(bytes: bytes)
        #expect(f.tensors.map(\.name) == ["token_embd.weight", "blk.0.attn_q.weight", "output_norm.weight"])
        let q = try f.requireTensor("blk.0.attn_q.weight")
        #expect(q.type == .q8_0 && q.dimensions == [32, 2] && q.elementCount == 64)
        #expect(q.byteCount == 68 && q.relativeOffset == 32 && q.offset == f.dataOffset + 32)
        #expect(Array(f.data(of: q)) == (0..<68).map { UInt8(255 - $0) })
        let e = try f.requireTensor("token_embd.weight")
        #expect(Array(f.data(of: e)) == (0..<32).map { UInt8($0) })
        let n = try f.requireTensor("output_norm.weight")
        #expect(n.relativeOffset == 128 && n.offset + n.byteCount == bytes.count)
        #expect(layout.dataOffset == f.dataOffset)
        #expect(f.tensor(named: "token_embd.weight") == e)
        #expect(f.tensor(named: "missing") == nil)
    }

    @Test(arguments: [1, 16, 64, 4096])
    func alignmentIsHonoured(_ alignment: Int) throws {
        var w = GGUFWriter()
        w.add("general.alignment", .uint32(UInt32(alignment)))
        w.addTensor("a", type: .i8, dimensions: [3])
        w.addTensor("b", type: .q4_0, dimensions: [64])
        let f = try GGUFFile(bytes: w.encode().bytes)
        #expect(f.alignment == alignment)
        #expect(f.dataOffset % alignment == 0)
        for t in f.tensors { #expect(t.offset % alignment == 0) }
        #expect(try f.requireTensor("b").byteCount == 36)
    }

    @Test func version2AndNoTensors() throws {
        var w = GGUFWriter(version: 2)
        w.add("general.name", .string("tiny"))
        let f = try GGUFFile(bytes: w.encode().bytes)
        #expect(f.version == 2 && f.tensors.isEmpty && f.keys == ["general.name"])
        let g = try GGUFFile(bytes: GGUFWriter().encode().bytes)
        #expect(g.keys.isEmpty && g.tensors.isEmpty)
    }

    @Test func everyTensorTypeHasConsistentSizes() throws {
        var w = GGUFWriter()
        for t in GGMLType.allCases { w.addTensor("\(t)", type: t, dimensions: [t.blockSize * 2, 3]) }
        let f = try GGUFFile(bytes: w.encode().bytes)
        for t in GGMLType.allCases {
            let info = try f.requireTensor("\(t)")
            #expect(info.type == t && info.byteCount == 6 * t.blockBytes, "\(t)")
        }
    }

    /// A million-element array costs no per-element memory at parse time (it is a view into
    /// the bytes) and reads back correctly.
    @Test func bigArraysAreViews() throws {
        let n = 1_000_000
        var w = GGUFWriter()
        w.add("many", .array(.uint8, GGUFArray((0..<n).lazy.map { GGUFValue.uint8(UInt8(truncatingIfNeeded: $0)) })))
        let f = try GGUFFile(bytes: w.encode().bytes)
        let a = try #require(f["many"]?.arrayValue)
        #expect(a.count == n)
        #expect(a[n - 1] == .uint8(UInt8(truncatingIfNeeded: n - 1)))
        #expect(a.integers?.count == n)
    }
}
