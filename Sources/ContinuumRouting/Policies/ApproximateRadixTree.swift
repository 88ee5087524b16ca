/// SGLang's router tree (sgl-router src/policies/tree.rs; docs/research/routing-baselines.md
/// §2.1): one radix tree shared by all workers ("tenants"), each node remembering which
/// tenants passed through it and when. The router inserts every request's prompt under the
/// worker it chose, assuming that worker now caches it: the tree approximates the engines'
/// caches without hearing from them. Units are KV blocks here (SGLang uses characters), each
/// weighted by its tokens.
struct ApproximateRadixTree {
    private struct Node {
        var edge: [UInt64]
        var weights: [Int]
        var children: [UInt64: Int] = [:]
        var parent: Int
        var tenants: [Int: Double] = [:]
        var tokens: Int { weights.reduce(0, +) }
    }

    private var nodes: [Node] = [Node(edge: [], weights: [], parent: -1)]
    private var free: [Int] = []
    private(set) var tenantTokens: [Int: Int] = [:]

    mutating func addTenant(_ t: Int) {
        if tenantTokens[t] == nil { tenantTokens[t] = 0 }
        nodes[0].tenants[t] = nodes[0].tenants[t] ?? 0
    }

    /// Records that `tenant` holds the prefix `units` (weights: tokens per unit).
    mutating func insert(_ units: [UInt64], weights: [Int], tenant: Int, now: Double) {
        addTenant(tenant)
        attach(0, tenant, now)
        var cur = 0
        var i = 0
        while i < units.count {
            guard let child = nodes[cur].children[units[i]] else {
                let leaf = newNode(Node(edge: Array(units[i...]), weights: Array(weights[i...]), parent: cur))
                nodes[cur].children[units[i]] = leaf
                attach(leaf, tenant, now)
                return
            }
            let k = commonPrefix(nodes[child].edge, units, from: i)
            var next = child
            if k < nodes[child].edge.count { next = split(child, at: k) }
            attach(next, tenant, now)
            cur = next
            i += k
        }
    }

    /// The tokens of `units` found along the tree's deepest matching path, and a tenant of
    /// the node where the match ended (the most recently used one there; SGLang takes the
    /// first in its map's iteration order, which is arbitrary). Refreshes that tenant's time
    /// along the path.
    mutating func match(_ units: [UInt64], weights: [Int], now: Double) -> (tokens: Int, tenant: Int?) {
        var cur = 0
        var i = 0
        var tokens = 0
        var last = 0
        while i < units.count, let child = nodes[cur].children[units[i]] {
            let k = commonPrefix(nodes[child].edge, units, from: i)
            tokens += weights[i..<(i + k)].reduce(0, +)
            last = child
            if k < nodes[child].edge.count { break }
            cur = child
            i += k
        }
        guard last != 0, let tenant = nodes[last].tenants.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key else {
            return (0, nil)
        }
        var n = last
        while n >= 0 {
            if nodes[n].tenants[tenant] != nil { nodes[n].tenants[tenant] = now }
            n = nodes[n].parent
        }
        return (tokens, tenant)
    }

    /// The tenant among `candidates` holding the fewest tokens (ties: the first).
    func smallestTenant(among candidates: [Int]) -> Int {
        candidates.min { (tenantTokens[$0] ?? 0, $0) < (tenantTokens[$1] ?? 0, $1) }!
    }

    /// Per tenant over `maxTokens`: detach it from its least recently used leaves until it
    /// holds at most `maxTokens` (sgl-router `evict_tenant_by_size`).
    mutating func evict(maxTokens: Int) {
        for (tenant, count) in tenantTokens where count > maxTokens {
            var leaves = nodes.indices.filter { isLeaf($0, for: tenant) }
            leaves.sort { nodes[$0].tenants[tenant]! > nodes[$1].tenants[tenant]! }  // oldest last
            while (tenantTokens[tenant] ?? 0) > maxTokens, let n = leaves.popLast() {
                let parent = nodes[n].parent
                detach(n, tenant)
                if parent > 0, isLeaf(parent, for: tenant) {
                    leaves.append(parent)
                    leaves.sort { nodes[$0].tenants[tenant]! > nodes[$1].tenants[tenant]! }
                }
            }
        }
    }

    /// Forgets a tenant entirely (a worker that left).
    mutating func removeTenant(_ tenant: Int) {
        for n in nodes.indices.reversed() where n > 0 && nodes[n].tenants[tenant] != nil && !free.contains(n) {
            detach(n, tenant)
        }
        nodes[0].tenants[tenant] = nil
        tenantTokens[tenant] = nil
    }

    var nodeCount: Int { nodes.count - free.count }

    // MARK: private

    private func isLeaf(_ n: Int, for tenant: Int) -> Bool {
        n > 0 && nodes[n].tenants[tenant] != nil && !nodes[n].children.values.contains { nodes[$0].tenants[tenant] != nil }
    }

    private mutating func attach(_ n: Int, _ tenant: Int, _ now: Double) {
        if nodes[n].tenants[tenant] == nil { tenantTokens[tenant, default: 0] += nodes[n].tokens }
        nodes[n].tenants[tenant] = now
    }

    private mutating func detach(_ n: Int, _ tenant: Int) {
        guard nodes[n].tenants.removeValue(forKey: tenant) != nil else { return }
        tenantTokens[tenant, default: 0] -= nodes[n].tokens
        if nodes[n].tenants.isEmpty && nodes[n].children.isEmpty {
            let p = nodes[n].parent
            nodes[p].children[nodes[n].edge[0]] = nil
            nodes[n] = Node(edge: [], weights: [], parent: -1)
            free.append(n)
        }
    }

    private mutating func newNode(_ node: Node) -> Int {
        if let f = free.popLast() { nodes[f] = node; return f }
        nodes.append(node)
        return nodes.count - 1
    }

    /// Splits `n`'s edge after `k` units; returns the new upper node.
    private mutating func split(_ n: Int, at k: Int) -> Int {
        let old = nodes[n]
        var mid = Node(edge: Array(old.edge[..<k]), weights: Array(old.weights[..<k]), parent: old.parent)
        mid.tenants = old.tenants
        let m = newNode(mid)
        nodes[old.parent].children[old.edge[0]] = m
        nodes[n].edge = Array(old.edge[k...])
        nodes[n].weights = Array(old.weights[k...])
        nodes[n].parent = m
        nodes[m].children[nodes[n].edge[0]] = n
        return m
    }

    private func commonPrefix(_ edge: [UInt64], _ units: [UInt64], from i: Int) -> Int {
        var k = 0
        while k < edge.count && i + k < units.count && edge[k] == units[i + k] { k += 1 }
        return k
    }
}
