import ContinuumGrammar
import Foundation
import Testing

/// A small deterministic generator (SplitMix64) so failures reproduce.
private struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random grammars over a few ASCII letters and "é": literals, classes, references to later
/// rules (so no left recursion), recursion behind a literal, groups and repetitions.
private func randomGrammar(_ r: inout Rng) -> String {
    let rules = 2 + r.below(4)
    func name(_ i: Int) -> String { i == 0 ? "root" : "r\(i)" }
    func item(_ rule: Int, _ depth: Int) -> String {
        switch r.below(depth > 1 ? 4 : 7) {
        case 0: return ["\"a\"", "\"b\"", "\"ab\"", "\"é\"", "\"ca\""][r.below(5)]
        case 1: return ["[a-c]", "[^a]", "[aé]", "."][r.below(4)]
        case 2: return rule + 1 < rules ? name(rule + 1 + r.below(rules - rule - 1)) : "\"c\""
        case 3: return "\"b\" " + name(r.below(rules))  // recursion behind a byte
        case 4: return "(" + seq(rule, depth + 1) + " | " + seq(rule, depth + 1) + ")"
        case 5: return "(" + seq(rule, depth + 1) + ")" + ["*", "+", "?", "{1,3}", "{2}"][r.below(5)]
        default: return "\"" + ["a", "b", "c"][r.below(3)] + "\"" + ["*", "?"][r.below(2)]
        }
    }
    func seq(_ rule: Int, _ depth: Int) -> String {
        (0..<(1 + r.below(3))).map { _ in item(rule, depth) }.joined(separator: " ")
    }
    return (0..<rules).map { i in
        name(i) + " ::= " + seq(i, 0) + (r.below(3) == 0 ? " | " + seq(i, 0) : "")
    }.joined(separator: "\n")
}

@Suite struct RandomGrammarMaskTests {
    /// Tokens: the single bytes plus every string of up to 3 symbols over a, b, c, é and the
    /// halves of é, so tokens cross rule ends and character boundaries.
    static let vocabulary: TokenVocabulary = {
        let symbols: [[UInt8]] = [[0x61], [0x62], [0x63], [0xC3, 0xA9], [0xC3], [0xA9]]
        var tokens: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for a in symbols { for b in symbols { tokens.append(a + b); for c in symbols { tokens.append(a + b + c) } } }
        tokens.append([])
        return TokenVocabulary(tokens: tokens, endTokens: [Int32(tokens.count - 1)])
    }()

    @Test(arguments: 0..<(Int(ProcessInfo.processInfo.environment["CONTINUUM_GRAMMAR_RANDOM_SEEDS"] ?? "") ?? 60))
    func masksEqualBruteForce(seed: Int) throws {
        // Tight limits too: depth and live-stack refusals must agree between mask and accept.
        var tight = GrammarLimits.default
        tight.maxStackDepth = 6
        tight.maxLiveStacks = 24
        for limits in [GrammarLimits.default, tight] {
            try check(seed: seed, limits: limits)
        }
    }

    private func check(seed: Int, limits: GrammarLimits) throws {
        var r = Rng(state: UInt64(seed) &* 7919 &+ 1)
        let gbnf = randomGrammar(&r)
        let g: Grammar
        do { g = try Grammar(gbnf: gbnf, limits: limits) } catch { return }  // e.g. a root that cannot complete
        let reference = try Grammar(gbnf: gbnf, limits: limits)
        let v = Self.vocabulary
        guard let m = try? GrammarMatcher(grammar: g, vocabulary: v) else { return }  // start state over the limits
        var prefix: [UInt8] = []
        for _ in 0..<16 {
            let w = mask(m, v.count)
            #expect(w == (try bruteForceMask(reference, v, prefix: prefix)), "\(gbnf)\nprefix \(prefix)")
            // Follow a random allowed token (not the end token).
            let allowed = (0..<v.count - 1).filter { isSet(w, $0) }
            guard !allowed.isEmpty else { break }
            let t = Int32(allowed[r.below(allowed.count)])
            #expect(m.accept(t))
            prefix += v.bytes(of: t)
            // Forced tokens are allowed one after another (checked on a copy of the position).
            let forced = m.forcedTokens(limit: 4)
            let f = try GrammarMatcher(grammar: g, vocabulary: v)
            #expect(f.accept(bytes: prefix))
            for t in forced {
                #expect(isSet(mask(f, v.count), Int(t)) && f.accept(t), "\(gbnf)\nforced \(forced) after \(prefix)")
            }
            if !forced.isEmpty { #expect(!m.canEnd, "nothing is forced where the grammar may end") }
        }
    }
}
