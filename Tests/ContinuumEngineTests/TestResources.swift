import Foundation

/// Locates the files tests read: the package root (from this file's path), the shared
/// golden vectors beside it, and model files in the model cache.
enum TestResources {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static var sharedGolden: URL { packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden") }
    static var projectGolden: URL { packageRoot.appendingPathComponent("Tests/golden") }

    static var modelDirectory: String {
        if let d = ProcessInfo.processInfo.environment["CONTINUUM_MODELS"], !d.isEmpty { return d }
        return NSHomeDirectory() + "/.cache/continuum/models"
    }

    static let smolLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qwen25 = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"

    /// The path of a cached model, or nil; tests that need a model record an issue saying
    /// how to fetch it rather than pass silently.
    static func model(_ file: String) -> String? {
        let p = modelDirectory + "/" + file
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    static func missingModel(_ file: String) -> String {
        "model \(file) is not in \(modelDirectory); run `scripts/fetch-model.sh \(file == smolLM2 ? "smollm2" : "qwen2.5")` (make test does)"
    }
}

/// The golden-vector file format (shared/golden/*.json, made with llama.cpp).
struct GoldenFile: Decodable {
    struct TokenizeCase: Decodable { var text: String; var ids: [Int32] }
    struct Top: Decodable { var id: Int32; var logprob: Double }
    struct Step: Decodable { var id: Int32; var top: [Top] }
    struct GenerateCase: Decodable {
        var name: String
        var prompt: String
        var prompt_ids: [Int32]
        var output_ids: [Int32]
        var steps: [Step]
    }
    var reference: String
    var model: String
    var tokenize: [TokenizeCase]
    var generate: [GenerateCase]

    static func load(_ url: URL) throws -> GoldenFile {
        try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
    }
}
