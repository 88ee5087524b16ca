import ArgumentParser
import ContinuumRouting
import Foundation

/// Prompt embeddings on disk, so a retrain does not re-embed thousands of prompts. JSONL:
/// a header `{"model": NAME, "dimension": D}`, then `{"key": HEX, "embedding": [...]}` per
/// text, the key being FNV-1a 64 of the text's UTF-8 (`PromptFolds.fingerprint`). One file
/// per embedding model; a file of another model or dimension is refused, not mixed in.
struct EmbeddingCache {
    let path: String
    let model: String
    private(set) var dimension: Int?
    private var vectors: [UInt64: [Float]] = [:]
    private var added: [(UInt64, [Float])] = []

    private struct Header: Codable { let model: String; let dimension: Int }
    private struct Entry: Codable { let key: String; let embedding: [Float] }

    static func key(_ text: String) -> UInt64 { PromptFolds.fingerprint(text) }

    init(path: String, model: String) throws {
        self.path = path
        self.model = model
        guard FileManager.default.fileExists(atPath: path) else { return }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("cannot read \(path): \(error.localizedDescription)") }
        let decoder = JSONDecoder()
        for (n, line) in text.split(separator: "\n").enumerated() {
            if n == 0 {
                guard let h = try? decoder.decode(Header.self, from: Data(line.utf8)) else {
                    throw ValidationError("\(path):1: expected the header {\"model\": …, \"dimension\": …}")
                }
                guard h.model == model else { throw ValidationError("\(path) holds embeddings of \(h.model), not \(model)") }
                guard (1...65536).contains(h.dimension) else { throw ValidationError("\(path):1: dimension \(h.dimension)") }
                dimension = h.dimension
                continue
            }
            guard let e = try? decoder.decode(Entry.self, from: Data(line.utf8)), let k = UInt64(e.key, radix: 16),
                  e.embedding.count == dimension, e.embedding.allSatisfy(\.isFinite) else {
                throw ValidationError("\(path):\(n + 1): expected {\"key\": hex, \"embedding\": [\(dimension ?? 0) numbers]}")
            }
            vectors[k] = e.embedding
        }
    }

    func lookup(_ text: String) -> [Float]? { vectors[Self.key(text)] }

    mutating func add(_ text: String, _ v: [Float]) throws {
        if dimension == nil { dimension = v.count }
        guard v.count == dimension else { throw ValidationError("embedding of \(v.count) dimensions, the cache has \(dimension ?? 0)") }
        let k = Self.key(text)
        if vectors[k] == nil { added.append((k, v)) }
        vectors[k] = v
    }

    /// Appends what was added (writes the header first for a new file).
    mutating func save() throws {
        guard !added.isEmpty, let dimension else { return }
        let e = JSONEncoder()
        var out = ""
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            out += String(decoding: try e.encode(Header(model: model, dimension: dimension)), as: UTF8.self) + "\n"
        }
        for (k, v) in added {
            out += String(decoding: try e.encode(Entry(key: String(k, radix: 16), embedding: v)), as: UTF8.self) + "\n"
        }
        guard let h = FileHandle(forWritingAtPath: path) ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil) else {
            throw ValidationError("cannot write \(path)")
        }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(out.utf8))
        added = []
    }
}
