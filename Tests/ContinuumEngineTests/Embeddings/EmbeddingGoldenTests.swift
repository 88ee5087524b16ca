import ContinuumEngine
import ContinuumTokenizers
import Foundation
import Testing

/// The golden-vector file of scripts/make-embedding-golden.py (reference: sentence-transformers).
struct EmbeddingGolden: Decodable {
    struct Case: Decodable { var name: String; var text: String; var ids: [Int32]; var vector: [Float] }
    var reference: [String: String]
    var model: String
    var max_seq_length: Int
    var dimension: Int
    var cases: [Case]

    static let file = "all-minilm-l6-v2.json"

    static func load() throws -> EmbeddingGolden {
        try JSONDecoder().decode(EmbeddingGolden.self, from: Data(contentsOf: TestResources.projectGolden.appendingPathComponent(file)))
    }
}

extension TestResources {
    static let miniLM = "all-MiniLM-L6-v2"

    /// The cached all-MiniLM-L6-v2 directory, or nil after recording how to fetch it.
    static func miniLMDirectory() -> URL? {
        let p = modelDirectory + "/" + miniLM
        guard FileManager.default.fileExists(atPath: p + "/model.safetensors") else {
            Issue.record("model \(miniLM) is not in \(modelDirectory); run `scripts/fetch-model.sh minilm` (make test does)")
            return nil
        }
        return URL(fileURLWithPath: p)
    }

    /// One engine for the whole suite (loading maps 90 MB).
    static let miniLMEngine: EmbeddingEngine? = miniLMDirectory().flatMap { try? EmbeddingEngine(directory: $0) }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var ab = 0.0, aa = 0.0, bb = 0.0
    for (x, y) in zip(a, b) { ab += Double(x) * Double(y); aa += Double(x) * Double(x); bb += Double(y) * Double(y) }
    return ab / max((aa * bb).squareRoot(), 1e-30)
}

/// Continuum's embeddings against sentence-transformers on ~20 varied texts (Tests/golden,
/// made by scripts/make-embedding-golden.py): the same token ids and cosine ≥ 0.999.
@Suite struct EmbeddingGoldenTests {
    @Test func engineDescribesTheModel() throws {
        guard let dir = TestResources.miniLMDirectory() else { return }
        let engine = try EmbeddingEngine(directory: dir)
        let golden = try EmbeddingGolden.load()
        #expect(engine.modelName == golden.model)
        #expect(engine.dimension == golden.dimension)
        #expect(engine.maxTokens == golden.max_seq_length)
        #expect(engine.pooling == .mean && engine.normalizes)
    }

    @Test func tokenIdsMatchTheReference() throws {
        guard let engine = TestResources.miniLMEngine else { Issue.record("cannot load \(TestResources.miniLM)"); return }
        let golden = try EmbeddingGolden.load()
        #expect(golden.cases.count >= 20)
        for c in golden.cases {
            let ids = engine.tokenize(c.text)
            #expect(ids == c.ids, "case \(c.name): ids differ")
            #expect(engine.tokenCount(c.text) == c.ids.count, "case \(c.name)")
        }
    }

    @Test func vectorsMatchTheReference() throws {
        guard let engine = TestResources.miniLMEngine else { Issue.record("cannot load \(TestResources.miniLM)"); return }
        let golden = try EmbeddingGolden.load()
        let vectors = try engine.embed(golden.cases.map(\.text))
        #expect(vectors.count == golden.cases.count)
        var worst = 1.0
        for (c, v) in zip(golden.cases, vectors) {
            #expect(v.count == golden.dimension)
            let cos = cosine(v, c.vector)
            worst = min(worst, cos)
            #expect(cos >= 0.999, "case \(c.name): cosine \(cos)")
            let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-4, "case \(c.name): norm \(norm)")
        }
        print("embedding golden: worst cosine \(worst) over \(golden.cases.count) cases")
    }

    @Test func concurrentCallersGetTheSameVectors() async throws {
        guard let engine = TestResources.miniLMEngine else { Issue.record("cannot load \(TestResources.miniLM)"); return }
        let texts = try EmbeddingGolden.load().cases.prefix(6).map(\.text)
        let alone = try engine.embed(texts)
        let together = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for i in 0..<4 { group.addTask { (i, try engine.embed(texts)) } }
            var all: [[[Float]]] = Array(repeating: [], count: 4)
            for try await (i, v) in group { all[i] = v }
            return all
        }
        for v in together { #expect(v == alone) }
        // one text alone runs on all threads, a batch one text per thread: same bits
        for (i, t) in texts.enumerated() { #expect(try engine.embed([t])[0] == alone[i]) }
    }

    @Test func missingDirectoryIsATypedError() {
        let dir = URL(fileURLWithPath: "/nonexistent/all-MiniLM-L6-v2")
        #expect(throws: EmbeddingError.self) { try EmbeddingEngine(directory: dir) }
        do { _ = try EmbeddingEngine(directory: dir) } catch {
            #expect(error.code == .missingFile && error.message.contains("fetch-model.sh minilm"), "\(error)")
        }
    }
}
