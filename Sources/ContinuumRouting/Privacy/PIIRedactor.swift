/// Replaces personal data with numbered placeholders before a request leaves the allowed
/// tiers, and puts it back in the answer (the gateway's `redact` mode). Pure; one instance
/// per request, so every message of a chat shares one mapping: the same value of the same
/// kind gets the same placeholder everywhere in the request ("[EMAIL_1]" in the system prompt
/// and in the third user turn), and the answer can refer to it.
///
/// Placeholders are `[KIND_N]` (`[EMAIL_1]`, `[PERSON_2]`, `[DATE_OF_BIRTH_1]`): upper-case
/// ASCII in square brackets, which models copy verbatim and which ordinary prose does not
/// contain. Text that already looks like one of our placeholders is itself mapped (to itself,
/// or to a fresh number when that one is taken), so `restore(redact(x)) == x` for every text.
public struct PIIRedactor: Sendable {
    /// Placeholder → original text, for every placeholder issued so far.
    public private(set) var originals: [String: String] = [:]
    private var issued: [Key: String] = [:]
    private var counters: [String: Int] = [:]

    private struct Key: Hashable { let label: String; let value: String }

    public init() {}

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The placeholder label of a kind: its raw value in upper case ("street_address" → "STREET_ADDRESS").
    public static func label(_ kind: PIIDetector.Kind) -> String { kind.rawValue.uppercased() }

    /// `text` with every finding replaced by its placeholder. Findings must come from
    /// `PIIDetector.findings(in: text)` (byte ranges in this text); overlapping findings are
    /// merged into one placeholder (the first one's kind).
    public mutating func redact(_ text: String, findings: [PIIDetector.Finding]) throws(Error) -> String {
        let b = Array(text.utf8)
        for f in findings {
            guard f.range.lowerBound >= 0, f.range.upperBound <= b.count, b[f.range].elementsEqual(f.text.utf8) else {
                throw Error(description: "finding \(f.kind.rawValue) at bytes \(f.range) is not in this text (\(b.count) bytes)")
            }
        }
        // Spans to replace: the findings, and text that looks like our own placeholders.
        var spans: [(range: Range<Int>, label: String, literal: Bool)] = findings.map { ($0.range, Self.label($0.kind), false) }
        spans += Self.placeholderLike(b).map { ($0.range, $0.label, true) }
        // Other occurrences of a value found here or earlier in the request ("Hakuba had given
        // Hakuba…": a detector may see a name in one place only).
        var known: [String: String] = [:]  // value → label
        for (k, p) in issued where originals[p] != p { known[k.value] = k.label }
        for f in findings { known[f.text] = Self.label(f.kind) }
        for (value, label) in known where value.utf8.count >= 3 {
            for r in Self.occurrences(of: Array(value.utf8), in: b) where !spans.contains(where: { $0.range.overlaps(r) }) {
                spans.append((r, label, false))
            }
        }
        spans.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.range.count > $1.range.count) }
        var merged: [(range: Range<Int>, label: String, literal: Bool)] = []
        for s in spans {
            if let last = merged.last, s.range.lowerBound < last.range.upperBound {
                merged[merged.count - 1].range = last.range.lowerBound..<max(last.range.upperBound, s.range.upperBound)
                merged[merged.count - 1].literal = false
            } else {
                merged.append(s)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var at = 0
        for s in merged {
            out += b[at..<s.range.lowerBound]
            let value = String(decoding: b[s.range], as: UTF8.self)
            out += placeholder(label: s.label, value: value, preferring: s.literal ? value : nil).utf8
            at = s.range.upperBound
        }
        out += b[at...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Scans `text` with `detector` for `kinds` and redacts what it finds.
    public mutating func redact(_ text: String, detector: PIIDetector, kinds: Set<PIIDetector.Kind>) -> String {
        let findings = detector.findings(in: text, kinds: kinds).filter { kinds.contains($0.kind) }
        // The findings are this text's own, so the check in redact(_:findings:) cannot fail.
        return (try? redact(text, findings: findings)) ?? text
    }

    /// `text` with every placeholder of this request replaced by its original; other
    /// bracketed text is left as it is.
    public func restore(_ text: String) -> String {
        var r = restorer()
        return r.feed(text) + r.finish()
    }

    /// A streaming restorer over this request's placeholders, for answers that arrive in chunks.
    public func restorer() -> PlaceholderRestorer { PlaceholderRestorer(originals: originals) }

    /// The placeholder of `value`; a new one is `preferring` (text that is already
    /// placeholder-shaped keeps its own name when it is free) or the label's next free number.
    private mutating func placeholder(label: String, value: String, preferring: String?) -> String {
        let key = Key(label: label, value: value)
        if let p = issued[key] { return p }
        var p: String
        if let preferring, originals[preferring] == nil {
            p = preferring
        } else {
            var n = counters[label, default: 0]
            repeat {
                n += 1
                p = "[\(label)_\(n)]"
            } while originals[p] != nil
            counters[label] = n
        }
        issued[key] = p
        originals[p] = value
        return p
    }

    /// Where `needle` occurs in `b` as whole words (no letter or digit right before or after).
    static func occurrences(of needle: [UInt8], in b: [UInt8]) -> [Range<Int>] {
        guard let first = needle.first, needle.count <= b.count else { return [] }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0x80 }
        var out: [Range<Int>] = []
        var i = 0
        while i + needle.count <= b.count {
            if b[i] == first, b[i..<(i + needle.count)].elementsEqual(needle),
               i == 0 || !alnum(b[i - 1]) || !alnum(first), i + needle.count == b.count || !alnum(b[i + needle.count]) || !alnum(needle.last!) {
                out.append(i..<(i + needle.count))
                i += needle.count
            } else {
                i += 1
            }
        }
        return out
    }

    /// "[EMAIL_3]"-shaped text with one of our labels, already in the input.
    static func placeholderLike(_ b: [UInt8]) -> [(range: Range<Int>, label: String)] {
        var out: [(range: Range<Int>, label: String)] = []
        for i in b.indices where b[i] == UInt8(ascii: "[") {
            var e = i + 1
            while e < b.count, e - i <= PlaceholderRestorer.maxLength, b[e] != UInt8(ascii: "]") { e += 1 }
            guard e < b.count, b[e] == UInt8(ascii: "]") else { continue }
            let inner = String(decoding: b[(i + 1)..<e], as: UTF8.self)
            guard let us = inner.lastIndex(of: "_"), let n = Int(inner[inner.index(after: us)...]), n > 0,
                  inner[inner.index(after: us)...] == "\(n)", labels.contains(String(inner[..<us])) else { continue }
            out.append((i..<(e + 1), String(inner[..<us])))
        }
        return out
    }

    static let labels = Set(PIIDetector.Kind.allCases.map(label))
}
