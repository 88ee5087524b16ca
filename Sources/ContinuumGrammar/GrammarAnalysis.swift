/// Static checks on a lowered grammar: left recursion (a rule reaching itself before
/// consuming a byte would make the matcher's expansion loop forever; llama.cpp refuses it
/// too) and a root that can never complete.
enum GrammarAnalysis {
    static func check(_ p: GrammarProgram) throws(GrammarError) {
        let n = p.ruleNames.count
        let nullable = fixpoint(p, byteSetCounts: { _ in false })
        let productive = fixpoint(p, byteSetCounts: { !p.byteSets[Int($0)].isEmpty })
        // Left edges: A → B when B can be entered before A consumes a byte.
        var edges = [[Int32]](repeating: [], count: n)
        for r in 0..<n {
            for start in p.ruleAlternatives[r] {
                var i = Int(start)
                scan: while true {
                    switch p.elements[i] {
                    case .end, .bytes: break scan
                    case .ref(let q):
                        edges[r].append(q)
                        if !nullable[Int(q)] { break scan }
                    }
                    i += 1
                }
            }
        }
        // Iterative DFS for a cycle; report it by user rule names.
        var color = [UInt8](repeating: 0, count: n)  // 0 new, 1 on path, 2 done
        for s in 0..<n where color[s] == 0 {
            var path: [(Int, Int)] = [(s, 0)]
            color[s] = 1
            while let (r, k) = path.last {
                if k < edges[r].count {
                    path[path.count - 1].1 += 1
                    let q = Int(edges[r][k])
                    if color[q] == 1 {
                        let from = path.firstIndex { $0.0 == q }!
                        let cycle = (path[from...].map { $0.0 } + [q]).map { p.ruleNames[Int(p.ruleOrigins[$0])] }
                        var shown: [String] = []
                        for name in cycle.dropLast() where shown.last != name { shown.append(name) }
                        shown.append(cycle[cycle.count - 1])
                        throw GrammarError(.unusable, "rule '\(shown[0])' is left-recursive (\(shown.joined(separator: " -> "))); rewrite it as right recursion or a repetition")
                    }
                    if color[q] == 0 {
                        color[q] = 1
                        path.append((q, 0))
                    }
                } else {
                    color[r] = 2
                    path.removeLast()
                }
            }
        }
        guard productive[Int(p.root)] else {
            throw GrammarError(.unusable, "rule '\(p.ruleNames[Int(p.root)])' can never match a complete string")
        }
    }

    /// The rules with a property that holds for an alternative when it holds for each of its
    /// elements (nullable: no byte set qualifies; productive: non-empty byte sets do), by a
    /// worklist over "elements still unproven" counters: linear in the grammar's size.
    private static func fixpoint(_ p: GrammarProgram, byteSetCounts: (Int32) -> Bool) -> [Bool] {
        let n = p.ruleNames.count
        var holds = [Bool](repeating: false, count: n)
        var pending: [Int32] = []          // per alternative: refs not yet proven
        var altRule: [Int32] = []
        var users = [[Int32]](repeating: [], count: n)  // rule → alternatives waiting on it (per occurrence)
        var work: [Int32] = []
        for r in 0..<n {
            for start in p.ruleAlternatives[r] {
                let alt = Int32(pending.count)
                var count: Int32 = 0, possible = true, i = Int(start)
                scan: while true {
                    switch p.elements[i] {
                    case .end: break scan
                    case .bytes(let set): if !byteSetCounts(set) { possible = false }
                    case .ref(let q):
                        count += 1
                        users[Int(q)].append(alt)
                    }
                    i += 1
                }
                pending.append(possible ? count : -1)
                altRule.append(Int32(r))
                if possible && count == 0 && !holds[r] {
                    holds[r] = true
                    work.append(Int32(r))
                }
            }
        }
        while let q = work.popLast() {
            for alt in users[Int(q)] where pending[Int(alt)] > 0 {
                pending[Int(alt)] -= 1
                let r = Int(altRule[Int(alt)])
                if pending[Int(alt)] == 0 && !holds[r] {
                    holds[r] = true
                    work.append(Int32(r))
                }
            }
        }
        return holds
    }
}
