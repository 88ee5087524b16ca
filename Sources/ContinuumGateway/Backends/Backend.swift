/// One place a request can be answered: an engine in this process or an OpenAI-compatible
/// server elsewhere. Each has a unique name (shown in `x-continuum-backend`, the ledger and
/// metric labels), a tier and a circuit breaker.
public enum Backend: Sendable {
    case local(LocalBackend)
    case openai(OpenAIBackend)

    public var name: String {
        switch self {
        case .local(let b): b.name
        case .openai(let b): b.name
        }
    }

    public var tier: Tier {
        switch self {
        case .local(let b): b.tier
        case .openai(let b): b.tier
        }
    }

    public var breaker: CircuitBreaker {
        switch self {
        case .local(let b): b.breaker
        case .openai(let b): b.breaker
        }
    }
}
