/// Finds stop strings in streamed text.
///
/// Text that could be the start of a stop string is held back until the following text
/// shows whether it is; text before a matched stop string is emitted, the stop string and
/// anything after it are not (as in the OpenAI API). Matching is on UTF-8 bytes, so a match
/// never depends on how grapheme clusters combine across chunks.
///
///     var m = StopStringMatcher(["llo"])
///     m.append("Hel")   // ("He", false): "l" is held back
///     m.append("lo")    // ("", true)
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private let longest: Int
    private var pending: [UInt8] = []
    /// Whether a stop string has matched; later appends return `("", true)`.
    public private(set) var stopped = false
    /// The stop string that matched, if any.
    public private(set) var matchedStop: String?

    /// Empty strings are ignored.
    public init(_ stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        longest = self.stops.map(\.count).max() ?? 0
        pending.reserveCapacity(Swift.max(64, 2 * longest))
    }

    /// Adds the next chunk of generated text. Returns the text that is now certain not to be
    /// part of a stop string, and whether a stop string has matched (generation should end).
    public mutating func append(_ text: String) -> (emit: String, stopped: Bool) {
        if stopped { return ("", true) }
        if stops.isEmpty { return (text, false) }
        pending.append(contentsOf: text.utf8)

        // Earliest complete match wins.
        for start in pending.indices {
            for stop in stops where matches(stop, at: start, length: stop.count) {
                let emit = String(decoding: pending[..<start], as: UTF8.self)
                matchedStop = String(decoding: stop, as: UTF8.self)
                stopped = true
                pending.removeAll(keepingCapacity: true)
                return (emit, true)
            }
        }

        // Hold back the longest suffix that is a proper prefix of some stop string. It starts
        // with a stop string's first byte, a UTF-8 lead byte, so both parts stay valid UTF-8.
        let held = heldSuffixLength()
        let cut = pending.count - held
        let emit = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return (emit, false)
    }

    /// Returns the held-back text at the end of generation (empty after a stop matched).
    public mutating func flush() -> String {
        let rest = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        return rest
    }

    /// Whether pending[start..<start+length] exists and equals stop[0..<length].
    private func matches(_ stop: [UInt8], at start: Int, length: Int) -> Bool {
        guard start + length <= pending.count else { return false }
        for j in 0..<length where pending[start + j] != stop[j] { return false }
        return true
    }

    private func heldSuffixLength() -> Int {
        var length = Swift.min(pending.count, longest - 1)
        while length > 0 {
            let start = pending.count - length
            for stop in stops where stop.count > length && matches(stop, at: start, length: length) {
                return length
            }
            length -= 1
        }
        return 0
    }
}
