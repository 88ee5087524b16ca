import Foundation

/// A parsed and checked GBNF grammar (llama.cpp's dialect), lowered to bytes. Immutable and
/// shared across requests; matchers of the same grammar and vocabulary share one
/// `GrammarAutomaton`, so the token masks one request computes serve the next.
public final class Grammar: Sendable {
    let program: GrammarProgram
    /// Shortest completions, for closing a sentence before a token budget runs out.
    let completion: GrammarCompletion
    public let limits: GrammarLimits
    private let automata = AutomatonCache()

    /// Parses and checks: undefined rules, a missing root and left recursion (which a
    /// top-down matcher cannot run) are `GrammarError`s naming the rule.
    public init(gbnf: String, root: String = "root", limits: GrammarLimits = .default) throws(GrammarError) {
        var parser = GBNFParser(gbnf, limits: limits)
        let rules = try parser.parse()
        var lowering = GrammarLowering(limits: limits, locate: { [parser] in parser.location($0) })
        let program = try lowering.lower(rules, root: root)
        try GrammarAnalysis.check(program)
        self.program = program
        self.completion = GrammarCompletion(program)
        self.limits = limits
    }

    /// Rules after lowering (user rules plus generated ones).
    public var ruleCount: Int { program.ruleNames.count }

    /// The automaton shared by all matchers of this grammar over `vocabulary`.
    func automaton(for vocabulary: TokenVocabulary) -> GrammarAutomaton {
        automata.get(vocabulary) { GrammarAutomaton(program: program, vocabulary: vocabulary, limits: limits) }
    }
}

/// The few vocabularies (models) a grammar has been used with, each with its automaton.
/// A full automaton (arena over its limit) is replaced for new matchers.
private final class AutomatonCache: @unchecked Sendable {
    // Safe: every access to `entries` holds `lock`.
    private let lock = NSLock()
    private var entries: [(ObjectIdentifier, GrammarAutomaton)] = []

    func get(_ vocabulary: TokenVocabulary, make: () -> GrammarAutomaton) -> GrammarAutomaton {
        lock.lock()
        defer { lock.unlock() }
        let key = ObjectIdentifier(vocabulary)
        if let i = entries.firstIndex(where: { $0.0 == key }) {
            if !entries[i].1.isExhausted { return entries[i].1 }
            entries.remove(at: i)
        }
        let made = make()
        entries.append((key, made))
        if entries.count > 4 { entries.removeFirst() }
        return made
    }
}
