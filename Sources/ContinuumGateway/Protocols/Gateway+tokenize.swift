import Hummingbird

extension Gateway {
    /// llama-server's `POST /tokenize` and `POST /detokenize`.
    func addTokenizeRoutes(to router: Router<GatewayContext>) {}
}
