/// A token bucket: holds up to `capacity` tokens, refilled continuously at `ratePerSecond`.
/// A value driven by the times it is given (no clock inside), so it is tested by tables.
/// The balance may go negative when actual usage is charged after the fact (tokens per
/// minute are known only when a generation ends); requests then wait until it refills.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let ratePerSecond: Double
    public private(set) var balance: Double
    private var updated: Double

    /// A bucket for `perMinute` units a minute, starting full at time `now` (seconds).
    public init(perMinute: Int, now: Double) {
        capacity = Double(max(perMinute, 0))
        ratePerSecond = Double(max(perMinute, 0)) / 60
        balance = capacity
        updated = now
    }

    private mutating func refill(_ now: Double) {
        if now > updated {
            balance = min(capacity, balance + (now - updated) * ratePerSecond)
            updated = now
        }
    }

    /// Takes `amount` if the balance covers it; otherwise returns the seconds to wait.
    public mutating func take(_ amount: Double = 1, now: Double) -> Double? {
        refill(now)
        if balance >= amount {
            balance -= amount
            return nil
        }
        guard ratePerSecond > 0 else { return .infinity }
        return (amount - balance) / ratePerSecond
    }

    /// Seconds until the balance is positive (nil if it is now).
    public mutating func waitForPositive(now: Double) -> Double? {
        refill(now)
        if balance > 0 { return nil }
        guard ratePerSecond > 0 else { return .infinity }
        return (-balance + 1e-9) / ratePerSecond
    }

    /// Charges usage known after the fact; may leave the balance negative.
    public mutating func charge(_ amount: Double, now: Double) {
        refill(now)
        balance -= amount
    }
}
