import ContinuumGGUF
import Foundation
import Testing

/// Every malformed file in the corpus is a thrown error with the exact code, context and offset.
@Suite struct CorpusTests {
    /// Checked in outside the test target (so SwiftPM needs no resource rule for it), beside
    /// the fuzzer that uses it as its seed corpus.
    static let corpusDirectory = URL(filePath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appending(path: "Fuzz/corpus")

    @Test(arguments: CorruptCorpus.cases)
    func throwsExactError(_ c: CorruptCase) {
        guard let e = parseError(c.bytes) else {
            Issue.record("\(c.name) parsed")
            return
        }
        #expect(e.code == c.code, "\(e)")
        #expect(e.context == c.context, "\(e)")
        #expect(e.offset == c.offset, "\(e)")
        #expect(e.offset <= c.bytes.count)
    }

    @Test func corpusNamesAreUnique() {
        #expect(Set(CorruptCorpus.cases.map(\.name)).count == CorruptCorpus.cases.count)
    }

    /// The checked-in corpus (also the fuzzer's seed corpus) is exactly what the generator
    /// makes. Regenerate with `CONTINUUM_WRITE_CORPUS=1 swift test --filter CorpusTests`.
    @Test func checkedInCorpusMatches() throws {
        let write = ProcessInfo.processInfo.environment["CONTINUUM_WRITE_CORPUS"] == "1"
        if write {
            try? FileManager.default.removeItem(at: Self.corpusDirectory)
            try FileManager.default.createDirectory(at: Self.corpusDirectory, withIntermediateDirectories: true)
            try Data(Fixtures.valid().bytes).write(to: Self.corpusDirectory.appending(path: "valid.gguf"))
        }
        for c in CorruptCorpus.cases {
            let url = Self.corpusDirectory.appending(path: "\(c.name).gguf")
            if write { try Data(c.bytes).write(to: url) }
            let stored = try [UInt8](Data(contentsOf: url))
            #expect(stored == c.bytes, "\(c.name).gguf is stale; regenerate the corpus")
        }
        let valid = try [UInt8](Data(contentsOf: Self.corpusDirectory.appending(path: "valid.gguf")))
        #expect(valid == Fixtures.valid().bytes)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpusDirectory.path())
        #expect(files.count == CorruptCorpus.cases.count + 1, "unexpected files in Fuzz/corpus/")
    }

    @Test func messagesAreHuman() throws {
        let e = try #require(CorruptCorpus.cases.first { $0.name == "truncated-in-token-string" }.flatMap { parseError($0.bytes) })
        let tokens = Fixtures.valid().layout.keys["tokenizer.ggml.tokens"]!.value
        #expect("\(e)" == "GGUF: file is truncated at 'tokenizer.ggml.tokens' (byte offset \(tokens + 44)): element 3 of 4: need 33 bytes, 3 left")
        let magic = try #require(parseError(Array("GGML".utf8) + [UInt8](repeating: 0, count: 20)))
        #expect("\(magic)" == "GGUF: not a GGUF file (bad magic) at 'magic' (byte offset 0): found \"GGML\" (0x4c4d4747), expected \"GGUF\"")
        let count = try #require(CorruptCorpus.cases.first { $0.name == "tensor-count-2^63" }.flatMap { parseError($0.bytes) })
        #expect("\(count)".hasPrefix("GGUF: count or length is larger than the file at 'tensor_count' (byte offset 8): count 9223372036854775808 needs at least 2^64 or more bytes"))
    }
}

/// Cutting the valid fixture at any byte is an error, never a crash and never a success
/// (its last tensor ends exactly at the end of the file).
@Test func truncatedAtEveryOffsetThrows() {
    let v = Fixtures.valid().bytes
    for n in 0..<v.count {
        guard let e = parseError(Array(v[0..<n])) else {
            Issue.record("prefix of \(n) bytes parsed")
            continue
        }
        #expect([.truncated, .absurdCount, .outOfBounds].contains(e.code), "prefix \(n): \(e)")
        #expect(e.offset <= n, "prefix \(n): \(e)")
        #expect(!e.context.isEmpty)
    }
    #expect(parseError(v) == nil)
}

/// Flipping each byte of the valid fixture to a few values never crashes; whatever parses
/// has its tensors inside the file.
@Test func everyByteMutatedDoesNotCrash() throws {
    let v = Fixtures.valid().bytes
    for i in 0..<v.count {
        for x: UInt8 in [0x00, 0x01, 0x80, 0xFF, v[i] ^ 0x10] {
            var b = v
            b[i] = x
            guard let f = try? GGUFFile(bytes: b) else { continue }
            for t in f.tensors {
                #expect(t.offset >= f.dataOffset && t.offset + t.byteCount <= b.count)
                _ = f.data(of: t)
            }
            for k in f.keys { _ = f[k]?.description }
        }
    }
}
