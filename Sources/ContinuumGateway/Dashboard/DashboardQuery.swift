import ContinuumLedger
import ContinuumOpenAI
import Hummingbird

/// The query of a `/ui/api/*` request, checked: an unknown parameter or a bad value is a
/// 400 naming it, never silently ignored.
struct DashboardQuery {
    let parameters: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        try Self.refuseUnknown(request, allowed: allowed)
        var p: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { p[String(k)] = String(v) }
        parameters = p
    }

    static func refuseUnknown(_ request: Request, allowed: Set<String>) throws {
        for (k, _) in request.uri.queryParameters where !allowed.contains(String(k)) {
            throw OpenAIError.unsupportedValue(
                param: String(k), "unknown query parameter '\(k)' (this endpoint takes: \(allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")))")
        }
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = parameters[name] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw OpenAIError.invalidValue(param: name, "'\(text)' is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }

    func grouping(_ name: String, default value: UsageGrouping) throws -> UsageGrouping {
        guard let text = parameters[name] else { return value }
        guard let g = UsageGrouping(rawValue: text) else {
            throw OpenAIError.invalidValue(param: name, "'\(text)' is not one of \(UsageGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return g
    }
}
