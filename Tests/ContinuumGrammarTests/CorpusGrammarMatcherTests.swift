import ContinuumGrammar
import Foundation
import Testing

/// Every schema of the real-schema corpus, compiled to GBNF, must load as a `Grammar`, and its
/// matcher's first masks must equal the brute force (the synthetic vocabulary, shared by all
/// grammars, so the cross-grammar context-free cache is exercised on real rule shapes).
@Test func corpusGrammarsLoadAndMaskExactly() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../data/schemas/corpus.jsonl").standardized.path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
    let vocab = TokenVocabulary(tokens: fragmentTokens, endTokens: [fragmentEnd])
    var grammars = 0
    for (i, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
        let v = try JSONSchemaParser.parse(String(line), maxDepth: 512)
        guard let schema = v["schema"], let gbnf = try? JSONSchemaGrammar.gbnf(schema: schema.canonicalText) else { continue }
        let g = try Grammar(gbnf: gbnf)
        grammars += 1
        guard i % 20 == 0 else { continue }  // the brute force on one in 20 keeps the test short
        let m = try GrammarMatcher(grammar: g, vocabulary: vocab)
        var prefix: [UInt8] = []
        for t in m.forcedTokens(limit: 4) {
            #expect(m.accept(t))
            prefix += vocab.bytes(of: t)
        }
        #expect(mask(m, vocab.count) == (try bruteForceMask(try Grammar(gbnf: gbnf), vocab, prefix: prefix)), "corpus line \(i + 1)")
    }
    #expect(grammars >= 1_000)
}
