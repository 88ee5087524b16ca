import ContinuumRouting
import Foundation
import Testing

@Suite struct PIIRedactorTests {
    let detector = PIIDetector(firstNames: PresidioData.firstNames)
    let kinds = Set(PIIDetector.Kind.allCases)

    @Test(arguments: [
        ("mail jane@example.com or call +1-604-696-5272", "mail [EMAIL_1] or call [PHONE_1]"),
        ("a@b.io, c@d.io and a@b.io again", "[EMAIL_1], [EMAIL_2] and [EMAIL_1] again"),
        ("card 4111 1111 1111 1111, SSN 460-89-9847", "card [PAYMENT_CARD_1], SSN [NATIONAL_ID_1]"),
        ("She was born on 2/8/1935 in Norway.", "She was born on [DATE_OF_BIRTH_1] in Norway."),
        ("Mr. Leiva lives at 18 McPherson Road", "Mr. [PERSON_1] lives at [STREET_ADDRESS_1]"),
        ("nothing personal here", "nothing personal here"),
        // Text shaped like our placeholders is kept (and comes back) as it was.
        ("see [EMAIL_1] and x@y.org", "see [EMAIL_1] and [EMAIL_2]"),
        ("[1] [email_1] [EMAIL_01] [FOO_1]", "[1] [email_1] [EMAIL_01] [FOO_1]"),
    ])
    func redacts(text: String, redacted: String) {
        var r = PIIRedactor()
        let out = r.redact(text, detector: detector, kinds: kinds)
        #expect(out == redacted)
        #expect(r.restore(out) == text)
    }

