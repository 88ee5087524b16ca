import ArgumentParser
import ContinuumRouting
import Foundation

/// Scores the PII detector on labelled text (presidio-research's synthetic set): per kind,
/// precision and recall of spans, and per request whether personal data was flagged at all
/// and whether all of it was found (definitions in `PIIEvaluation`).
struct PIIEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pii-eval",
        abstract: "Measure the PII detector on labelled sentences (default: ../shared/data/pii/presidio_synth_dev.json).")

    @Option(help: "Labelled JSON: [{full_text, spans: [{entity_type, start_position, end_position}]}].")
    var data = "../shared/data/pii/presidio_synth_dev.json"
    @Option(help: "Only records FIRST-LAST (0-based, inclusive), e.g. 0-499, to see tuning on one half and testing on the other.")
    var range: String?
    @Option(help: "Scan only these kinds (comma-separated raw names, e.g. the gateway's), not all.")
    var kinds: String?
    @Flag(help: "List the misses and false alarms.") var verbose = false
    @Option(help: "Print what the detector finds in this text and stop.") var show: String?
    @Option(help: "First names, one per line (default: ~/.cache/continuum/data/first-names.txt from scripts/fetch-names.sh, if there).")
    var firstNames: String?

    func run() throws {
        let names = try FirstNames.load(firstNames)
        let detector = PIIDetector(firstNames: names)
        if let show {
            for f in detector.findings(in: show) { print("\(f.kind.rawValue)\t\(f.text)") }
            return
        }
        let records: [PIIEvaluation.Record]
        do { records = try PIIEvaluation.load(data) } catch { throw ValidationError("\(error)") }
        let selected = try parseRange(count: records.count)
        let kindSet = try parseKinds()
        // Once to warm up (page faults, lazy statics), then the timed run.
        _ = PIIEvaluation(records: records, range: selected, detector: detector, kinds: kindSet)
        let e = PIIEvaluation(records: records, range: selected, detector: detector, kinds: kindSet)
        print("first names: \(names.isEmpty ? "none (run scripts/fetch-names.sh)" : "\(names.count)")")
        print("records \(selected.lowerBound)-\(selected.upperBound - 1) of \(records.count)\n")
        if verbose {
            for m in e.misses { print("missed \(m)") }
            for w in e.wrong { print("false alarm \(w)") }
            for u in e.unflagged { print("not flagged \(u.debugDescription)") }
            print()
        }
        print("| kind | labelled as | labelled | found | precision | recall |")
        print("|---|---|---:|---:|---:|---:|")
        for kind in PIIDetector.Kind.allCases where kindSet.contains(kind) {
            let c = e.perKind[kind] ?? .init()
            let p = c.precision.map { String(format: "%.3f", $0) } ?? "–"
            let r = c.recall.map { String(format: "%.3f", $0) } ?? "–"
            let gold = kind == .dateOfBirth ? "DATE_TIME after born/birth" : PIIEvaluation.gold[kind]!.sorted().joined(separator: ", ")
            print("| \(kind.rawValue) | \(gold) | \(c.labelled) | \(c.found) | \(p) | \(r) |")
        }
        print(String(format: "\nrequests with personal data: %d; flagged %d (request-level recall %.3f); all of it found %d (%.3f)",
                     e.withPII, e.flagged, e.flaggedRecall, e.complete, e.completeRecall))
        print(String(format: "requests without any labelled entity: %d, flagged %d (false alarms)", e.clean, e.falseAlarms))
        print(String(format: "requests with only other entities (places, organisations, ages…): %d, flagged %d", e.otherOnly, e.otherFlagged))
        print(String(format: "%d records in %.1f ms (%.1f µs per record)", selected.count, e.seconds * 1000,
                     e.seconds * 1e6 / Double(max(1, selected.count))))
    }

    private func parseRange(count: Int) throws -> Range<Int> {
        guard let range else { return 0..<count }
        let parts = range.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, a <= b, b < count else {
            throw ValidationError("--range must be FIRST-LAST with 0 ≤ FIRST ≤ LAST < \(count), got '\(range)'")
        }
        return a..<(b + 1)
    }

    private func parseKinds() throws -> Set<PIIDetector.Kind> {
        guard let kinds else { return Set(PIIDetector.Kind.allCases) }
        return Set(try kinds.split(separator: ",").map { s in
            guard let k = PIIDetector.Kind(rawValue: s.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--kinds: unknown kind '\(s)' (\(PIIDetector.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return k
        })
    }
}
