/// Government identity numbers named as such: an ID-looking token (5–20 letters, digits and
/// dashes, at least 5 digits) shortly after a cue ("driver's license number is 6940579",
/// "passport no. X1234567", "Personalausweis: L01X00T47", "SSN 123456789"). The formats
/// differ by country and most have no check digit, so the cue is what makes them personal
/// data; the US SSN shape (ddd-dd-dddd) is recognised by `PIIDetector` without a cue.
struct NationalIDDetector {
    static let cues = [
        "driver's license", "driver’s license", "drivers license", "driver license", "driving licence", "driver's licence",
        "license number", "licence number", "license no", "licence no", "passport", "social security", "ssn", "national id",
        "national insurance", "id number", "id no", "identity number", "identity card", "id card", "tax id", "taxpayer id",
        "nino", "personnummer", "henkilötunnus", "personalausweis", "steuer-id", "dni", "nif", "cpf",
        "codice fiscale", "bsn", "aadhaar", "medicare number", "health card",
    ]
    static let window = 32

    /// Byte ranges of identity numbers in `b` (UTF-8).
    func find(_ b: [UInt8]) -> [Range<Int>] {
        CueScan.find(b, cues: Self.cues, window: Self.window,
                     startsValue: { l, j in !DateOfBirthDetector.isAlnum(l[j - 1]) && l[j - 1] != UInt8(ascii: "-") },
                     value: { _, j in Self.token(b, at: j) })
    }

    /// An ID-looking token at `i`: letters, digits and inner dashes or single spaces between
    /// digit groups, 5–20 characters, at least 5 digits.
    static func token(_ b: [UInt8], at i: Int) -> Range<Int>? {
        var e = i, digits = 0
        while e < b.count, e - i < 24 {
            let c = b[e]
            if DateOfBirthDetector.isDigit(c) { digits += 1; e += 1; continue }
            if (c >= 65 && c <= 90) || (c >= 97 && c <= 122) { e += 1; continue }
            if c == UInt8(ascii: "-") || c == UInt8(ascii: " "), e > i, e + 1 < b.count, DateOfBirthDetector.isDigit(b[e + 1]),
               DateOfBirthDetector.isDigit(b[e - 1]) || c == UInt8(ascii: "-") {
                e += 1
                continue
            }
            break
        }
        guard digits >= 5, (5...20).contains(e - i), e >= b.count || !(b[e] >= 0x80) else { return nil }
        return i..<e
    }
}
