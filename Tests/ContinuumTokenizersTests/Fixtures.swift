import ContinuumGGUF
import ContinuumTokenizers
import Foundation
import Testing

/// Paths and shared, lazily loaded fixtures for the tokenizer tests.
enum Fixtures {
    /// The package root: this file is Tests/ContinuumTokenizersTests/Fixtures.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let goldenURL = packageRoot.appendingPathComponent("../shared/golden/smollm2-135m-q4_1.json").standardized

    static var modelsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CONTINUUM_MODELS"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/continuum/models")
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// Loads a model's GGUF; a missing file is an error telling how to fetch it.
    static func gguf(_ file: String, fetchName: String) throws -> GGUFFile {
        let url = modelsDirectory.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "model \(url.path) is missing: run `scripts/fetch-model.sh \(fetchName)` from the package root (or set CONTINUUM_MODELS)")
        }
        return try GGUFFile(path: url.path)
    }

    static let smolGGUF = Result { try gguf("SmolLM2-135M-Instruct.Q4_1.gguf", fetchName: "smollm2") }
    static let qwenGGUF = Result { try gguf("Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf", fetchName: "qwen2.5") }
    static let smol = Result { try Tokenizer(gguf: try smolGGUF.get()) }
    static let qwen = Result { try Tokenizer(gguf: try qwenGGUF.get()) }

    struct Golden: Decodable {
        struct TokenizeCase: Decodable { var text: String; var ids: [Int32] }
        struct GenerateCase: Decodable { var name: String; var prompt: String; var prompt_ids: [Int32] }
        var tokenize: [TokenizeCase]
        var generate: [GenerateCase]
    }

    static let golden = Result {
        guard FileManager.default.fileExists(atPath: goldenURL.path) else {
            throw Missing(description: "golden file \(goldenURL.path) is missing (expected shared/ beside the package)")
        }
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenURL))
    }
}
