import ContinuumGGUF
import Testing

/// One malformed file and the error it must produce.
struct CorruptCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let code: GGUFError.Code
    let context: String
    let offset: Int

    var testDescription: String { name }
}

/// The corpus of malformed files: a valid file from `Fixtures` with one targeted mutation
/// each. The same files are checked in under `Fuzz/corpus/` (the fuzzer's seed corpus); see
/// `CorpusTests`.
enum CorruptCorpus {
    static var cases: [CorruptCase] {
        let (v, l) = Fixtures.valid()
        let arch = l.keys["general.architecture"]!
        let tokens = l.keys["tokenizer.ggml.tokens"]!
        let q = l.tensors["blk.0.attn_q.weight"]!
        let norm = l.tensors["output_norm.weight"]!
        var out: [CorruptCase] = []
        func add(_ name: String, _ bytes: [UInt8], _ code: GGUFError.Code, _ context: String, _ offset: Int) {
            out.append(CorruptCase(name: name, bytes: bytes, code: code, context: context, offset: offset))
        }

        // Header.
        add("empty", [], .truncated, "magic", 0)
        add("bad-magic", v.patched(at: 0, bytes: Array("GGML".utf8)), .badMagic, "magic", 0)
        add("version-1", v.patched(at: 4, UInt32(1)), .unsupportedVersion, "version", 4)
        add("version-4", v.patched(at: 4, UInt32(4)), .unsupportedVersion, "version", 4)
        add("tensor-count-2^63", v.patched(at: 8, UInt64(1) << 63), .absurdCount, "tensor_count", 8)
        add("kv-count-2^63", v.patched(at: 16, UInt64(1) << 63), .absurdCount, "metadata_kv_count", 16)
        add("kv-count-max", v.patched(at: 16, UInt64.max), .absurdCount, "metadata_kv_count", 16)
        add("header-only", Array(v[0..<20]), .truncated, "metadata_kv_count", 16)

        // Metadata.
        add("key-length-2^50", v.patched(at: 24, UInt64(1) << 50), .absurdCount, "metadata key #0", 24)
        add("string-length-past-end", v.patched(at: arch.value, UInt64(v.count)), .truncated, "general.architecture", arch.value)
        add("string-length-2^63", v.patched(at: arch.value, UInt64(1) << 63), .absurdCount, "general.architecture", arch.value)
        add("string-bad-utf8", v.patched(at: arch.value + 8, bytes: [0xC3, 0x28]), .badString, "general.architecture", arch.value)
        add("unknown-value-type", v.patched(at: arch.type, UInt32(13)), .badValueType, "general.architecture", arch.type)
        add("unknown-array-type", v.patched(at: tokens.value, UInt32(0xFFFF_FFFF)), .badValueType, "tokenizer.ggml.tokens", tokens.value)
        add("array-count-2^63", v.patched(at: tokens.value + 4, UInt64(1) << 63), .absurdCount, "tokenizer.ggml.tokens", tokens.value + 4)
        // tokens: "<s>" (8+3), "Ġthe" (8+5), then the empty string's length prefix.
        add("array-string-length-past-end", v.patched(at: tokens.value + 12 + 24, UInt64(1) << 56), .absurdCount, "tokenizer.ggml.tokens", tokens.value + 36)
        let flags = l.keys["flags"]!
        add("bool-is-2", v.patched(at: flags.value + 12 + 1, UInt8(2)), .badValue, "flags", flags.value + 13)
        let yes = l.keys["yes"]!
        add("bool-scalar-is-255", v.patched(at: yes.value, UInt8(255)), .badValue, "yes", yes.value)
        let dup = { () -> ([UInt8], GGUFWriter.Layout) in
            var w = Fixtures.writer()
            w.add("general.architecture", .string("qwen2"))
            return w.encode()
        }()
        add("duplicate-key", dup.0, .duplicateKey, "general.architecture", dup.1.keys["general.architecture"]!.start)
        let deep = { () -> ([UInt8], GGUFWriter.Layout) in
            var value = GGUFValue.array(.uint8, [.uint8(1)])
            for _ in 0..<GGUFFile.maximumArrayDepth { value = .array(.array, [value]) }
            return Fixtures.single("deep", value)
        }()
        add("array-too-deep", deep.0, .nestingTooDeep, "deep", deep.1.keys["deep"]!.value + 12 * GGUFFile.maximumArrayDepth)
        let nestedCount = Fixtures.single("nested", .array(.array, [.array(.uint32, [.uint32(1)])]))
        add("nested-array-count-past-end", nestedCount.0.patched(at: nestedCount.1.keys["nested"]!.value + 16, UInt64(1) << 60),
            .absurdCount, "nested", nestedCount.1.keys["nested"]!.value + 16)

        let emptyKey = Fixtures.single("", .uint8(1))
        add("empty-key-unknown-type", emptyKey.bytes.patched(at: emptyKey.layout.keys[""]!.type, UInt32(77)),
            .badValueType, "metadata key #0 (empty)", emptyKey.layout.keys[""]!.type)

        // Alignment.
        for (name, a) in [("alignment-3", UInt32(3)), ("alignment-0", 0), ("alignment-2^21", 1 << 21)] {
            let f = Fixtures.tensors(alignment: a) { $0.addTensor("t", type: .f32, dimensions: [8]) }
            add(name, f.bytes, .badAlignment, "general.alignment", f.layout.keys["general.alignment"]!.value)
        }
        let alignString = Fixtures.single("general.alignment", .string("32"))
        add("alignment-string", alignString.bytes, .badAlignment, "general.alignment", alignString.layout.keys["general.alignment"]!.value)

        // Tensor directory.
        add("tensor-name-length-past-end", v.patched(at: q.start, UInt64(v.count)), .truncated, "tensor #1 name", q.start)
        add("unknown-tensor-type", v.patched(at: q.type, UInt32(99)), .badTensorType, "blk.0.attn_q.weight", q.type)
        add("tensor-type-4-removed", v.patched(at: q.type, UInt32(4)), .badTensorType, "blk.0.attn_q.weight", q.type)
        add("dims-count-0", v.patched(at: q.value, UInt32(0)), .badShape, "blk.0.attn_q.weight", q.value)
        add("dims-count-5", v.patched(at: q.value, UInt32(5)), .badShape, "blk.0.attn_q.weight", q.value)
        add("dims-count-2^32-1", v.patched(at: q.value, UInt32.max), .badShape, "blk.0.attn_q.weight", q.value)
        add("dim-zero", v.patched(at: q.value + 4 + 8, UInt64(0)), .badShape, "blk.0.attn_q.weight", q.value + 12)
        add("dim-2^63", v.patched(at: q.value + 4, UInt64(1) << 63), .badShape, "blk.0.attn_q.weight", q.value + 4)
        add("dims-overflow", v.patched(at: q.value + 4, UInt64(1) << 62).patched(at: q.value + 12, UInt64(1) << 62),
            .badShape, "blk.0.attn_q.weight", q.value + 12)
        add("dims-too-large-for-file", v.patched(at: q.value + 12, UInt64(1) << 31), .outOfBounds, "blk.0.attn_q.weight", q.value)
        add("row-not-multiple-of-block", v.patched(at: q.value + 4, UInt64(16)), .badShape, "blk.0.attn_q.weight", q.value)
        let dupTensor = Fixtures.tensors { w in
            w.addTensor("t", type: .f32, dimensions: [8])
            w.addTensor("t", type: .f32, dimensions: [8])
        }
        add("duplicate-tensor", dupTensor.bytes, .duplicateTensor, "t", dupTensor.layout.tensors["t"]!.start)

        let emptyName = Fixtures.tensors { $0.addTensor("", type: .f32, dimensions: []) }
        add("empty-tensor-name-no-dims", emptyName.bytes, .badShape, "tensor #0 (empty name)", emptyName.layout.tensors[""]!.value)

        // Tensor data.
        add("data-past-end", v.patched(at: norm.offsetField, UInt64(v.count - l.dataOffset)), .outOfBounds, "output_norm.weight", norm.offsetField)
        add("data-offset-2^63", v.patched(at: norm.offsetField, UInt64(1) << 63), .outOfBounds, "output_norm.weight", norm.offsetField)
        add("data-offset-max", v.patched(at: norm.offsetField, UInt64.max), .outOfBounds, "output_norm.weight", norm.offsetField)
        add("data-truncated", Array(v.dropLast()), .outOfBounds, "output_norm.weight", norm.offsetField)
        add("misaligned", v.patched(at: norm.offsetField, UInt64(96 + 8)), .misaligned, "output_norm.weight", norm.offsetField)
        add("overlap", v.patched(at: norm.offsetField, UInt64(64)), .overlap, "output_norm.weight", norm.offsetField)
        add("overlap-same-offset", v.patched(at: norm.offsetField, UInt64(0)), .overlap, "output_norm.weight", norm.offsetField)
        let a1 = Fixtures.tensors(alignment: 1) { w in
            w.addTensor("a", type: .f32, dimensions: [4])
            w.addTensor("b", type: .i8, dimensions: [3], offset: 15)
        }
        add("overlap-alignment-1", a1.bytes, .overlap, "b", a1.layout.tensors["b"]!.offsetField)

        // Truncated inside each part of the file.
        add("truncated-in-key", Array(v[0..<(arch.start + 10)]), .truncated, "metadata key #0", arch.start)
        add("truncated-in-type", Array(v[0..<(arch.type + 2)]), .truncated, "general.architecture", arch.type)
        add("truncated-in-tokens", Array(v[0..<(tokens.value + 12 + 11 + 3)]), .truncated, "tokenizer.ggml.tokens", tokens.value + 4)
        add("truncated-in-token-string", Array(v[0..<(tokens.value + 12 + 32 + 8 + 3)]), .truncated, "tokenizer.ggml.tokens", tokens.value + 44)
        add("truncated-in-directory", Array(v[0..<(q.offsetField + 5)]), .truncated, "blk.0.attn_q.weight", q.offsetField)
        return out
    }
}
