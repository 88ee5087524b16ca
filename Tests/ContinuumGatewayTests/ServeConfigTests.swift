import ContinuumGateway
import ContinuumRouting
import Testing

@Suite struct ServeConfigTests {
    @Test func parsesBackendsTiersAndModels() throws {
        let c = try ServeConfig.parse(yaml: """
            port: 9000
            retries: 1
            backends:
              phone: {type: local, model: models/small.gguf, threads: 2, kv_cache_mib: 64}
              cloud-a: {type: openai, tier: cloud, base_url: "https://a.example/v1", api_key_env: A_KEY, model: big}
              cloud-b:
                type: openai
                base_url: http://10.0.0.2:8080/v1
                read_timeout_seconds: 30
            models:
              small: phone
              big: [cloud-a, cloud-b]
            """, baseDirectory: "/etc/continuum")
        #expect(c.port == 9000 && c.retries == 1 && c.host == nil)
        guard case .local(let l) = c.backends["phone"] else { Issue.record("phone is not local"); return }
        #expect(l.tier == .device && l.model == "/etc/continuum/models/small.gguf" && l.threads == 2 && l.kvCacheMiB == 64)
        guard case .openai(let a) = c.backends["cloud-a"], case .openai(let b) = c.backends["cloud-b"] else {
            Issue.record("cloud backends are not openai"); return
        }
        #expect(a.tier == .cloud && a.apiKeyEnv == "A_KEY" && a.model == "big" && a.readTimeoutSeconds == 120)
        #expect(b.tier == .cloud && b.model == nil && b.readTimeoutSeconds == 30 && b.failureThreshold == 3)
        #expect(c.models == ["small": .init(backends: ["phone"]), "big": .init(backends: ["cloud-a", "cloud-b"])])
    }

    @Test func anAnthropicBackendTakesTheOpenAIKeys() throws {
        let c = try ServeConfig.parse(yaml: """
            backends: {claude: {type: anthropic, tier: cloud, base_url: "https://api.anthropic.com/v1", api_key_env: ANTHROPIC_API_KEY, model: claude-x}}
            models: {smart: claude}
            """)
        guard case .openai(let a) = c.backends["claude"] else { Issue.record("claude is not a remote backend"); return }
        #expect(a.api == .anthropic && a.baseURL == "https://api.anthropic.com/v1" && a.apiKeyEnv == "ANTHROPIC_API_KEY" && a.model == "claude-x")
        #expect(throws: ServeConfigError.self) { try ServeConfig.parse(yaml: "backends: {c: {type: anthropic}}\nmodels: {m: c}") }
    }

    @Test func replicaGroupsTakeAPolicyAndATokenizer() throws {
        let c = try ServeConfig.parse(yaml: """
            backends: {a: {type: openai, base_url: "http://a/v1"}, b: {type: openai, base_url: "http://b/v1"}}
            models:
              chat: {backends: [a, b], routing: continuum, tokenizer: m.gguf, prefill_tokens_per_second: 1100}
            """, baseDirectory: "/srv")
        #expect(c.models["chat"] == .init(backends: ["a", "b"], routing: "continuum", tokenizer: "/srv/m.gguf", prefillTokensPerSecond: 1100))
    }

    @Test func privacySettings() throws {
        let c = try ServeConfig.parse(yaml: """
            privacy: {tiers: [device, edge], kinds: [email, person]}
            backends: {a: {type: local}}
            models: {m: a}
            """)
        #expect(c.privacyEnabled && c.privacyTiers == [.device, .edge] && c.privacyKinds == [.email, .person])
        let d = try ServeConfig.parse(yaml: "backends: {a: {type: local}}\nmodels: {m: a}")
        #expect(d.privacyTiers == [.device] && !d.privacyKinds.contains(.person) && d.privacyMode == .refuse)
        let r = try ServeConfig.parse(yaml: "privacy: {mode: redact}\nbackends: {a: {type: local}}\nmodels: {m: a}")
        #expect(r.privacyMode == .redact && r.privacyKinds == PrivacyPolicy.defaultKinds.union([.person]))
        let rk = try ServeConfig.parse(yaml: "privacy: {mode: redact, kinds: [email]}\nbackends: {a: {type: local}}\nmodels: {m: a}")
        #expect(rk.privacyKinds == [.email])
    }

    @Test func responseStorage() throws {
        let c = try ServeConfig.parse(yaml: "responses: {store: false, retention_days: 7}\nbackends: {a: {type: local}}\nmodels: {m: a}")
        #expect(c.responses == ResponseStorage(enabled: false, retentionDays: 7))
        #expect(c.responses.retention == 7 * 86_400)
        #expect(try ServeConfig.parse(yaml: "backends: {a: {type: local}}\nmodels: {m: a}").responses == ResponseStorage(enabled: true, retentionDays: 30))
    }

