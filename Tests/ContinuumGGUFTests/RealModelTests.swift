import ContinuumGGUF
import Foundation
import Testing

/// The real SmolLM2 file (fetch with `scripts/fetch-model.sh smollm2`; skipped if absent).
@Suite struct RealModelTests {
    static let path = FileManager.default.homeDirectoryForCurrentUser
        .appending(path: ".cache/continuum/models/SmolLM2-135M-Instruct.Q4_1.gguf").path()
    static let present = FileManager.default.fileExists(atPath: path)

    @Test(.enabled(if: present, "SmolLM2 is not downloaded"))
    func smolLM2() throws {
        let f = try GGUFFile(path: Self.path)
        #expect(f.version == 3)
        #expect(f.architecture == "llama")
        #expect(try f.requireInt("llama.block_count") == 30)
        #expect(try f.requireInt("llama.embedding_length") == 576)
        #expect(f.tensors.count == 272)
        let embd = try f.requireTensor("token_embd.weight")
        #expect(embd.type == .q8_0)
        #expect(embd.dimensions == [576, 49152])
        #expect(embd.byteCount == 576 * 49152 / 32 * 34)
        let tokens = try f.requireStringArray("tokenizer.ggml.tokens")
        #expect(tokens.count == 49152)
        #expect(try f.requireStringArray("tokenizer.ggml.merges").count > 40000)
        #expect(try f.intArray("tokenizer.ggml.token_type")?.count == 49152)
        // Every tensor lies inside the file, aligned, without overlaps.
        var end = f.dataOffset
        for t in f.tensors.sorted(by: { $0.offset < $1.offset }) {
            #expect(t.offset >= end && t.offset % f.alignment == 0)
            end = t.offset + t.byteCount
        }
        #expect(end <= f.file.bytes.count)
        #expect(f.data(of: embd).count == embd.byteCount)
    }
}
