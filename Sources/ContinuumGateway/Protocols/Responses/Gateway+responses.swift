import Hummingbird

extension Gateway {
    /// OpenAI's Responses API (`POST /v1/responses`).
    func addResponsesRoutes(to router: Router<GatewayContext>) {}
}
