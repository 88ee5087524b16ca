import ContinuumGrammar
import Foundation
import Testing

/// A grammar in the shape llama.cpp's json_schema_to_grammar emits for an object with
/// required name, age, tags and an optional email.
let personSchemaGBNF = #"""
root ::= "{" space name-kv "," space age-kv "," space tags-kv ( "," space email-kv )? "}" space
name-kv ::= "\"name\"" space ":" space string
age-kv ::= "\"age\"" space ":" space integer
tags-kv ::= "\"tags\"" space ":" space tags
email-kv ::= "\"email\"" space ":" space string
tags ::= "[" space ( string ( "," space string )* )? "]" space
string ::= "\"" char* "\"" space
char ::= [^"\\\x7F\x00-\x1F] | [\\] (["\\bfnrt] | "u" [0-9a-fA-F]{4})
integer ::= ("-"? integral-part) space
integral-part ::= [0] | [1-9] [0-9]{0,15}
space ::= | " " | "\n" [ \t]{0,20}
"""#

let personDocument = #"""
{"name": "Ada Lovelace, née Byron — Countess of Lovelace", "age": 36, "tags": ["mathematician", "writer", "first programmer", "analyst of the Analytical Engine", "poetical science", "Bernoulli numbers: note G", "日本語のタグ", "emoji 😀"], "email": "ada.lovelace@example.org"}
"""#

/// Replays greedy tokenizations of JSON documents through a matcher and reports per-step mask
/// times. Runs only with CONTINUUM_GRAMMAR_BENCH=1 and the vocabularies in /tmp.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CONTINUUM_GRAMMAR_BENCH"] == "1"))
struct GrammarBenchmarkTests {
    @Test(arguments: [smolVocabularyPath, qwenVocabularyPath])
    func maskTimes(path: String) throws {
        guard let vocab = loadVocabulary(path) else { return }
        for (name, gbnf) in [("person-schema", personSchemaGBNF), ("json.gbnf", jsonGBNF)] {
            let tokens = greedyTokens(personDocument, vocab)
            for run in ["cold", "warm"] {
                // "warm": the same grammar again, so the automaton's caches are filled.
                let (compile, times) = run == "cold"
                    ? try GrammarBenchmark.run(grammar: gbnf, vocabulary: vocab, tokens: tokens)
                    : try GrammarBenchmark.run(grammar: gbnf, vocabulary: vocab, tokens: tokens, repeats: 2)
                #expect(times.count == tokens.count, "the document must be accepted to the end")
                let sorted = times.sorted()
                let mean = times.reduce(0, +) / Double(times.count)
                let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
                if ProcessInfo.processInfo.environment["CONTINUUM_GRAMMAR_BENCH_SLOW"] == "1" {
                    for (i, t) in times.enumerated() where t > 500e-6 {
                        let text = String(decoding: tokens[..<i].flatMap { vocab.bytes(of: $0) }.suffix(24), as: UTF8.self)
                        print(String(format: "  slow step %d %.2fms after …%@", i, t * 1e3, text))
                    }
                }
                print(String(format: "grammar-bench %@ %@ %@ vocab=%d trie=%d tokens=%d compile=%.3fms mask mean=%.1fus p50=%.1fus p99=%.1fus max=%.1fus",
                             (path as NSString).lastPathComponent, name, run, vocab.count, vocab.trieNodeCount, tokens.count,
                             compile * 1e3, mean * 1e6, sorted[sorted.count / 2] * 1e6, p99 * 1e6, sorted.last! * 1e6))
            }
        }
    }
}
