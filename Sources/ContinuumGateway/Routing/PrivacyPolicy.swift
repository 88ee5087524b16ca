import ContinuumOpenAI
public import ContinuumRouting

/// Keeps personal data on the tiers allowed to see it: a request whose text contains any of
/// `kinds` is answered only by backends in `tiers` (and in its key's tiers); when the model
/// has none there it is refused, never sent further. Person names are not in the default
/// kinds: the name detector is broad (docs/EVALUATION.md) and would hold back ordinary
/// questions about places. In `redact` mode a request that has to leave the allowed tiers
/// goes with placeholders instead of the personal data, and the answer gets them back.
public struct PrivacyPolicy: Sendable {
    public enum Mode: String, Sendable, Equatable {
        /// Answer only on the allowed tiers; refuse when the model has none there.
        case refuse
        /// Answer on the allowed tiers when possible, else send placeholders further.
        case redact
    }

    public var enabled: Bool
    public var mode: Mode
    public var tiers: Set<Tier>
    public var kinds: Set<PIIDetector.Kind>
    public let detector: PIIDetector

    public static let defaultKinds: Set<PIIDetector.Kind> = [.email, .phone, .paymentCard, .iban, .nationalID, .ipAddress,
                                                             .credential, .streetAddress, .dateOfBirth]

    public init(enabled: Bool = true, tiers: Set<Tier> = [.device], kinds: Set<PIIDetector.Kind> = Self.defaultKinds,
                detector: PIIDetector = PIIDetector(), mode: Mode = .refuse) {
        self.enabled = enabled
        self.mode = mode
        self.tiers = tiers
        self.kinds = kinds
        self.detector = detector
    }

    /// The personal-data kinds found in `text` (sorted, for messages), or [] when off.
    public func kinds(in text: String) -> [PIIDetector.Kind] {
        guard enabled else { return [] }
        let found = Set(detector.findings(in: text, kinds: kinds).map(\.kind)).intersection(kinds)
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}
