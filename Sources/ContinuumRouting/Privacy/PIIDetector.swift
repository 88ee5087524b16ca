/// Finds personal data in text, for the privacy policy (a request with personal data must
/// not leave the tiers it is allowed). Pure and deterministic; checks what can be checked:
/// payment cards by Luhn, IBANs by their mod-97 check, IPv4 octets by range. Scans bytes
/// (UTF-8), so offsets are byte offsets.
///
/// Kinds and what they match:
/// - `email`: local@domain.tld
/// - `phone`: 7–15 digits in groups (spaces, dots, dashes, parentheses, a leading +), not a card
/// - `paymentCard`: 13–19 digits (spaces or dashes between groups) passing Luhn
/// - `iban`: country letters, 2 check digits, 11–30 letters/digits, passing mod 97
/// - `nationalID`: US SSN ddd-dd-dddd (not 000/666/9xx area); any ID-looking number after a cue
///   such as "driver's license", "passport", "national insurance" (see NationalIDDetector)
/// - `ipAddress`: IPv4 a.b.c.d with every octet ≤ 255
/// - `credential`: API-key-looking tokens (sk-…, ghp_…, AKIA…, xox…-, long base62 after key=/token=/password=)
/// - `streetAddress`: a house number, capitalised words and a street word, or "Apt./Suite N"
/// - `person`: capitalised words by shape and position (see PersonNameDetector)
/// - `dateOfBirth`: a date after a birth cue ("born on", "DOB", "date of birth"; see DateOfBirthDetector)
public struct PIIDetector: Sendable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case email, phone, paymentCard = "payment_card", iban, nationalID = "national_id", ipAddress = "ip_address"
        case credential, streetAddress = "street_address", person, dateOfBirth = "date_of_birth"
    }

    public struct Finding: Sendable, Equatable {
        public let kind: Kind
        /// Byte offsets in the UTF-8 text.
        public let range: Range<Int>
        public let text: String

        public init(kind: Kind, range: Range<Int>, text: String) {
            self.kind = kind
            self.range = range
            self.text = text
        }
    }

    /// Lower-cased first names (e.g. the census lists of scripts/fetch-names.sh); optional.
    public let firstNames: Set<String>

    public init(firstNames: Set<String> = []) {
        self.firstNames = firstNames
    }

    /// Personal data in `text`; `kinds` limits the (costlier) scans for addresses and names
    /// to when they are wanted.
    public func findings(in text: String, kinds: Set<Kind> = Set(Kind.allCases)) -> [Finding] {
        let b = Array(text.utf8)
        var out: [Finding] = []
        out += emails(b)
        out += NationalIDDetector().find(b).filter { r in !out.contains { $0.range.overlaps(r) } }.map { finding(.nationalID, b, $0) }
        if kinds.contains(.dateOfBirth) {
            out += DateOfBirthDetector().find(b).filter { r in !out.contains { $0.range.overlaps(r) } }.map { finding(.dateOfBirth, b, $0) }
        }
        out += digitRuns(b, taken: out)
        out += ibans(b)
        out += credentials(b)
        if kinds.contains(.streetAddress) {
            out += StreetAddressDetector().find(b).filter { r in !out.contains { $0.range.overlaps(r) && $0.kind != .phone } }
                .map { finding(.streetAddress, b, $0) }
        }
        if kinds.contains(.person) {
            out += PersonNameDetector(firstNames: firstNames).find(text)
                .filter { r in !out.contains { $0.range.lowerBound <= r.lowerBound && r.upperBound <= $0.range.upperBound } }
                .map { finding(.person, b, $0) }
        }
        return out.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Whether any personal data is in `text`.
    public func containsPII(_ text: String) -> Bool { !findings(in: text).isEmpty }

    // MARK: scanners

    private func emails(_ b: [UInt8]) -> [Finding] {
        var out: [Finding] = []
        for at in b.indices where b[at] == UInt8(ascii: "@") {
            var s = at
            while s > 0, isLocal(b[s - 1]) { s -= 1 }
            var e = at + 1
            var dots = 0
            while e < b.count, isDomain(b[e]) { if b[e] == UInt8(ascii: ".") { dots += 1 }; e += 1 }
            while e > at + 1, b[e - 1] == UInt8(ascii: ".") { e -= 1; dots -= 1 }
            guard s < at, dots >= 1, e > at + 3 else { continue }
            out.append(finding(.email, b, s..<e))
        }
        return out
    }

    /// Digit runs with separators: cards, SSNs, IPv4 addresses, phone numbers.
    private func digitRuns(_ b: [UInt8], taken: [Finding]) -> [Finding] {
        var out: [Finding] = []
        var i = 0
        while i < b.count {
            guard isDigit(b[i]) || (b[i] == UInt8(ascii: "+") && i + 1 < b.count && isDigit(b[i + 1]))
                    || (b[i] == UInt8(ascii: "(") && i + 1 < b.count && isDigit(b[i + 1])) else { i += 1; continue }
            if i > 0, isWordByte(b[i - 1]) { i += 1; continue }  // inside a word or identifier
            var e = i
            var digits = 0
            while e < b.count {
                if isDigit(b[e]) { digits += 1; e += 1; continue }
                if [UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+")].contains(b[e]),
                   e + 1 < b.count, isDigit(b[e + 1]) || (b[e] == UInt8(ascii: ")") && b[e + 1] == UInt8(ascii: " ")) {
                    e += 1
                    continue
                }
                break
            }
            while e > i, !isDigit(b[e - 1]) { e -= 1 }
            // A phone extension: "x459", " ext. 12".
            var ext = e
            if ext < b.count, b[ext] == UInt8(ascii: "x") { ext += 1 } else if ext + 4 < b.count,
                String(decoding: b[ext..<(ext + 4)], as: UTF8.self).lowercased() == " ext" {
                ext += 4
                while ext < b.count, b[ext] == UInt8(ascii: ".") || b[ext] == UInt8(ascii: " ") { ext += 1 }
            }
            var extDigits = 0
            while ext + extDigits < b.count, isDigit(b[ext + extDigits]) { extDigits += 1 }
            let hasExtension = ext > e && extDigits > 0
            defer { i = max(hasExtension ? ext + extDigits : e, i + 1) }
            if !hasExtension, e < b.count, isLetter(b[e]) { continue }  // e.g. "3rd", a product code
            // A house number: digits then a capitalised word ("975 3968 Bay Street") belong to an address.
            let houseNumber = e + 1 < b.count && b[e] == UInt8(ascii: " ") && b[e + 1] >= 65 && b[e + 1] <= 90
            let run = Array(b[i..<e])
            if taken.contains(where: { $0.range.overlaps(i..<e) }) { continue }
            if let k = classify(run, digits: digits, houseNumber: houseNumber) {
                out.append(finding(k, b, i..<(k == .phone && hasExtension ? ext + extDigits : e)))
            }
        }
        return out
    }

    private func classify(_ run: [UInt8], digits: Int, houseNumber: Bool) -> Kind? {
        let text = String(decoding: run, as: UTF8.self)
        let ds = run.filter(isDigit).map { Int($0 - 48) }
        let seps = Set(run.filter { !isDigit($0) })
        // IPv4
        if seps == [UInt8(ascii: ".")] {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && Int($0)! <= 255 }) { return .ipAddress }
            // "03.93.92.16.85": a phone written with dots; else a decimal number or a version.
            if (9...12).contains(digits), parts.count >= 3, parts.allSatisfy({ (2...4).contains($0.count) }) { return .phone }
            return nil
        }
        // US SSN
        if run.count == 11, run[3] == UInt8(ascii: "-"), run[6] == UInt8(ascii: "-"), digits == 9 {
            let area = ds[0] * 100 + ds[1] * 10 + ds[2]
            if area != 0 && area != 666 && area < 900 { return .nationalID }
        }
        // Payment card
        if (12...19).contains(digits), seps.isSubset(of: [UInt8(ascii: " "), UInt8(ascii: "-")]), Self.luhn(ds) { return .paymentCard }
        // Dates and times look like digit runs too; leave them.
        if Self.looksLikeDate(text) || Self.startsWithISODate(run) { return nil }
        // Phone
        if !houseNumber, (7...15).contains(digits), digits < run.count || run.first == UInt8(ascii: "+") || digits >= 10 {
            return .phone
        }
        return nil
    }

    private func ibans(_ b: [UInt8]) -> [Finding] {
        var out: [Finding] = []
        var i = 0
        while i + 15 <= b.count {
            guard isLetter(b[i]), isLetter(b[i + 1]), isDigit(b[i + 2]), isDigit(b[i + 3]), i == 0 || !isWordByte(b[i - 1]) else { i += 1; continue }
            var e = i + 4
            var chars = 4
            while e < b.count, chars < 34 {
                if isAlnum(b[e]) { chars += 1; e += 1; continue }
                if b[e] == UInt8(ascii: " "), e + 1 < b.count, isAlnum(b[e + 1]) { e += 1; continue }
                break
            }
            // The longest prefix that passes the check (the scan may have run into the next word).
            var ends: [Int] = []  // byte end after each alphanumeric character
            var compact: [UInt8] = []
            for j in i..<e where isAlnum(b[j]) { compact.append(b[j]); ends.append(j + 1) }
            var matched: Int?
            if compact.count >= 15 {
                for n in stride(from: min(34, compact.count), through: 15, by: -1) where Self.ibanValid(Array(compact[..<n])) {
                    matched = ends[n - 1]
                    break
                }
            }
            if let end = matched {
                out.append(finding(.iban, b, i..<end))
                i = end
            } else {
                i += 1
            }
        }
        return out
    }

    private func credentials(_ b: [UInt8]) -> [Finding] {
        var out: [Finding] = []
        let prefixes = ["sk-", "sk_live_", "ghp_", "github_pat_", "xoxb-", "xoxp-", "AKIA", "AIza", "ck-"]
        var i = 0
        while i < b.count {
            guard i == 0 || !isWordByte(b[i - 1]) else { i += 1; continue }
            var e = i
            while e < b.count, isAlnum(b[e]) || b[e] == UInt8(ascii: "-") || b[e] == UInt8(ascii: "_") { e += 1 }
            let token = String(decoding: b[i..<e], as: UTF8.self)
            if e - i >= 20, prefixes.contains(where: { token.hasPrefix($0) }), token.utf8.contains(where: isDigit) {
                out.append(finding(.credential, b, i..<e))
            } else if e - i >= 16, i >= 2, token.utf8.contains(where: isDigit), token.utf8.contains(where: isLetter) {
                let before = String(decoding: b[max(0, i - 12)..<i], as: UTF8.self).lowercased()
                if ["key=", "key:", "token=", "token:", "password=", "password:", "secret=", "secret:", "key ", "token "].contains(where: { before.hasSuffix($0) }) {
                    out.append(finding(.credential, b, i..<e))
                }
            }
            i = max(e, i + 1)
        }
        return out
    }

    // MARK: checks

    public static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            var x = d
            if i % 2 == 1 { x *= 2; if x > 9 { x -= 9 } }
            sum += x
        }
        return sum % 10 == 0
    }

    public static func ibanValid(_ chars: [UInt8]) -> Bool {
        let upper = chars.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
        let rotated = Array(upper[4...]) + Array(upper[..<4])
        var r = 0
        for c in rotated {
            if c >= 48 && c <= 57 { r = (r * 10 + Int(c - 48)) % 97 } else if c >= 65 && c <= 90 {
                r = (r * 100 + Int(c - 55)) % 97
            } else { return false }
        }
        return r == 1
    }

    /// "2000-04-16 11:34": an ISO date, perhaps with a time after it.
    static func startsWithISODate(_ r: [UInt8]) -> Bool {
        guard r.count >= 10 else { return false }
        let digitAt = { (k: Int) in r[k] >= 48 && r[k] <= 57 }
        return (0..<4).allSatisfy(digitAt) && r[4] == 45 && digitAt(5) && digitAt(6) && r[7] == 45 && digitAt(8) && digitAt(9)
    }

    static func looksLikeDate(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." || $0 == " " }).map(String.init)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return false }
        let ymd = parts[0].count == 4 && (1...12).contains(b) && (1...31).contains(c)
        let dmy = parts[2].count == 4 && (1...31).contains(a) && (1...31).contains(b)
        return ymd || dmy
    }

    // MARK: bytes

    private func finding(_ k: Kind, _ b: [UInt8], _ r: Range<Int>) -> Finding {
        Finding(kind: k, range: r, text: String(decoding: b[r], as: UTF8.self))
    }
    private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    private func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }
    private func isWordByte(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") || c >= 0x80 }
    private func isLocal(_ c: UInt8) -> Bool { isAlnum(c) || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "%")].contains(c) }
    private func isDomain(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") }
}
