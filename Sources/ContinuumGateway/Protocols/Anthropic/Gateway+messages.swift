import Hummingbird

extension Gateway {
    /// Anthropic's Messages API (`POST /v1/messages`).
    func addMessagesRoutes(to router: Router<GatewayContext>) {}
}
