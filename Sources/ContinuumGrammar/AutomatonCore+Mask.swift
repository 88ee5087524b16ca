/// The context-free part of a state's mask: tokens accepted without returning from the
/// placeholder caller, and the trie nodes where the caller is reached (the rest of such a
/// token depends on the context). Keyed by the state rebased on the placeholder, so the body
/// of a JSON string shares one walk whichever key, value or array item it belongs to.
struct LocalMask {
    var bits: [UInt32]
    var boundaries: [Int32]
    var maxDepth: Int32
    var maxCount: Int32
}

extension AutomatonCore {
    static let maxBoundaries = 4096

    /// Writes the allowed-token bitset of `state` ((count+31)/32 words), from the cache, by
    /// the context-free mask plus walks below its boundary nodes, or by one plain preorder
    /// walk of the vocabulary trie that skips each refused subtree.
    mutating func fillMask(_ state: Int32, _ words: UnsafeMutablePointer<UInt32>) {
        let n = (vocabulary.count + 31) / 32
        if let cached = masks[state] {
            cached.withUnsafeBufferPointer { words.update(from: $0.baseAddress!, count: n) }
            return
        }
        if !decomposedMask(state, words) {
            words.update(repeating: 0, count: n)
            var d: Int32 = 0, c: Int32 = 0
            var none: [Int32] = []
            walk(below: 0, from: state, words, collect: false, &none, &d, &c)
        }
        if isAccepting(state) {
            for id in vocabulary.endTokens { words[Int(id) >> 5] |= 1 << UInt32(id & 31) }
        }
        masks[state] = Array(UnsafeBufferPointer(start: words, count: n))
        maskBytes += n * 4
    }

    /// Walks the subtree below trie node `root` starting in `state`, setting the bits of the
    /// tokens whose bytes all step to a live state; `collect` records the nodes whose state
    /// holds the placeholder caller. Tracks the deepest stack and largest state seen.
    mutating func walk(below root: Int, from state: Int32, _ words: UnsafeMutablePointer<UInt32>, collect: Bool,
                       _ boundaries: inout [Int32], _ maxDepth: inout Int32, _ maxCount: inout Int32) {
        let v = vocabulary
        v.trieByte.withUnsafeBufferPointer { bytes in
        v.trieDepth.withUnsafeBufferPointer { depth in
        v.trieSkip.withUnsafeBufferPointer { skip in
        v.trieTokenStart.withUnsafeBufferPointer { start in
        v.trieTokens.withUnsafeBufferPointer { tokens in
            let ws = walkStates
            ws[Int(depth[root])] = state
            var i = root + 1
            let end = Int(skip[root])
            while i < end {
                let d = Int(depth[i])
                let t = step(ws[d - 1], bytes[i])
                if t < 0 {
                    i = Int(skip[i])
                    continue
                }
                ws[d] = t
                let s = info[Int(t)]
                if s.maxDepth > maxDepth { maxDepth = s.maxDepth }
                if s.count > maxCount { maxCount = s.count }
                if collect && s.flags & Self.hasCaller != 0 { boundaries.append(Int32(i)) }
                if s.count > 0 || s.flags & Self.hasEmpty != 0 {
                    var k = Int(start[i])
                    let e = Int(start[i + 1])
                    while k < e {
                        let id = Int(tokens[k])
                        words[id >> 5] |= 1 << UInt32(id & 31)
                        k += 1
                    }
                }
                i += 1
            }
        }}}}}
    }

    /// mask(S) = context-free mask of S rebased at the deepest stack A all of S shares, plus,
    /// below each node where that walk returns to A, a walk from A's expansion. False when it
    /// does not apply (no shared context, or a depth or live-stack bound could bite).
    mutating func decomposedMask(_ state: Int32, _ words: UnsafeMutablePointer<UInt32>) -> Bool {
        let stacks = states[Int(state)]
        guard info[Int(state)].flags == 0, let first = stacks.first else { return false }
        // A strict ancestor of every stack: a member (e.g. a string's closing quote) must stay
        // in the local state, or every node of the string body would be a boundary.
        var a = stackParent[Int(first)]
        for s in stacks.dropFirst() { a = commonAncestor(a, stackParent[Int(s)]) }
        guard a > Self.caller else { return false }
        var local: [Int32] = []
        for s in stacks {
            guard let r = rebase(s, on: a) else { return false }
            local.append(r)
        }
        local.sort()
        let ls = intern(state: local)
        guard ls >= 0 else { return false }
        let n = (vocabulary.count + 31) / 32
        let lm: LocalMask
        if let cached = localMasks[ls] {
            lm = cached
        } else {
            words.update(repeating: 0, count: n)
            var m = LocalMask(bits: [], boundaries: [], maxDepth: info[Int(ls)].maxDepth, maxCount: info[Int(ls)].count)
            if info[Int(ls)].flags & Self.hasCaller != 0 { m.boundaries.append(0) }
            walk(below: 0, from: ls, words, collect: true, &m.boundaries, &m.maxDepth, &m.maxCount)
            m.bits = Array(UnsafeBufferPointer(start: words, count: n))
            localMasks[ls] = m
            maskBytes += n * 4 + m.boundaries.count * 4
            lm = m
        }
        // Many boundaries mean the context decides most tokens: a plain walk is cheaper.
        guard lm.boundaries.count <= Self.maxBoundaries,
              stackDepth[Int(a)] + lm.maxDepth <= limits.maxStackDepth else { return false }
        lm.bits.withUnsafeBufferPointer { words.update(from: $0.baseAddress!, count: n) }
        guard !lm.boundaries.isEmpty else { return true }
        let x = expand(a)
        guard x >= 0 else { return true }
        var maxDepth: Int32 = 0, maxCount: Int32 = info[Int(x)].count
        var none: [Int32] = []
        let v = vocabulary
        for node in lm.boundaries {
            let nd = Int(node)
            if nd > 0 {
                for k in Int(v.trieTokenStart[nd])..<Int(v.trieTokenStart[nd + 1]) {
                    let id = Int(v.trieTokens[k])
                    words[id >> 5] |= 1 << UInt32(id & 31)
                }
            }
            walk(below: nd, from: x, words, collect: false, &none, &maxDepth, &maxCount)
        }
        // A real state is a local part plus an expansion part: both bounds must hold for the sum.
        return lm.maxCount + maxCount <= Int32(limits.maxLiveStacks)
    }

    func commonAncestor(_ x: Int32, _ y: Int32) -> Int32 {
        var x = x, y = y
        while stackDepth[Int(x)] > stackDepth[Int(y)] { x = stackParent[Int(x)] }
        while stackDepth[Int(y)] > stackDepth[Int(x)] { y = stackParent[Int(y)] }
        while x != y {
            x = stackParent[Int(x)]
            y = stackParent[Int(y)]
        }
        return x
    }

    /// `s` with its ancestor `a` replaced by the placeholder caller.
    mutating func rebase(_ s: Int32, on a: Int32) -> Int32? {
        var chain: [Int32] = []
        var x = s
        while x != a {
            chain.append(x)
            x = stackParent[Int(x)]
        }
        var r = Self.caller
        for node in chain.reversed() {
            guard let id = intern(stackPos[Int(node)], r) else { return nil }
            r = id
        }
        return r
    }
}
