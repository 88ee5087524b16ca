/// Quantiles with linear interpolation between order statistics (numpy's and pandas'
/// default), so that thresholds here match RouteLLM's `pd.qcut` evaluation.
public enum Quantile {
    /// The q-quantile (0…1) of `sorted` (ascending); NaN for no values.
    public static func linear(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let pos = min(1, max(0, q)) * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        let f = pos - Double(lo)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * f
    }
}
