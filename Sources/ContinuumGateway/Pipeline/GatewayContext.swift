public import ContinuumLedger
public import Hummingbird

/// What every request carries through the middleware and handlers: its id (the ledger row's,
/// sent as `x-request-id`), the key that authenticated it, and when it arrived.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `RequestIDMiddleware`, before anything else runs.
    public var requestID = ""
    /// Set by `AuthMiddleware`; nil when no key exists (keys are off) or on open routes.
    public var key: KeyRecord?
    /// When the request's head arrived: every ledger time counts from here.
    public var arrived = ContinuousClock.now
    /// Set by a protocol adapter (Messages) before it runs its translated request: the
    /// client's own body, for a backend that speaks the client's protocol.
    var passthrough: Passthrough?

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
