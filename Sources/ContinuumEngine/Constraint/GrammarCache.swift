public import ContinuumGrammar
public import ContinuumTokenizers
import Foundation

/// Compiled grammars of one engine by their GBNF text, the most recently used kept: clients
/// send the same schema again and again, and a grammar keeps the token masks its matchers
/// computed, so a repeated schema is both compiled and masked once. Also owns the engine's
/// vocabulary trie, built on first use (tens of milliseconds for 150k tokens).
public final class GrammarCache: @unchecked Sendable {
    public let capacity: Int
    private let tokenizer: Tokenizer
    private let vocabularySize: Int
    private let lock = NSLock()
    private var vocabulary: TokenVocabulary?
    private var grammars: [String: (grammar: Grammar, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(tokenizer: Tokenizer, vocabularySize: Int, capacity: Int = 64) {
        self.tokenizer = tokenizer
        self.vocabularySize = vocabularySize
        self.capacity = max(1, capacity)
    }

    /// The grammar of `gbnf`, compiled now or found in the cache.
    public func grammar(gbnf: String, limits: GrammarLimits = .default) throws(GrammarError) -> Grammar {
        if let g = lock.withLock({ () -> Grammar? in
            clock += 1
            grammars[gbnf]?.used = clock
            return grammars[gbnf]?.grammar
        }) { return g }
        let g = try Grammar(gbnf: gbnf, limits: limits)
        lock.withLock {
            clock += 1
            if grammars.count >= capacity, let oldest = grammars.min(by: { $0.value.used < $1.value.used })?.key {
                grammars.removeValue(forKey: oldest)
            }
            grammars[gbnf] = (g, clock)
        }
        return g
    }

    /// The model's tokens as bytes for matching: control tokens, unused ids and ids past the
    /// tokenizer's vocabulary have none (a grammar never allows them); the end-of-turn tokens
    /// are allowed where the grammar may end.
    public var tokenVocabulary: TokenVocabulary {
        lock.withLock {
            if let v = vocabulary { return v }
            let v = Self.tokenVocabulary(tokenizer, size: vocabularySize)
            vocabulary = v
            return v
        }
    }

    /// A tokenizer's vocabulary as a grammar matcher sees it, padded to `size` ids (a model's
    /// output rows may outnumber its tokenizer's tokens).
    public static func tokenVocabulary(_ tokenizer: Tokenizer, size: Int) -> TokenVocabulary {
        var tokens = [[UInt8]](repeating: [], count: max(size, tokenizer.vocabularySize))
        for id in 0..<tokenizer.vocabularySize where !tokenizer.isControl(Int32(id)) {
            tokens[id] = tokenizer.tokenBytes(Int32(id))
        }
        var ends = tokenizer.eotIDs
        ends.insert(tokenizer.eosID)
        for e in ends where Int(e) < tokens.count { tokens[Int(e)] = [] }
        return TokenVocabulary(tokens: tokens, endTokens: ends)
    }

    public var count: Int { lock.withLock { grammars.count } }
}
