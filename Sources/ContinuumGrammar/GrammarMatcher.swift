/// One sequence's position in a grammar: the set of parse stacks alive after the bytes
/// accepted so far. Not thread-safe; one per request. Its caches live in the automaton it
/// shares with other matchers of the same grammar and vocabulary.
// @unchecked Sendable: a sequence may move between threads from one decode step to the next;
// its own fields must not be used from two threads at once (one per request), and the shared
// automaton is behind its lock.
public final class GrammarMatcher: @unchecked Sendable {
    let automaton: GrammarAutomaton
    let vocabulary: TokenVocabulary
    let completion: GrammarCompletion
    private(set) var stacks: [Int32]
    private var state: Int32
    private var epoch: Int
    private var scratchMask: [UInt32]

    public init(grammar: Grammar, vocabulary: TokenVocabulary) throws(GrammarError) {
        let automaton = grammar.automaton(for: vocabulary)
        let start = try automaton.withCore { core throws(GrammarError) in
            core.trim()
            let stacks = core.initialStacks()
            guard !stacks.isEmpty else {
                throw GrammarError(.limitExceeded, "the grammar's start state is empty (\(core.limitHit ?? "no alternative of the root can start"))")
            }
            return (stacks, core.intern(state: stacks), core.epoch)
        }
        self.automaton = automaton
        self.vocabulary = vocabulary
        self.completion = grammar.completion
        self.stacks = start.0
        self.state = start.1
        self.epoch = start.2
        self.scratchMask = [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32)
    }

    /// The state id, re-interned if the automaton flushed its states since.
    private func current(_ core: inout AutomatonCore) -> Int32 {
        core.trim()
        if core.epoch != epoch || state < 0 {
            state = core.intern(state: stacks)
            epoch = core.epoch
        }
        return state
    }

    /// Runs `body` on the current state; if the state table filled up during it (so a branch
    /// may have been cut), flushes the table and runs it once more from a clean one.
    private func run<R>(_ body: (inout AutomatonCore, Int32) -> R) -> R {
        automaton.withCore { core in
            let hits = core.stateCapHits
            let result = body(&core, current(&core))
            guard core.stateCapHits != hits else { return result }
            core.trim(force: true)
            return body(&core, current(&core))
        }
    }

    /// Which tokens may come next, over the whole vocabulary: writes a bitset (bit i = token i
    /// allowed) of (count+31)/32 words. End tokens are allowed exactly when `canEnd`.
    public func fillMask(_ words: UnsafeMutablePointer<UInt32>) {
        run { core, s in
            if s < 0 {
                words.update(repeating: 0, count: (vocabulary.count + 31) / 32)
            } else {
                core.fillMask(s, words)
            }
        }
    }

    /// For the sampler: sets the logit of every disallowed token to -infinity.
    public func applyMask(to logits: UnsafeMutablePointer<Float>) {
        scratchMask.withUnsafeMutableBufferPointer { fillMask($0.baseAddress!) }
        let n = vocabulary.count
        scratchMask.withUnsafeBufferPointer { mask in
            for w in 0..<mask.count where mask[w] != ~0 {
                let bits = mask[w]
                let base = w * 32
                let width = min(32, n - base)
                if bits == 0 {
                    // Most words of a narrow mask: one vectorised fill.
                    (logits + base).update(repeating: -.infinity, count: width)
                    continue
                }
                var refused = ~bits
                while refused != 0 {
                    let b = refused.trailingZeroBitCount
                    if b >= width { break }
                    logits[base + b] = -.infinity
                    refused &= refused - 1
                }
            }
        }
    }

    /// Advances by a token; false (and no change) if the grammar does not allow it. An end
    /// token is accepted exactly when `canEnd` and leaves the state as it is.
    @discardableResult public func accept(_ token: Int32) -> Bool {
        if vocabulary.endTokenSet.contains(token) { return canEnd }
        let bytes = vocabulary.bytes(of: token)
        return !bytes.isEmpty && accept(bytes: bytes)
    }

    /// Advances by raw bytes (for tests and for text forced by the caller); false and no
    /// change if some byte is refused.
    @discardableResult public func accept(bytes: [UInt8]) -> Bool {
        let next: Int32 = run { core, start in
            var s = start
            for b in bytes where s >= 0 { s = core.step(s, b) }
            if s >= 0 { stacks = core.states[Int(s)] }
            return s
        }
        if next >= 0 { state = next }
        return next >= 0
    }

    /// The root has matched completely (an end token is allowed now).
    public var canEnd: Bool { stacks.first == 0 }

    /// The root has matched and nothing more can follow: generation must stop.
    public var mustEnd: Bool { stacks == [0] }

    /// When exactly one byte string can follow for a while, the tokens that spell it, greedily
    /// by longest token prefix, at most `limit`; empty when the continuation is not unique.
    /// Does not advance the matcher: `accept` each token appended.
    public func forcedTokens(limit: Int) -> [Int32] {
        guard limit > 0 else { return [] }
        let forced: [UInt8] = run { core, start in
            var s = start
            var out: [UInt8] = []
            let cap = min(limit * max(vocabulary.maxTokenLength, 1), 4096)
            while s >= 0 && out.count < cap && !core.isAccepting(s) {
                var only: (UInt8, Int32)? = nil
                var n = 0
                for b in 0...255 as ClosedRange<Int> {
                    let t = core.step(s, UInt8(b))
                    if t >= 0 {
                        n += 1
                        if n > 1 { break }
                        only = (UInt8(b), t)
                    }
                }
                guard n == 1, let (b, t) = only else { break }
                out.append(b)
                s = t
            }
            return out
        }
        var tokens: [Int32] = []
        var pos = 0
        while pos < forced.count && tokens.count < limit {
            guard let (token, length) = longestToken(forced, from: pos) else { break }
            tokens.append(token)
            pos += length
        }
        return tokens
    }

    /// The lowest-id token among the longest that are a prefix of `bytes[from...]`.
    func longestToken(_ bytes: [UInt8], from: Int) -> (Int32, Int)? {
        let v = vocabulary
        var node = 0
        var best: (Int32, Int)? = nil
        var d = from
        while d < bytes.count {
            var c = node + 1
            let end = Int(v.trieSkip[node])
            while c < end && v.trieByte[c] != bytes[d] { c = Int(v.trieSkip[c]) }
            guard c < end else { break }
            node = c
            d += 1
            let lo = Int(v.trieTokenStart[node]), hi = Int(v.trieTokenStart[node + 1])
            if lo < hi { best = (v.trieTokens[lo..<hi].min()!, d - from) }
        }
        return best
    }
}
