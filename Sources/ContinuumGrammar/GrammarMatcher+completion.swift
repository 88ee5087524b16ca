extension GrammarMatcher {
    /// The fewest bytes that take the matcher to a complete sentence (0 when it can end now;
    /// `Int(GrammarCompletion.infinite)` or more when it cannot). Cheap: a sum along each stack.
    public var completionLength: Int {
        let c = completion
        return automaton.withCore { core in
            var bestLength = Int(GrammarCompletion.infinite)
            for s in stacks {
                if s == AutomatonCore.empty { return 0 }
                if s == AutomatonCore.caller { continue }
                var total = 1 + Int(c.rest[Int(core.stackPos[Int(s)]) + 1])
                var a = core.stackParent[Int(s)]
                while a > AutomatonCore.caller {
                    total += Int(c.rest[Int(core.stackPos[Int(a)])])
                    a = core.stackParent[Int(a)]
                }
                bestLength = min(bestLength, total)
            }
            return bestLength
        }
    }

    /// The bytes of a shortest completion (at most `maxBytes`), nil when none fits.
    public func completionBytes(maxBytes: Int) -> [UInt8]? {
        let c = completion
        return automaton.withCore { core in
            var best: [UInt8]? = nil
            for s in stacks {
                if s == AutomatonCore.empty { return [] }
                if s == AutomatonCore.caller { continue }
                var out: [UInt8] = []
                let limit = min(maxBytes, best.map { $0.count - 1 } ?? maxBytes)
                let p = core.stackPos[Int(s)]
                guard case .bytes = completionElement(p, core), out.count < limit,
                      let b = GrammarCompletion.pick(core.byteSets[Int(core.args[Int(p)])]) else { continue }
                out.append(b)
                var ok = c.spell(from: p + 1, into: &out, limit: limit)
                var a = core.stackParent[Int(s)]
                while ok && a > AutomatonCore.caller {
                    ok = c.spell(from: core.stackPos[Int(a)], into: &out, limit: limit)
                    a = core.stackParent[Int(a)]
                }
                if ok && out.count <= limit { best = out }
            }
            return best
        }
    }

    private func completionElement(_ p: Int32, _ core: AutomatonCore) -> GrammarProgram.Element? {
        core.kinds[Int(p)] == AutomatonCore.kindBytes ? .bytes(core.args[Int(p)]) : nil
    }

    /// The tokens that spell a shortest completion (longest token first at each point), at
    /// most `limit`; nil when it does not fit. Does not advance the matcher.
    public func completionTokens(limit: Int) -> [Int32]? {
        guard let bytes = completionBytes(maxBytes: limit * max(1, vocabulary.maxTokenLength)) else { return nil }
        var tokens: [Int32] = []
        var pos = 0
        while pos < bytes.count {
            guard tokens.count < limit, let (token, length) = longestToken(bytes, from: pos) else { return nil }
            tokens.append(token)
            pos += length
        }
        return tokens
    }
}
