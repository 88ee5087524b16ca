import ArgumentParser
import Foundation

/// Where models live: `$CONTINUUM_MODELS` or ~/.cache/continuum/models, as filled by
/// scripts/fetch-model.sh.
enum ModelLocation {
    static let defaultFile = "SmolLM2-135M-Instruct.Q4_1.gguf"
    /// The sentence-embedding model's directory (scripts/fetch-model.sh minilm).
    static var defaultEmbeddingDirectory: String { directory + "/all-MiniLM-L6-v2" }

    static var directory: String {
        if let d = ProcessInfo.processInfo.environment["CONTINUUM_MODELS"], !d.isEmpty { return d }
        return NSHomeDirectory() + "/.cache/continuum/models"
    }

    /// The path given, or the default model; a missing file is an error that says how to get it.
    static func resolve(_ path: String?) throws -> String {
        let p = path ?? (directory + "/" + defaultFile)
        guard FileManager.default.fileExists(atPath: p) else {
            if path == nil {
                throw ValidationError("the default model is not at \(p); run `scripts/fetch-model.sh smollm2` (or `make run`) to fetch it")
            }
            throw ValidationError("no model file at \(p)")
        }
        return p
    }
}
