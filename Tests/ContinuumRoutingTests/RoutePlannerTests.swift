import ContinuumRouting
import Testing

/// The route decision, as tables: facts in, decision out; no HTTP, no engines.
@Suite struct RoutePlannerTests {
    typealias B = RouteFacts.Backend

    /// phone (device, local), edge (edge, remote), big (cloud, remote); fallbacks as named.
    static let served: [String: RouteFacts.ServedModel] = [
        "small": .init(backends: [B(name: "phone", tier: .device, local: true)]),
        "both": .init(backends: [B(name: "phone", tier: .device, local: true), B(name: "big", tier: .cloud, local: false)]),
        "cloud": .init(backends: [B(name: "big", tier: .cloud, local: false)], fallbacks: ["small", "cloud", "missing"]),
        "edge": .init(backends: [B(name: "near", tier: .edge, local: false)]),
        "local2": .init(backends: [B(name: "phone", tier: .device, local: true), B(name: "phone2", tier: .device, local: true)],
                        fallbacks: ["cloud"]),
    ]

    static func facts(_ model: String, key: RouteFacts.KeyScope? = nil, personal: RouteFacts.PersonalData = .none,
                      redact: Bool = false, needs: Set<RouteFacts.Capability> = [], cascade: [String]? = nil,
                      router: RouteFacts.RouterScore? = nil) -> RouteFacts {
        RouteFacts(model: model, served: served, cascade: cascade, key: key, personalData: personal,
                   privacy: .init(tiers: [.device], redact: redact), needs: needs, router: router)
    }

    /// What a decision routes to, as "model:backend+backend" per target, "|" between steps;
    /// or "refuse <code>".
    static func summary(_ d: RouteDecision) -> String {
        switch d {
        case .refuse(let r): "refuse \(r.code)"
        case .route(let p):
            p.steps.map { $0.targets.map { "\($0.model):\($0.backends.joined(separator: "+"))\($0.redact ? "(redacted)" : "")" }
                .joined(separator: ",") }.joined(separator: "|")
        }
    }

    static let cases: [(String, RouteFacts, String)] = [
        ("plain", facts("small"), "small:phone"),
        ("unknown model", facts("nope"), "refuse model_not_found"),
        ("model the key may not use looks unknown", facts("small", key: .init(models: ["both"])), "refuse model_not_found"),
        ("key tiers narrow the replicas", facts("both", key: .init(tiers: [.cloud])), "both:big"),
        ("key tiers serve nothing", facts("small", key: .init(tiers: [.cloud])), "refuse key_tiers"),
        ("personal data kept to device", facts("both", personal: .found(["email"])), "both:phone"),
        ("personal data on a cloud model goes to its device fallback", facts("cloud", personal: .found(["email"])), "small:phone"),
        ("personal data on an edge-only model", facts("edge", personal: .found(["email"])), "refuse personal_data"),
        ("redact mode sends placeholders", facts("edge", personal: .found(["email"]), redact: true), "edge:near(redacted)"),
        ("unreadable ids are never redacted", facts("edge", personal: .unreadable, redact: true), "refuse personal_data"),
        ("personal data within key tiers", facts("both", key: .init(tiers: [.cloud]), personal: .found(["phone"])), "refuse personal_data"),
        ("tools go to the remote replica", facts("both", needs: [.tools]), "both:big"),
        ("tools on a local-only model", facts("small", needs: [.tools, .logitBias]), "refuse unsupported_field"),
        ("tools and personal data: nowhere", facts("both", personal: .found(["email"]), needs: [.tools]), "refuse unsupported_field"),
        ("fallbacks in order, self and unknown skipped", facts("cloud"), "cloud:big,small:phone"),
        ("fallbacks bound by key tiers", facts("cloud", key: .init(tiers: [.cloud])), "cloud:big"),
        ("fallbacks bound by key models", facts("local2", key: .init(models: ["local2"])), "local2:phone+phone2"),
        ("fallback takes personal data the model cannot", facts("cloud", personal: .found(["iban"])), "small:phone"),
        ("fallback for fields local engines ignore", facts("local2", needs: [.responseFormat]), "cloud:big"),
        ("cascade", facts("auto", cascade: ["small", "cloud"]), "small:phone|cloud:big,small:phone"),
        ("cascade without tiers", facts("auto", key: .init(tiers: [.edge]), cascade: ["small", "cloud"]), "refuse key_tiers"),
        ("cascade narrowed by personal data", facts("auto", personal: .found(["email"]), cascade: ["small", "both", "cloud"]),
         "small:phone|both:phone"),
        ("cascade with nothing allowed", facts("auto", personal: .found(["email"]), cascade: ["edge"]),
         "refuse personal_data"),
        ("cascade, router keeps", facts("auto", cascade: ["small", "cloud"], router: .init(label: "r", threshold: 0.5, score: .success(0.2))),
         "small:phone|cloud:big,small:phone"),
        ("cascade, router escalates", facts("auto", cascade: ["small", "cloud"], router: .init(label: "r", threshold: 0.5, score: .success(0.5))),
         "cloud:big,small:phone"),
        ("cascade, router failed", facts("auto", cascade: ["small", "cloud"], router: .init(label: "r", threshold: 0.5, score: .failure(.init("x")))),
         "small:phone|cloud:big,small:phone"),
    ]

