import Hummingbird

extension Gateway {
    /// The operator's dashboard at `/ui` and the JSON it reads.
    func addDashboardRoutes(to router: Router<GatewayContext>) {}
}
