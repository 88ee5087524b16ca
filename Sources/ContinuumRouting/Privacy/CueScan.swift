/// The scan shared by detectors whose values are personal data only after a cue word
/// ("born on 2/8/1935", "passport no. X1234567"): find a whole-word cue (lower-case ASCII
/// comparison), then the first value starting within `window` bytes after it.
enum CueScan {
    /// Ranges of the values found. `startsValue(lower, j)` says whether a value may start at
    /// byte `j`; `value(cue, j)` reads one there (nil: none).
    static func find(_ b: [UInt8], cues: [String], window: Int, startsValue: ([UInt8], Int) -> Bool,
                     value: (String, Int) -> Range<Int>?) -> [Range<Int>] {
        let lower = b.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var out: [Range<Int>] = []
        var i = 0
        while i < lower.count {
            guard i == 0 || !DateOfBirthDetector.isLetter(lower[i - 1]),
                  let cue = cues.first(where: { DateOfBirthDetector.matches(lower, at: i, $0) }) else {
                i += 1
                continue
            }
            let cueEnd = i + cue.utf8.count
            guard cueEnd >= lower.count || !DateOfBirthDetector.isLetter(lower[cueEnd]) else {
                i += 1
                continue
            }
            var j = cueEnd
            var found: Range<Int>?
            while j < min(lower.count, cueEnd + window), found == nil {
                if startsValue(lower, j) { found = value(cue, j) }
                j += 1
            }
            if let found {
                out.append(found)
                i = found.upperBound
            } else {
                i = cueEnd
            }
        }
        return out
    }
}
