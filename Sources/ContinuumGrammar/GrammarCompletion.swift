/// The shortest way to finish: for every grammar position, the fewest bytes that complete
/// its alternative, and for every rule its shortest alternative. A matcher adds these up
/// along its stacks to know how many bytes (so at most how many tokens) it needs to reach a
/// complete sentence, and spells that completion out when a sequence's token budget is
/// about to run out (so a JSON answer closes instead of being cut off).
struct GrammarCompletion: Sendable {
    /// Stands for "cannot complete" (a sum of a few of these stays far from overflow).
    static let infinite: Int32 = 1 << 28

    /// Per element position: fewest bytes from it to the end of its alternative.
    let rest: [Int32]
    /// Per rule: the start of its shortest alternative (-1: none completes).
    let best: [Int32]
    private let elements: [GrammarProgram.Element]
    private let byteSets: [ByteSet]

    init(_ p: GrammarProgram) {
        elements = p.elements
        byteSets = p.byteSets
        let n = p.ruleAlternatives.count
        var minLen = [Int32](repeating: Self.infinite, count: n)
        var best = [Int32](repeating: -1, count: n)
        var rest = [Int32](repeating: Self.infinite, count: p.elements.count)
        // Bellman-Ford style: lengths only shrink, and a choice is recorded only on a strict
        // improvement, so the recorded choices never form a cycle (the spelled completion ends).
        var changed = true
        var rounds = 0
        while changed && rounds <= n + 1 {
            changed = false
            rounds += 1
            for r in 0..<n {
                for start in p.ruleAlternatives[r] {
                    var end = Int(start)
                    while p.elements[end] != .end { end += 1 }
                    rest[end] = 0
                    var i = end - 1
                    while i >= Int(start) {
                        let cost: Int32
                        switch p.elements[i] {
                        case .bytes(let s): cost = p.byteSets[Int(s)].isEmpty ? Self.infinite : 1
                        case .ref(let q): cost = minLen[Int(q)]
                        case .end: cost = 0
                        }
                        rest[i] = min(Self.infinite, cost + rest[i + 1])
                        i -= 1
                    }
                    if rest[Int(start)] < minLen[r] {
                        minLen[r] = rest[Int(start)]
                        best[r] = start
                        changed = true
                    }
                }
            }
        }
        self.rest = rest
        self.best = best
    }

    /// Appends the shortest completion of the alternative from `pos` (no more than `limit`
    /// bytes in all); false if it does not fit or cannot complete.
    func spell(from pos: Int32, into out: inout [UInt8], limit: Int) -> Bool {
        var i = Int(pos)
        while true {
            switch elements[i] {
            case .end: return true
            case .bytes(let s):
                guard out.count < limit, let b = Self.pick(byteSets[Int(s)]) else { return false }
                out.append(b)
            case .ref(let q):
                let start = best[Int(q)]
                guard start >= 0, spell(from: start, into: &out, limit: limit) else { return false }
            }
            i += 1
        }
    }

    /// A byte of the set, printable ASCII first (a space, a letter or a digit reads better
    /// than a control byte where the grammar allows both).
    static func pick(_ set: ByteSet) -> UInt8? {
        for b in [UInt8(ascii: "0"), UInt8(ascii: "a"), UInt8(ascii: " ")] where set.contains(b) { return b }
        for b in UInt8(0x21)...UInt8(0x7E) where set.contains(b) { return b }
        for b in UInt8(0)...UInt8(255) where set.contains(b) { return b }
        return nil
    }
}
