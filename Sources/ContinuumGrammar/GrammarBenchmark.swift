/// Times grammar compilation and each step's token mask while replaying a token sequence,
/// for the CLI and the gated benchmark test.
public enum GrammarBenchmark {
    /// Compiles `grammar`, then for each token fills the mask and accepts the token (stopping
    /// at the first token the grammar refuses). One run starts with empty caches: it is what
    /// the first request with a new grammar costs.
    public static func run(grammar: String, vocabulary: TokenVocabulary, tokens: [Int32]) throws(GrammarError) -> (compileSeconds: Double, maskSeconds: [Double]) {
        try run(grammar: grammar, vocabulary: vocabulary, tokens: tokens, repeats: 1)
    }

    /// As `run(grammar:vocabulary:tokens:)`, replaying the tokens `repeats` times on fresh
    /// matchers of the same compiled grammar, and timing only the last replay: what a
    /// request costs when an earlier one with the same grammar filled the shared caches.
    public static func run(grammar: String, vocabulary: TokenVocabulary, tokens: [Int32], repeats: Int) throws(GrammarError) -> (compileSeconds: Double, maskSeconds: [Double]) {
        let clock = ContinuousClock()
        let t0 = clock.now
        let g = try Grammar(gbnf: grammar)
        let compile = seconds(clock.now - t0)
        var words = [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32)
        var times: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let matcher = try GrammarMatcher(grammar: g, vocabulary: vocabulary)
            times.removeAll(keepingCapacity: true)
            for token in tokens {
                let t = clock.now
                words.withUnsafeMutableBufferPointer { matcher.fillMask($0.baseAddress!) }
                times.append(seconds(clock.now - t))
                guard matcher.accept(token) else { break }
            }
        }
        return (compile, times)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
