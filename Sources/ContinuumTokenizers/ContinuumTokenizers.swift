// TEMPORARY stub so the engine builds before the tokenizer branch lands. Deleted on merge.
public import ContinuumGGUF
import Foundation
public final class Tokenizer: Sendable {
    let tokens: [String]
    public init(gguf: GGUFFile) throws { tokens = try gguf.requireStringArray("tokenizer.ggml.tokens") }
    public var vocabularySize: Int { tokens.count }
    public var eotIDs: Set<Int32> { [2] }
    public func encode(_ text: String, addBOS: Bool? = nil, parseSpecial: Bool = true) -> [Int32] { [] }
    public func tokenText(_ id: Int32) -> String { tokens[Int(id)] }
}
public struct StreamingDetokenizer {
    let t: Tokenizer
    public init(tokenizer: Tokenizer, renderSpecial: Bool = false) { t = tokenizer }
    public mutating func append(_ id: Int32) -> String { t.tokenText(id).replacingOccurrences(of: "Ġ", with: " ").replacingOccurrences(of: "Ċ", with: "\n") }
    public mutating func flush() -> String { "" }
}
public struct ChatMessage: Sendable, Codable { public var role: String; public var content: String; public init(role: String, content: String) { self.role = role; self.content = content } }
public struct ChatTemplate: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case chatml }
    public init(gguf: GGUFFile, override: Kind? = nil) throws {}
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String { "" }
}
