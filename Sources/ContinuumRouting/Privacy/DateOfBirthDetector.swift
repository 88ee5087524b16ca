/// Dates of birth: a date shortly after a birth cue ("born on 2/8/1935", "DOB: 1990-03-12",
/// "date of birth. It's 6/24/1991", "birthday is March 3rd, 1988", "born in 1985"). An ordinary
/// date ("founded in 1977", "since 12/1/1981", a log timestamp) is not personal data and is
/// left alone; so is a birth cue without a date ("my birthday is on the weekend").
struct DateOfBirthDetector {
    /// Lower-case cues; the date must start within `window` bytes after one.
    static let cues = [
        "date of birth", "birth date", "birthdate", "birthday", "born", "d.o.b", "dob", "geburtsdatum", "geboren",
        "né le", "née le", "fecha de nacimiento", "nacido el", "nacida el", "data di nascita", "data de nascimento",
    ]
    static let window = 40
    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// Byte ranges of dates of birth in `b` (UTF-8).
    func find(_ b: [UInt8]) -> [Range<Int>] {
        let lower = b.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        return CueScan.find(b, cues: Self.cues, window: Self.window,
                            startsValue: { l, j in j == 0 || !Self.isAlnum(l[j - 1]) },
                            value: { cue, j in Self.date(lower, at: j, yearAlone: cue == "born") })
    }

    /// A date starting at `i`: d/m/y or m/d/y or y-m-d (with / - . separators), "12 March
    /// 1990", "March 12, 1990", "March 1990", or (after "born") a year from 1900 to 2099.
    static func date(_ b: [UInt8], at i: Int, yearAlone: Bool) -> Range<Int>? {
        if isDigit(b[i]) {
            let (a, ae) = number(b, i)
            // Numeric: three numbers with one kind of separator.
            if ae < b.count, [UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: ".")].contains(b[ae]) {
                let sep = b[ae]
                let (m, me) = number(b, ae + 1)
                if me > ae + 1, me < b.count, b[me] == sep {
                    let (y, ye) = number(b, me + 1)
                    let lens = (ae - i, me - ae - 1, ye - me - 1)
                    if ye > me + 1, plausible(a, lens.0, m, lens.1, y, lens.2) { return i..<ye }
                }
            }
            // "12 March 1990", "12th of March, 1990"
            var k = skipOrdinal(b, ae)
            if (1...2).contains(ae - i), (1...31).contains(a) {
                k = skip(b, k, " ")
                if matches(b, at: k, "of ") { k += 3 }
                if let me = month(b, k) {
                    var e = skip(b, me, " ,.")
                    let (y, ye) = number(b, e)
                    if ye - e == 4, (1900...2099).contains(y) { e = ye } else { e = me }
                    return i..<e
                }
            }
            if yearAlone, ae - i == 4, (1900...2099).contains(a), ae >= b.count || !isAlnum(b[ae]) { return i..<ae }
            return nil
        }
        // "March 12, 1990", "March 1990"
        guard let me = month(b, i) else { return nil }
        var k = skip(b, me, " ,.")
        let (d, de) = number(b, k)
        var end = me
        if (1...2).contains(de - k), (1...31).contains(d) {
            end = skipOrdinal(b, de)
            k = skip(b, end, " ,")
        }
        let (y, ye) = number(b, k)
        if ye - k == 4, (1900...2099).contains(y) { return i..<ye }
        return end > me ? i..<end : nil
    }

    static func plausible(_ a: Int, _ la: Int, _ b: Int, _ lb: Int, _ c: Int, _ lc: Int) -> Bool {
        if la == 4 { return (1...12).contains(b) && (1...31).contains(c) && lb <= 2 && lc <= 2 }  // y-m-d
        guard la <= 2, lb <= 2, lc == 2 || lc == 4 else { return false }
        return (1...31).contains(a) && (1...31).contains(b) && (a <= 12 || b <= 12)  // d/m/y or m/d/y
    }

    static func month(_ b: [UInt8], _ i: Int) -> Int? {
        for m in months where matches(b, at: i, m) {
            var e = i + m.utf8.count
            if e < b.count, b[e] == UInt8(ascii: ".") { e += 1 }
            if e >= b.count || !isLetter(b[e]) { return e }
        }
        return nil
    }

    static func number(_ b: [UInt8], _ i: Int) -> (Int, Int) {
        var v = 0, e = i
        while e < b.count, e - i < 5, isDigit(b[e]) { v = v * 10 + Int(b[e] - 48); e += 1 }
        return (v, e)
    }

    static func skipOrdinal(_ b: [UInt8], _ i: Int) -> Int {
        for s in ["st", "nd", "rd", "th"] where matches(b, at: i, s) { return i + 2 }
        return i
    }

    static func skip(_ b: [UInt8], _ i: Int, _ chars: String) -> Int {
        var k = i
        while k < b.count, chars.utf8.contains(b[k]) { k += 1 }
        return k
    }

    static func matches(_ b: [UInt8], at i: Int, _ s: String) -> Bool {
        var k = i
        for c in s.utf8 {
            guard k < b.count, b[k] == c else { return false }
            k += 1
        }
        return true
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isLetter(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 0x80 }
    static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }
}
