import Foundation

/// Scores a `PIIDetector` on labelled text in presidio-research's format (`continuum pii-eval`
/// prints it; tests hold the detector to it). Per kind: a finding is right when it overlaps a
/// labelled span of that kind; a labelled span is caught when a finding of its kind overlaps
/// it. Per request (the privacy decision is per request):
/// - *flagged*: a request with labelled personal data gets at least one finding (what the
///   gateway's route mode needs: any finding keeps the request on the allowed tiers);
/// - *complete*: every labelled span of personal data in it is overlapped by a finding of any
///   kind (what the redact mode needs: nothing labelled is sent as it was).
public struct PIIEvaluation: Sendable {
    public struct Record: Decodable, Sendable {
        public struct Span: Decodable, Sendable {
            public let entity_type: String
            public let start_position: Int
            public let end_position: Int
        }
        public let full_text: String
        public let spans: [Span]?
    }

    /// Which labelled types each kind is scored against. DATE_TIME is personal data only in a
    /// birth context (see `goldKind`); ZIP codes, ages, places (GPE), organisations, titles,
    /// nationalities (NRP) and web sites are not personal data on their own and not scored.
    public static let gold: [PIIDetector.Kind: Set<String>] = [
        .email: ["EMAIL_ADDRESS"], .phone: ["PHONE_NUMBER"], .paymentCard: ["CREDIT_CARD"], .iban: ["IBAN_CODE"],
        .nationalID: ["US_SSN", "US_DRIVER_LICENSE"], .ipAddress: ["IP_ADDRESS"], .credential: [],
        .streetAddress: ["STREET_ADDRESS"], .person: ["PERSON"], .dateOfBirth: ["DATE_TIME"],
    ]

    /// The kind a labelled span is scored as, or nil when it is not personal data. A DATE_TIME
    /// span is a date of birth when "born" or "birth" (or "dob") is in the 40 characters before
    /// it ("She was born on 2/8/1935", "your date of birth. It's 6/24/1991"); the other dates
    /// in the set (founding years, weekdays, log timestamps, "since 12/1/1981") are not.
    public static func goldKind(_ span: Record.Span, in scalars: [Unicode.Scalar]) -> PIIDetector.Kind? {
        if span.entity_type == "DATE_TIME" {
            let from = max(0, span.start_position - 40)
            let before = String(String.UnicodeScalarView(scalars[from..<min(span.start_position, scalars.count)])).lowercased()
            return ["born", "birth", "dob", "d.o.b"].contains(where: before.contains) ? .dateOfBirth : nil
        }
        return gold.first { $0.value.contains(span.entity_type) }?.key
    }

    public struct Counts: Sendable, Equatable {
        public var labelled = 0, caught = 0, found = 0, right = 0
        public init() {}
        public var precision: Double? { found == 0 ? nil : Double(right) / Double(found) }
        public var recall: Double? { labelled == 0 ? nil : Double(caught) / Double(labelled) }
    }

    public var perKind: [PIIDetector.Kind: Counts] = [:]
    /// Records with labelled personal data; of them, flagged (any finding) and complete.
    public var withPII = 0, flagged = 0, complete = 0
    /// Records with no labelled entity at all, and how many got a finding.
    public var clean = 0, falseAlarms = 0
    /// Records whose only labels are not personal data (places, organisations, ages…), and
    /// how many got a finding: not errors of the scoring, but what a fail-closed policy holds back.
    public var otherOnly = 0, otherFlagged = 0
    /// Human-readable misses and false alarms ("#index kind: text").
    public var misses: [String] = [], wrong: [String] = []
    /// Records with personal data and no finding at all ("#index: text").
    public var unflagged: [String] = []
    public var seconds = 0.0

    public var flaggedRecall: Double { withPII == 0 ? 0 : Double(flagged) / Double(withPII) }
    public var completeRecall: Double { withPII == 0 ? 0 : Double(complete) / Double(withPII) }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(_ path: String) throws -> [Record] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoadError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode([Record].self, from: data) } catch {
            throw LoadError(description: "\(path) is not presidio-research JSON ([{full_text, spans: [{entity_type, start_position, end_position}]}]): \(error)")
        }
    }

    /// Scores `detector` (scanning `kinds`) on `records[range]`; labels outside the text are skipped.
    public init(records: [Record], range: Range<Int>? = nil, detector: PIIDetector,
                kinds: Set<PIIDetector.Kind> = Set(PIIDetector.Kind.allCases)) {
        let range = (range ?? records.indices).clamped(to: records.indices)
        var results: [[PIIDetector.Finding]] = []
        results.reserveCapacity(range.count)
        let start = Date()
        for i in range { results.append(detector.findings(in: records[i].full_text, kinds: kinds)) }
        seconds = Date().timeIntervalSince(start)

        for (i, findings) in zip(range, results) {
            let r = records[i]
            let scalars = Array(r.full_text.unicodeScalars)
            let found = findings.map { ($0.kind, Self.scalarRange(r.full_text, bytes: $0.range), $0.text) }
            let labels: [(PIIDetector.Kind, Range<Int>)] = (r.spans ?? []).compactMap { s in
                guard s.start_position >= 0, s.start_position < s.end_position, s.end_position <= scalars.count,
                      let k = Self.goldKind(s, in: scalars), kinds.contains(k) else { return nil }
                return (k, s.start_position..<s.end_position)
            }
            for (kind, range, text) in found {
                perKind[kind, default: Counts()].found += 1
                if labels.contains(where: { $0.0 == kind && $0.1.overlaps(range) }) {
                    perKind[kind, default: Counts()].right += 1
                } else {
                    let other = (r.spans ?? []).first { (s: Record.Span) in range.overlaps(s.start_position..<max(s.start_position, s.end_position)) }
                    wrong.append("#\(i) \(kind.rawValue): \(text)\(other.map { " (labelled \($0.entity_type))" } ?? "")")
                }
            }
            var allCaught = true
            for (kind, range) in labels {
                perKind[kind, default: Counts()].labelled += 1
                if found.contains(where: { $0.0 == kind && $0.1.overlaps(range) }) {
                    perKind[kind, default: Counts()].caught += 1
                } else {
                    let text = String(String.UnicodeScalarView(scalars[range]))
                    misses.append("#\(i) \(kind.rawValue): \(text)\(found.contains { $0.1.overlaps(range) } ? " (found as another kind)" : "")")
                }
                if !found.contains(where: { $0.1.overlaps(range) }) { allCaught = false }
            }
            if !labels.isEmpty {
                withPII += 1
                if !found.isEmpty { flagged += 1 } else { unflagged.append("#\(i): \(r.full_text)") }
                if allCaught { complete += 1 }
            } else if (r.spans ?? []).isEmpty {
                clean += 1
                if !found.isEmpty { falseAlarms += 1 }
            } else {
                otherOnly += 1
                if !found.isEmpty { otherFlagged += 1 }
            }
        }
    }

    /// UTF-8 byte offsets → Unicode scalar offsets (the labels count scalars).
    public static func scalarRange(_ text: String, bytes: Range<Int>) -> Range<Int> {
        var scalar = 0, byte = 0
        var lower = 0
        for u in text.unicodeScalars {
            if byte == bytes.lowerBound { lower = scalar }
            if byte >= bytes.upperBound { break }
            byte += u.utf8.count
            scalar += 1
        }
        return lower..<scalar
    }
}
