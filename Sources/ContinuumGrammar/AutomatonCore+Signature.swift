/// A canonical description of everything a context-free walk from a local state depends on:
/// the bounds that cut it, each stack as (rule, alternative, offset) positions down to the
/// caller placeholder, and the rules reachable from them in discovery order, elements
/// spelled out (byte sets as their 256 bits, references by discovery index). Two grammars
/// with equal signatures walk the same trie identically.
extension AutomatonCore {
    /// Signatures longer than this are not worth hashing (the state is near the grammar root).
    static let maxSignatureWords = 1 << 16

    func signature(of localState: [Int32]) -> [UInt64]? {
        var canonical: [Int32: UInt64] = [:]
        var order: [Int32] = []
        func id(_ rule: Int32) -> UInt64 {
            if let c = canonical[rule] { return c }
            let c = UInt64(order.count)
            canonical[rule] = c
            order.append(rule)
            return c
        }
        var out: [UInt64] = [UInt64(limits.maxStackDepth), UInt64(limits.maxLiveStacks), UInt64(limits.maxCachedStates),
                             UInt64(localState.count)]
        for s in localState {
            var x = s
            while x > Self.caller {
                let p = Int(stackPos[Int(x)])
                out.append(1 << 62 | id(elementRule[p]) << 32 | UInt64(elementAlternative[p]) << 16 | UInt64(elementOffset[p]))
                x = stackParent[Int(x)]
            }
            out.append(2 << 62 | UInt64(x))
        }
        var i = 0
        while i < order.count {
            guard out.count < Self.maxSignatureWords else { return nil }
            let rule = order[i]
            i += 1
            for start in alternatives[Int(rule)] {
                var p = Int(start)
                while kinds[p] != Self.kindEnd {
                    if kinds[p] == Self.kindBytes {
                        let b = byteSets[Int(args[p])]
                        out.append(contentsOf: [3 << 62, b.w0, b.w1, b.w2, b.w3])
                    } else {
                        out.append(1 << 61 | id(args[p]))
                    }
                    p += 1
                }
                out.append(3 << 61)  // end of alternative
            }
            out.append(5 << 60)  // end of rule
        }
        return out
    }
}
