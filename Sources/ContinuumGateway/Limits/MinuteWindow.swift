/// "N per minute" as a user reads it: at most `limit` units in ANY 60 seconds. (A token
/// bucket holding N and refilling N a minute lets 2N through in a minute that starts full.)
/// Units are counted in one-second slots, and a slot leaves the window only once all of it
/// is more than 60 s old: so the limit holds exactly for every 60 s interval, and a refused
/// caller waits at most one second longer than an exact log would make it. Memory: at most
/// 61 slots. A value driven by the times it is given (no clock inside), tested by tables.
/// Usage charged after the fact (tokens of a finished request) may push the count past the
/// limit; requests then wait until enough of it has left the window.
public struct MinuteWindow: Sendable, Equatable {
    public let limit: Double
    private var slots: [(second: Int, units: Double)] = []  // oldest first
    public private(set) var used: Double = 0

    public init(perMinute: Int) { limit = Double(max(perMinute, 0)) }

    public static func == (a: MinuteWindow, b: MinuteWindow) -> Bool {
        a.limit == b.limit && a.used == b.used && a.slots.map(\.second) == b.slots.map(\.second)
            && a.slots.map(\.units) == b.slots.map(\.units)
    }

    /// Drops the slots wholly older than 60 s.
    private mutating func expire(_ now: Double) {
        while let first = slots.first, Double(first.second + 61) <= now {
            used -= first.units
            slots.removeFirst()
        }
        if slots.isEmpty { used = 0 }  // no drift from float sums
    }

    private mutating func add(_ units: Double, _ now: Double) {
        let s = Int(now.rounded(.down))
        if let last = slots.last, last.second == s { slots[slots.count - 1].units += units } else { slots.append((s, units)) }
        used += units
    }

    /// Seconds until at least `free` units of room will have left the window.
    private func waitFor(_ free: Double, _ now: Double) -> Double {
        guard limit > 0 else { return .infinity }
        var room = limit - used
        for slot in slots {
            room += slot.units
            if room >= free { return max(0, Double(slot.second + 61) - now) }
        }
        return 61
    }

    /// Takes `amount` if the last 60 s leave room for it; otherwise the seconds to wait.
    public mutating func take(_ amount: Double = 1, now: Double) -> Double? {
        expire(now)
        if used + amount <= limit {
            add(amount, now)
            return nil
        }
        return waitFor(used + amount - limit, now)
    }

    /// Seconds until the window has room for one more unit (nil if it has now): for usage
    /// known only afterwards, a request is admitted while anything is left.
    public mutating func waitForPositive(now: Double) -> Double? {
        expire(now)
        if used < limit { return nil }
        return waitFor(used - limit + 1e-9, now)
    }

    /// Charges usage known after the fact; may take the count past the limit.
    public mutating func charge(_ amount: Double, now: Double) {
        expire(now)
        add(amount, now)
    }
}
