import ContinuumGateway
import Testing

/// `embeddings: {model, path}` in the serve config.
@Suite struct EmbeddingsConfigTests {
    static let base = "backends: {a: {type: local}}\nmodels: {m: a}\n"

    @Test func embeddingsNameAModelDirectory() throws {
        let c = try ServeConfig.parse(yaml: Self.base + "embeddings: {model: minilm, path: models/all-MiniLM-L6-v2}", baseDirectory: "/srv")
        #expect(c.embeddingName == "minilm" && c.embeddingPath == "/srv/models/all-MiniLM-L6-v2")
        let unnamed = try ServeConfig.parse(yaml: Self.base + "embeddings: {path: /m/e5}", baseDirectory: "/srv")
        #expect(unnamed.embeddingName == nil && unnamed.embeddingPath == "/m/e5")
        #expect(try ServeConfig.parse(yaml: Self.base).embeddingPath == nil)
    }

    @Test func badEmbeddingsAreNamed() {
        for (yaml, needle) in [("embeddings: {model: x}", "embeddings.path"), ("embeddings: /m/e5", "embeddings must be a mapping"),
                               ("embeddings: {path: /m, dims: 3}", "embeddings.dims")] {
            do {
                _ = try ServeConfig.parse(yaml: Self.base + yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.message.contains(needle), "\(error)")
            }
        }
    }
}
