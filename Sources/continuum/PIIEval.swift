import ArgumentParser
import ContinuumRouting
import Foundation

/// Scores the PII detector on labelled text (presidio-research's synthetic set): per kind,
/// precision and recall of spans (a detection counts when it overlaps a labelled span of
/// the matching type), and per request, whether any personal data was found.
struct PIIEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pii-eval",
        abstract: "Measure the PII detector on labelled sentences (default: ../shared/data/pii/presidio_synth_dev.json).")

    @Option(help: "Labelled JSON: [{full_text, spans: [{entity_type, start_position, end_position}]}].")
    var data = "../shared/data/pii/presidio_synth_dev.json"
    @Flag(help: "List the misses and false alarms.") var verbose = false
    @Option(help: "Print what the detector finds in this text and stop.") var show: String?
    @Option(help: "First names, one per line (default: ~/.cache/continuum/data/first-names.txt from scripts/fetch-names.sh, if there).")
    var firstNames: String?

    /// Which labelled types each kind is scored against.
    static let gold: [PIIDetector.Kind: Set<String>] = [
        .email: ["EMAIL_ADDRESS"], .phone: ["PHONE_NUMBER"], .paymentCard: ["CREDIT_CARD"], .iban: ["IBAN_CODE"],
        .nationalID: ["US_SSN", "US_DRIVER_LICENSE"], .ipAddress: ["IP_ADDRESS"], .credential: [], .streetAddress: ["STREET_ADDRESS"], .person: ["PERSON"],
    ]

    struct Record: Decodable {
        struct Span: Decodable { let entity_type: String; let start_position: Int; let end_position: Int }
        let full_text: String
        let spans: [Span]?
    }

    func run() throws {
        let names = try loadFirstNames()
        if let show {
            for f in PIIDetector(firstNames: names).findings(in: show) { print("\(f.kind.rawValue)\t\(f.text)") }
            return
        }
        let records: [Record]
        do {
            records = try JSONDecoder().decode([Record].self, from: Data(contentsOf: URL(fileURLWithPath: data)))
        } catch {
            throw ValidationError("cannot read \(data): \(error)")
        }
        let detector = PIIDetector(firstNames: names)
        print("first names: \(names.isEmpty ? "none (run scripts/fetch-names.sh)" : "\(names.count)")\n")
        let inScope = Set(Self.gold.values.flatMap { $0 })
        var tp: [PIIDetector.Kind: Int] = [:], found: [PIIDetector.Kind: Int] = [:], hit: [PIIDetector.Kind: Int] = [:], total: [PIIDetector.Kind: Int] = [:]
        var withPII = 0, caught = 0, clean = 0, falseAlarms = 0
        let start = Date()
        for r in records {
            let spans = r.spans ?? []
            let findings = detector.findings(in: r.full_text).map { f in (f.kind, Self.scalarRange(r.full_text, bytes: f.range), f.text) }
            for (kind, range, text) in findings {
                found[kind, default: 0] += 1
                if spans.contains(where: { Self.gold[kind]!.contains($0.entity_type) && range.overlaps($0.start_position..<$0.end_position) }) {
                    tp[kind, default: 0] += 1
                } else if verbose {
                    print("false alarm \(kind.rawValue): \(text)")
                }
            }
            for (kind, types) in Self.gold {
                for s in spans where types.contains(s.entity_type) {
                    total[kind, default: 0] += 1
                    if findings.contains(where: { $0.0 == kind && $0.1.overlaps(s.start_position..<s.end_position) }) {
                        hit[kind, default: 0] += 1
                    } else if verbose {
                        let t = Array(r.full_text.unicodeScalars)
                        print("missed \(s.entity_type): \(String(String.UnicodeScalarView(t[s.start_position..<min(t.count, s.end_position)])))")
                    }
                }
            }
            if spans.contains(where: { inScope.contains($0.entity_type) }) {
                withPII += 1
                if !findings.isEmpty { caught += 1 }
            }
            if spans.isEmpty {
                clean += 1
                if !findings.isEmpty { falseAlarms += 1 }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("| kind | labelled as | labelled | found | precision | recall |")
        print("|---|---|---:|---:|---:|---:|")
        for kind in PIIDetector.Kind.allCases {
            let p = found[kind, default: 0] == 0 ? "–" : String(format: "%.3f", Double(tp[kind, default: 0]) / Double(found[kind]!))
            let rc = total[kind, default: 0] == 0 ? "–" : String(format: "%.3f", Double(hit[kind, default: 0]) / Double(total[kind]!))
            print("| \(kind.rawValue) | \(Self.gold[kind]!.sorted().joined(separator: ", ")) | \(total[kind, default: 0]) | \(found[kind, default: 0]) | \(p) | \(rc) |")
        }
        print(String(format: "\nrequests with PII of these kinds: %d, caught %d (request-level recall %.3f)", withPII, caught,
                     withPII == 0 ? 0 : Double(caught) / Double(withPII)))
        print(String(format: "requests without any labelled entity: %d, flagged %d (false-alarm rate %.3f)", clean, falseAlarms,
                     clean == 0 ? 0 : Double(falseAlarms) / Double(clean)))
        print(String(format: "%d records in %.1f ms (%.1f µs per record)", records.count, seconds * 1000, seconds * 1e6 / Double(max(1, records.count))))
    }

    private func loadFirstNames() throws -> Set<String> {
        let path = firstNames ?? NSHomeDirectory() + "/.cache/continuum/data/first-names.txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if firstNames != nil { throw ValidationError("cannot read --first-names \(path)") }
            return []
        }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }

    /// UTF-8 byte offsets → Unicode scalar offsets (the labels count scalars).
    static func scalarRange(_ text: String, bytes: Range<Int>) -> Range<Int> {
        var scalar = 0, byte = 0
        var lower = 0
        for u in text.unicodeScalars {
            if byte == bytes.lowerBound { lower = scalar }
            if byte >= bytes.upperBound { break }
            byte += String(u).utf8.count
            scalar += 1
        }
        return lower..<scalar
    }
}
