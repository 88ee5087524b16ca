/// The route decision: the only place the rules of keys, tiers, personal data, request
/// fields, cascades and fallbacks are written down. Pure: the same facts give the same
/// decision, with no I/O, clocks or locks, so it is tested with tables.
public enum RoutePlanner {
    public static func decide(_ facts: RouteFacts) -> RouteDecision {
        guard facts.key?.models?.contains(facts.model) ?? true else { return .refuse(.modelNotFound(facts.model)) }
        if let steps = facts.cascade { return cascade(facts, steps: steps) }
        switch step(facts.model, facts) {
        case .success(let step): return .route(RoutePlan(steps: [step], personalData: facts.personalData.kinds))
        case .failure(let refusal): return .refuse(refusal)
        }
    }

    /// A served model and its fallbacks, each narrowed; the model's own refusal when none remains.
    static func step(_ model: String, _ facts: RouteFacts) -> Result<RoutePlan.Step, RouteRefusal> {
        guard let served = facts.served[model] else { return .failure(.modelNotFound(model)) }
        var targets: [RoutePlan.Target] = []
        var refusal: RouteRefusal?
        var seen: Set<String> = []
        for name in [model] + served.fallbacks where seen.insert(name).inserted {
            guard name == model || facts.key?.models?.contains(name) ?? true, let m = facts.served[name] else { continue }
            switch target(name, m, facts) {
            case .success(let t): targets.append(t)
            case .failure(let r): refusal = refusal ?? r
            }
        }
        guard !targets.isEmpty else { return .failure(refusal ?? .modelNotFound(model)) }
        return .success(RoutePlan.Step(model: model, targets: targets))
    }

    /// The backends of one served model this request may use: the key's tiers, then the
    /// privacy policy's (or placeholders), then the fields each backend honours.
    static func target(_ model: String, _ served: RouteFacts.ServedModel, _ facts: RouteFacts) -> Result<RoutePlan.Target, RouteRefusal> {
        let keyTiers = facts.key?.tiers
        var candidates = served.backends.filter { keyTiers?.contains($0.tier) ?? true }
        let tiers = Array(Set(served.backends.map(\.tier))).sorted()
        guard !candidates.isEmpty else { return .failure(.keyTiers(model: model, served: tiers)) }
        var reasons: [RouteReason] = []
        var redact = false
        if facts.personalData != .none {
            let allowed = facts.privacy.tiers.intersection(keyTiers ?? Set(Tier.allCases))
            let kept = candidates.filter { allowed.contains($0.tier) }
            let kinds = facts.personalData.names
            if !kept.isEmpty {
                candidates = kept
                reasons.append(.personalDataKept(kinds: kinds, tiers: allowed.sorted()))
            } else if facts.privacy.redact, case .found = facts.personalData {
                redact = true
                reasons.append(.personalDataRedacted(kinds: kinds))
            } else {
                return .failure(.personalData(kinds: kinds, allowed: allowed.sorted(),
                                              instead: "model '\(model)' is served on \(Tier.list(tiers))"))
            }
        }
        if !facts.needs.isEmpty {
            let fields = facts.needs.sorted().map(\.field)
            let remote = candidates.filter { !$0.local }
            guard !remote.isEmpty else { return .failure(.unsupported(fields: fields, model: model)) }
            if remote.count < candidates.count { reasons.append(.needsRemote(fields: fields)) }
            candidates = remote
        }
        return .success(RoutePlan.Target(model: model, backends: candidates.map(\.name), redact: redact, reasons: reasons,
                                         localOnly: candidates.allSatisfy(\.local)))
    }

    /// A cascade: steps the key's tiers and personal data allow, then the router's choice.
    static func cascade(_ facts: RouteFacts, steps all: [String]) -> RouteDecision {
        let keyTiers = facts.key?.tiers
        func serves(_ step: String, in tiers: Set<Tier>?) -> Bool {
            facts.served[step]?.backends.contains { tiers?.contains($0.tier) ?? true } ?? false
        }
        var names = all.filter { serves($0, in: keyTiers) }
        guard !names.isEmpty else {
            let tiers = Array(Set(all.flatMap { facts.served[$0]?.backends.map(\.tier) ?? [] })).sorted()
            return .refuse(.keyTiers(model: facts.model, served: tiers))
        }
        var reasons: [RouteReason] = [.cascade(name: facts.model)]
        let kinds = facts.personalData.names
        if facts.personalData != .none, !facts.privacy.redact {
            let allowed = facts.privacy.tiers.intersection(keyTiers ?? Set(Tier.allCases))
            let kept = names.filter { serves($0, in: allowed) }
            guard !kept.isEmpty else {
                return .refuse(.personalData(kinds: kinds, allowed: allowed.sorted(),
                                             instead: "no step of '\(facts.model)' is served there"))
            }
            if kept.count < names.count, kept.count > 1 { reasons.append(.cascadeNarrowed(kinds: kinds, steps: kept)) }
            names = kept
        }
        var start = 0
        if let router = facts.router, names.count > 1, names[0] == all[0] {
            switch router.score {
            case .success(let score):
                let skip = score >= router.threshold
                if skip { start = 1 }
                reasons.append(.routerScore(label: router.label, score: score, threshold: router.threshold,
                                            skipped: skip ? names[0] : nil))
            case .failure(let e):
                reasons.append(.routerFailed(label: router.label, error: e.message))
            }
        }
        var steps: [RoutePlan.Step] = []
        var refusal: RouteRefusal?
        for name in names[start...] {
            switch step(name, facts) {
            case .success(let s): steps.append(s)
            case .failure(let r): refusal = refusal ?? r
            }
        }
        guard !steps.isEmpty else { return .refuse(refusal ?? .modelNotFound(facts.model)) }
        return .route(RoutePlan(steps: steps, reasons: reasons, personalData: facts.personalData.kinds))
    }
}

extension RouteFacts.PersonalData {
    /// The kinds for the ledger ("unreadable" for ids the gateway cannot read).
    var kinds: [String] {
        switch self {
        case .none: []
        case .found(let k): k
        case .unreadable: ["unreadable"]
        }
    }
}