    /// One redactor per request: the same value gets the same placeholder in every message.
    @Test func messagesShareOneMapping() {
        var r = PIIRedactor()
        let system = r.redact("The user is jane@example.com.", detector: detector, kinds: kinds)
        let user = r.redact("Write to jane@example.com and bob@example.com; also [EMAIL_1] literally.", detector: detector, kinds: kinds)
        #expect(system == "The user is [EMAIL_1].")
        #expect(user == "Write to [EMAIL_1] and [EMAIL_2]; also [EMAIL_3] literally.")
        #expect(r.originals == ["[EMAIL_1]": "jane@example.com", "[EMAIL_2]": "bob@example.com", "[EMAIL_3]": "[EMAIL_1]"])
        #expect(r.restore("Sent to [EMAIL_2], cc [EMAIL_1]; [EMAIL_3]; [EMAIL_4] is unknown")
                == "Sent to bob@example.com, cc jane@example.com; [EMAIL_1]; [EMAIL_4] is unknown")
    }

    /// A value found once is replaced wherever it occurs in the request, found there or not.
    @Test func everyOccurrenceOfAFoundValue() {
        var r = PIIRedactor()
        let first = r.redact("Hakuba had given Hakuba his address.", detector: detector, kinds: kinds)
        let second = r.redact("Hakuba: thanks, said Hakuba.", detector: detector, kinds: kinds)
        #expect(first == "[PERSON_1] had given [PERSON_1] his address.")
        #expect(second == "[PERSON_1]: thanks, said [PERSON_1].")
    }

    @Test func findingsFromAnotherTextAreRefused() {
        var r = PIIRedactor()
        let f = detector.findings(in: "mail jane@example.com now")
        #expect(throws: PIIRedactor.Error.self) { try r.redact("short", findings: f) }
        #expect(throws: PIIRedactor.Error.self) { try r.redact("mail jane@example.org now", findings: f) }
        #expect(r.originals.isEmpty)
    }

    @Test func overlappingFindingsBecomeOnePlaceholder() throws {
        var r = PIIRedactor()
        let text = "id 123-45-6789 ok"
        let a = PIIDetector.Finding(kind: .nationalID, range: 3..<14, text: "123-45-6789")
        let b = PIIDetector.Finding(kind: .phone, range: 7..<14, text: "45-6789")
        #expect(try r.redact(text, findings: [b, a]) == "id [NATIONAL_ID_1] ok")
        #expect(r.restore("id [NATIONAL_ID_1] ok") == text)
    }

    /// Every presidio record with findings: redacted text has no finding left and restores exactly.
    @Test func roundTripOnPresidio() throws {
        let records = try PresidioData.records()
        var withFindings = 0
        for rec in records {
            let text = rec.full_text
            let findings = detector.findings(in: text)
            guard !findings.isEmpty else { continue }
            withFindings += 1
            var r = PIIRedactor()
            let red = try r.redact(text, findings: findings)
            #expect(r.restore(red) == text, "\(text)")
            for f in findings where f.text.count >= 6 {
                #expect(!red.contains(f.text), "\(f.text) left in \(red)")
            }
            // Streamed in 7-character chunks, the answer restores the same.
            var s = r.restorer()
            var out = ""
            var rest = Substring(red)
            while !rest.isEmpty {
                out += s.feed(String(rest.prefix(7)))
                rest = rest.dropFirst(7)
            }
            #expect(out + s.finish() == text)
        }
        #expect(withFindings > 700)
    }

    /// Streaming: every way to cut the answer in two (and one character at a time) restores
    /// the same as the whole; what is held back stays below the longest placeholder.
    @Test(arguments: [
        "[PERSON_1] wrote to [EMAIL_1] about [EMAIL_12].",
        "[[EMAIL_1]][EMAIL_1[EMAIL_1]]",
        "unknown [EMAIL_9], open [EMAIL_1, ends with [PERSO",
        "[STREET_ADDRESS_1]",
        "ünïcødé [PERSON_1]🙂[EMAIL_1]",
        "[",
        "",
    ])
    func streamingRestoresAcrossEverySplit(answer: String) {
        let originals = ["[PERSON_1]": "Sara Schwarz", "[EMAIL_1]": "sara@example.com", "[EMAIL_12]": "s@x.io",
                         "[STREET_ADDRESS_1]": "18 McPherson Road"]
        var whole = PlaceholderRestorer(originals: originals)
        let expected = whole.feed(answer) + whole.finish()
        let chars = Array(answer)
        for cut in 0...chars.count {
            var r = PlaceholderRestorer(originals: originals)
            let out = r.feed(String(chars[..<cut])) + r.feed(String(chars[cut...])) + r.finish()
            #expect(out == expected, "cut at \(cut)")
        }
        var r = PlaceholderRestorer(originals: originals)
        var out = ""
        for c in chars {
            out += r.feed(String(c))
            #expect(r.heldBack < "[STREET_ADDRESS_1]".utf8.count)
        }
        #expect(out + r.finish() == expected)
    }

    @Test func streamingTable() {
        let originals = ["[EMAIL_1]": "a@b.io", "[PERSON_1]": "Ana Dias"]
        var r = PlaceholderRestorer(originals: originals)
        #expect(r.feed("Hi [PER") == "Hi ")
        #expect(r.heldBack == 4)
        #expect(r.feed("SON_1], mail [EM") == "Ana Dias, mail ")
        #expect(r.feed("AIL_1]. [EMAIL_2] [x] [") == "a@b.io. [EMAIL_2] [x] ")
        #expect(r.finish() == "[")
        #expect(r.feed("[EMAIL_") == "")
        #expect(r.feed("1x]") == "[EMAIL_1x]")
    }
}

/// presidio-research's labelled set in ../shared/data, and the census first names if fetched.
enum PresidioData {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: ".")
    }()

    static var path: String {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/pii/presidio_synth_dev.json").path
    }

    static func records() throws -> [PIIEvaluation.Record] { try PIIEvaluation.load(path) }

    static let firstNamesPath = NSHomeDirectory() + "/.cache/continuum/data/first-names.txt"

    /// The census first names of scripts/fetch-names.sh, or none.
    static let firstNames: Set<String> = {
        guard let text = try? String(contentsOfFile: firstNamesPath, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }()
}
