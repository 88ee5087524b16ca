/// A model's vocabulary prepared once per model: each token's bytes (empty for control and
/// special tokens, which a grammar never allows) and the end-of-generation ids (allowed
/// exactly when the grammar has matched a complete root), plus a byte trie of the tokens in
/// preorder, so a token mask is one walk that prunes a whole subtree at the first byte the
/// grammar refuses.
public final class TokenVocabulary: Sendable {
    let tokens: [[UInt8]]
    let endTokens: [Int32]
    let endTokenSet: Set<Int32>
    /// Trie node i (0 is the root): the byte on the edge into it, its depth, the index just
    /// past its subtree, and the tokens spelled by the path to it (`trieTokens[start[i]..<start[i+1]]`).
    let trieByte: [UInt8]
    let trieDepth: [Int32]
    let trieSkip: [Int32]
    let trieTokenStart: [Int32]
    let trieTokens: [Int32]
    let maxTokenLength: Int

    public init(tokens: [[UInt8]], endTokens: Set<Int32>) {
        self.tokens = tokens
        self.endTokenSet = endTokens
        self.endTokens = endTokens.filter { $0 >= 0 && Int($0) < tokens.count }.sorted()
        let ids = tokens.indices.filter { !tokens[$0].isEmpty && !endTokens.contains(Int32($0)) }
            .sorted { a, b in
                let x = tokens[a], y = tokens[b]
                return x.lexicographicallyPrecedes(y) || (x == y && a < b)
            }
        var byte: [UInt8] = [0], depth: [Int32] = [0], skip: [Int32] = [0], start: [Int32] = [0]
        var list: [Int32] = []
        var path: [Int32] = [0]  // path[d] = node at depth d
        var previous: [UInt8] = []
        var longest = 0
        for id in ids {
            let t = tokens[id]
            longest = max(longest, t.count)
            var lcp = 0
            while lcp < t.count && lcp < previous.count && t[lcp] == previous[lcp] { lcp += 1 }
            while path.count > lcp + 1 {
                skip[Int(path.removeLast())] = Int32(byte.count)
            }
            for d in lcp..<t.count {
                path.append(Int32(byte.count))
                byte.append(t[d])
                depth.append(Int32(d + 1))
                skip.append(0)
                start.append(Int32(list.count))
            }
            list.append(Int32(id))
            previous = t
        }
        while let node = path.popLast() { skip[Int(node)] = Int32(byte.count) }
        start.append(Int32(list.count))
        self.trieByte = byte
        self.trieDepth = depth
        self.trieSkip = skip
        self.trieTokenStart = start
        self.trieTokens = list
        self.maxTokenLength = longest
    }

    public var count: Int { tokens.count }

    /// Trie nodes including the root (a size measure for benchmarks).
    public var trieNodeCount: Int { trieByte.count }

    /// A token's bytes (empty for control tokens).
    public func bytes(of token: Int32) -> [UInt8] {
        token >= 0 && Int(token) < tokens.count ? tokens[Int(token)] : []
    }
}
