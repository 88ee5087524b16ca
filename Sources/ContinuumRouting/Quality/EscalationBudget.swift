/// Turns a cost budget into an escalation share. Routing before generating runs one model
/// per request, so with a share s of requests on the large model the mean cost is
/// (1 − s)·small + s·large; the budget allows s = (budget − small) / (large − small).
public enum EscalationBudget {
    /// The share of requests (0…1) that `budgetPerRequest` allows. Costs in any one unit
    /// (dollars, joules, milliseconds). A budget below the small model's cost allows 0; a
    /// large model no dearer than the small one allows 1.
    public static func share(smallCost: Double, largeCost: Double, budgetPerRequest: Double) throws(QualityRouterError) -> Double {
        guard smallCost.isFinite, largeCost.isFinite, budgetPerRequest.isFinite, smallCost >= 0, largeCost >= 0, budgetPerRequest >= 0 else {
            throw QualityRouterError("costs and budget must be finite and not negative")
        }
        guard largeCost > smallCost else { return 1 }
        return min(1, max(0, (budgetPerRequest - smallCost) / (largeCost - smallCost)))
    }
}
