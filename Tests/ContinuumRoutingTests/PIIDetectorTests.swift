import ContinuumRouting
import Testing

@Suite struct PIIDetectorTests {
    let detector = PIIDetector()

    @Test(arguments: [
        ("write to jane.doe+work@example.co.uk today", PIIDetector.Kind.email, "jane.doe+work@example.co.uk"),
        ("card 4111 1111 1111 1111 expires", .paymentCard, "4111 1111 1111 1111"),
        ("maestro 630427373398 ok", .paymentCard, "630427373398"),
        ("iban GB82 WEST 1234 5698 7654 32 please", .iban, "GB82 WEST 1234 5698 7654 32"),
        ("from GB97LOWW46888763196059 to other bank", .iban, "GB97LOWW46888763196059"),
        ("my SSN is 460-89-9847.", .nationalID, "460-89-9847"),
        ("server at 192.168.10.254 is down", .ipAddress, "192.168.10.254"),
        ("call +1-604-696-5272x565 now", .phone, "+1-604-696-5272x565"),
        ("call (898)666-3621 now", .phone, "(898)666-3621"),
        ("tel 03.93.92.16.85", .phone, "03.93.92.16.85"),
        ("export OPENAI_KEY=sk-proj1234567890abcdefghij", .credential, "sk-proj1234567890abcdefghij"),
        ("send it to 18 McPherson Road Suite 019", .streetAddress, "18 McPherson Road"),
        ("she lives at Via Franscini 71 in Lugano", .streetAddress, "Via Franscini 71"),
    ])
    func findsWhatItShould(text: String, kind: PIIDetector.Kind, match: String) {
        let f = detector.findings(in: text)
        #expect(f.contains { $0.kind == kind && $0.text == match }, "\(f)")
    }

    @Test(arguments: [
        "The meeting is on 2021-03-04 at 10:30 in room B.",
        "Version 1.2.3 fixed 14 bugs; 3.14159 is pi.",
        "4111 1111 1111 1112 fails the Luhn check",
        "999.1.1.1 is not an IPv4 address",
        "We sold 1500000 units in 2023.",
    ])
    func leavesOrdinaryTextAlone(text: String) {
        // The exact kinds only: names and addresses are broad on purpose (fail-closed).
        let f = detector.findings(in: text).filter { $0.kind != .streetAddress && $0.kind != .person }
        #expect(f.isEmpty, "\(f)")
    }

    /// Failed checks do not make a number of that kind (though, fail-closed, a long digit
    /// run may still be flagged as a phone number).
    @Test func failedChecksAreNotThatKind() {
        #expect(!detector.findings(in: "GB82 WEST 1234 5698 7654 33 fails mod 97").contains { $0.kind == .iban })
        #expect(!detector.findings(in: "000-12-3456 is not a valid SSN area").contains { $0.kind == .nationalID })
    }

    @Test(arguments: [
        ("Billing address: Sara Schwarz", ["Sara Schwarz"]),
        ("Tilly Nicholson lives at 10252", ["Tilly Nicholson"]),
        ("Unlike the Jensen novel, it's not long.", ["Jensen"]),
        ("It was Meza's song.", ["Meza"]),
        ("John said hello.", ["John"]),
        ("Please send the report. It is due today.", []),
        ("Directed By: Johannes F. Varvio", ["Johannes F. Varvio"]),
    ])
    func personNames(text: String, names: [String]) {
        let d = PIIDetector(firstNames: ["john", "sara"])
        #expect(d.findings(in: text).filter { $0.kind == .person }.map(\.text) == names)
    }

    @Test func checksums() {
        #expect(PIIDetector.luhn([4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 7]))
        #expect(!PIIDetector.luhn([4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 8]))
        #expect(PIIDetector.ibanValid(Array("GB82WEST12345698765432".utf8)))
        #expect(!PIIDetector.ibanValid(Array("GB82WEST12345698765433".utf8)))
    }
}
