import ContinuumGateway
import ContinuumRouting
import Testing

@Suite struct ReplicaGroupTests {
    /// Remote backends pointing nowhere: picking never contacts them.
    func backends(_ specs: [(String, Tier)]) -> [OpenAIBackend] {
        specs.map { OpenAIBackend(name: $0.0, tier: $0.1, baseURL: "http://127.0.0.1:9/v1", apiKey: nil) }
    }

    @Test func roundRobinOverHealthyReplicasInAllowedTiers() async {
        let bs = backends([("a", .edge), ("b", .edge), ("c", .cloud)])
        let g = ReplicaGroup(model: "m", backends: bs.map { .openai($0) })
        let names = (0..<6).compactMap { _ in g.pick()?.backend.name }
        #expect(names == ["a", "b", "c", "a", "b", "c"])
        bs[1].breaker.recordUnhealthy()
        let healthy = (0..<4).compactMap { _ in g.pick()?.backend.name }
        #expect(!healthy.contains("b") && Set(healthy) == ["a", "c"])
        #expect(g.pick(tiers: [.cloud])?.backend.name == "c")
        #expect(g.pick(tiers: [.device]) == nil)
        let avoided = g.pick(avoiding: ["a", "c"])  // both just failed; b is open: falls back to them
        #expect(avoided.map { ["a", "c"].contains($0.backend.name) } == true)
        #expect(g.pick(tiers: [.edge])?.reason.text.contains("1 healthy of 2") == true)
        for b in bs { await b.shutdown() }
    }

    @Test func aSingleBackendWithAnOpenBreakerIsUnavailable() async {
        let bs = backends([("only", .cloud)])
        let g = ReplicaGroup(model: "m", backends: bs.map { .openai($0) })
        #expect(g.pick()?.reason.text == "only backend of model 'm'")
        bs[0].breaker.recordUnhealthy()
        _ = g.pick()  // the first probe after opening is let through after the probe interval only
        #expect(!g.isAvailable)
        for b in bs { await b.shutdown() }
    }
}