    @Test func cascades() throws {
        let c = try ServeConfig.parse(yaml: """
            backends: {a: {type: local}, b: {type: openai, base_url: "http://x/v1"}}
            models:
              small: a
              big: b
              auto:
                cascade: [small, big]
                before: {router: r.json, cost_budget: {first: 1, next: 11, budget: 3}}
                after: {min_confidence: 0.4}
            """, baseDirectory: "/etc/continuum")
        let spec = try #require(c.cascades["auto"])
        #expect(spec.steps == ["small", "big"] && spec.router == "/etc/continuum/r.json")
        #expect(spec.costBudget?.escalateShare == 0.2 && spec.minConfidence == 0.4 && spec.bufferTokens == 32)
        #expect(c.models["auto"] == nil)
    }

    @Test func serverLimitsDefaultAndOverride() throws {
        let c = try ServeConfig.parse(yaml: """
            server: {header_timeout: 1.5, max_connections: 64}
            backends: {a: {type: local}}
            models: {m: a}
            """)
        #expect(c.serverLimits == ServerLimits(headerTimeout: .milliseconds(1500), maxConnections: 64))
        #expect(try ServeConfig.parse(yaml: "backends: {a: {type: local}}\nmodels: {m: a}").serverLimits == ServerLimits())
    }

    @Test(arguments: [
        ("responses: {store: maybe}\nbackends: {a: {type: local}}\nmodels: {m: a}", "responses.store must be true or false"),
        ("responses: {keep: 1}\nbackends: {a: {type: local}}\nmodels: {m: a}", "unknown key 'responses.keep'"),
        ("responses: {retention_days: 0}\nbackends: {a: {type: local}}\nmodels: {m: a}", "responses.retention_days must be in"),
        ("privacy: {kinds: [dna]}\nbackends: {a: {type: local}}\nmodels: {m: a}", "privacy.kinds: unknown kind 'dna'"),
        ("privacy: {tiers: [moon]}\nbackends: {a: {type: local}}\nmodels: {m: a}", "privacy.tiers: unknown tier 'moon'"),
        ("backends: {a: {type: local}}\nmodels: {m: {backends: [a], routing: random}}", "routing must be one of"),
        ("backends: {a: {type: local}}\nmodels: {m: {backends: [a], route: continuum}}", "unknown key 'models.m.route'"),
        ("backends: {a: {type: local}}\nmodels: {m: a}\nprot: 1", "unknown key 'prot'"),
        ("backends: {a: {type: local, treads: 2}}\nmodels: {m: a}", "unknown key 'backends.a.treads'"),
        ("backends: {a: {type: gpu}}\nmodels: {m: a}", "type must be `local`, `openai` or `anthropic` (got 'gpu')"),
        ("backends: {a: {type: openai}}\nmodels: {m: a}", "base_url is required"),
        ("backends: {a: {type: openai, base_url: 'localhost:80'}}\nmodels: {m: a}", "is not an http(s) URL"),
        ("backends: {a: {type: local, tier: space}}\nmodels: {m: a}", "tier must be one of device, edge, cloud (got 'space')"),
        ("backends: {a: {type: local, threads: 0}}\nmodels: {m: a}", "backends.a.threads must be in 1...512 (got 0)"),
        ("backends: {a: {type: local, threads: two}}\nmodels: {m: a}", "backends.a.threads must be an integer"),
        ("backends: {a: {type: local}}\nmodels: {m: b}", "models.m: no backend named 'b'"),
        ("backends: {a: {type: local}}\nmodels: {m: [a, a]}", "listed twice"),
        ("backends: {a: {type: local}}\nmodels: {m: []}", "needs at least one backend"),
        ("backends: {}\nmodels: {m: a}", "`backends` must name at least one backend"),
        ("backends: {a: {type: local}}", "`models` must name at least one served model"),
        ("backends: {'a b': {type: local}}\nmodels: {m: 'a b'}", "is not a valid name"),
        ("backends: {a: {type: local}}\nmodels: {m: a}\nserver: {header_timeout: 1, max_conections: 9}", "unknown key 'server.max_conections'"),
        ("backends: {a: {type: local}}\nmodels: {m: a}\nserver: {body_timeout: 0}", "server.body_timeout must be in"),
        ("- just\n- a list", "must be a mapping"),
        ("backends: [", "not valid YAML"),
    ])
    func rejectsWithTheKeyAtFault(yaml: String, message: String) {
        #expect {
            _ = try ServeConfig.parse(yaml: yaml)
        } throws: { error in
            guard let e = error as? ServeConfigError else { return false }
            if !e.message.contains(message) { Issue.record("'\(e.message)' does not contain '\(message)'") }
            return true
        }
    }
}