    @Test(arguments: cases.indices)
    func decides(_ i: Int) {
        let (name, facts, expected) = Self.cases[i]
        #expect(Self.summary(RoutePlanner.decide(facts)) == expected, "\(name)")
    }

    @Test func reasonsAreTypedAndOrdered() {
        guard case .route(let p) = RoutePlanner.decide(Self.facts("both", personal: .found(["email", "phone"]))) else {
            Issue.record("refused"); return
        }
        #expect(p.steps[0].targets[0].reasons == [.personalDataKept(kinds: "email, phone", tiers: [.device])])
        #expect(p.steps[0].targets[0].reasons.text == "personal data (email, phone) kept to device")
        #expect(p.personalData == ["email", "phone"])

        guard case .route(let c) = RoutePlanner.decide(Self.facts("auto", cascade: ["small", "cloud"],
            router: .init(label: "router m", threshold: 0.25, score: .success(0.75)))) else { Issue.record("refused"); return }
        #expect(c.reasons.codes == "cascade,router_escalated")
        #expect(c.reasons.text == "cascade 'auto'; router m score 0.750 ≥ 0.250: skip small")
        #expect(c.reasons.compactMap(\.escalation) == ["before"])
        #expect(c.reasons.primaryCode == "router_escalated")
        #expect(([.personalDataKept(kinds: "email", tiers: [.device]), .onlyBackend(model: "m", narrowed: false)] as [RouteReason]).primaryCode
                == "personal_data_kept")
        #expect(([.onlyBackend(model: "m", narrowed: false)] as [RouteReason]).primaryCode == "only_backend")
    }

    @Test func refusalsSayWhy() {
        guard case .refuse(let r) = RoutePlanner.decide(Self.facts("small", needs: [.tools])) else { Issue.record("routed"); return }
        #expect(r.status == 400 && r.param == "tools" && r.message.contains("tools is not supported"))
        guard case .refuse(let p) = RoutePlanner.decide(Self.facts("edge", personal: .found(["email"]))) else { Issue.record("routed"); return }
        #expect(p.status == 403 && p.message.contains("personal data (email)") && p.message.contains("device tier"))
        guard case .refuse(let m) = RoutePlanner.decide(Self.facts("small", key: .init(models: []))) else { Issue.record("routed"); return }
        #expect(m.status == 404 && m.message == "The model 'small' does not exist or you do not have access to it.")
    }

    @Test func reasonTexts() {
        #expect(RouteReason.confidence(step: "s", score: 0.4567, tokens: 3, minimum: 0.5, kept: false).text
                == "s confidence 0.457 over 3 tokens < 0.500: escalated")
        #expect(RouteReason.confidence(step: "s", score: 0, tokens: 0, minimum: 0.5, kept: false).text == "s gave an empty answer: escalated")
        #expect(RouteReason.fallback(from: "a", to: "b", cause: .full).code == "fallback_full")
        #expect(RouteReason.routerScore(label: "r", score: -0.0004, threshold: 1, skipped: nil).text == "r score 0.000 < 1.000")
    }
}
