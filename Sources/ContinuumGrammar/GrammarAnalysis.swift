/// Static checks on a lowered grammar: left recursion (a rule reaching itself before
/// consuming a byte would make the matcher's expansion loop forever; llama.cpp refuses it
/// too) and a root that can never complete.
enum GrammarAnalysis {
    static func check(_ p: GrammarProgram) throws(GrammarError) {
        let n = p.ruleNames.count
        // Nullable and productive rules, by fixpoint.
        var nullable = [Bool](repeating: false, count: n)
        var productive = [Bool](repeating: false, count: n)
        var changed = true
        while changed {
            changed = false
            for r in 0..<n {
                for start in p.ruleAlternatives[r] {
                    var i = Int(start), allNullable = true, allProductive = true
                    while case let e = p.elements[i], e != .end {
                        switch e {
                        case .bytes(let s):
                            allNullable = false
                            if p.byteSets[Int(s)].isEmpty { allProductive = false }
                        case .ref(let q):
                            if !nullable[Int(q)] { allNullable = false }
                            if !productive[Int(q)] { allProductive = false }
                        case .end: break
                        }
                        i += 1
                    }
                    if allNullable && !nullable[r] { nullable[r] = true; changed = true }
                    if allProductive && !productive[r] { productive[r] = true; changed = true }
                }
            }
        }
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
}
