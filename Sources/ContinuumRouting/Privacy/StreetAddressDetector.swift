/// Street addresses: a house number, up to four capitalised words and a street word
/// ("6750 Koskikatu 25", "18 McPherson Road", "3968 Bay Street", "Apt. 864"), in English and a
/// few common European forms. Deliberately broad (fail-closed): a false alarm keeps a
/// request on the device, a miss sends an address to the cloud.
struct StreetAddressDetector {
    static let streetWords: Set<String> = [
        "street", "st", "road", "rd", "avenue", "ave", "av", "drive", "dr", "lane", "ln", "boulevard", "blvd", "way",
        "court", "ct", "place", "pl", "terrace", "square", "sq", "parkway", "pkwy", "highway", "hwy", "circle", "cir",
        "trail", "crescent", "close", "grove", "gardens", "park", "row", "hill", "walk", "mews", "alley", "plaza",
        "strasse", "straße", "str", "weg", "gasse", "platz", "allee", "rue", "via", "calle", "avenida", "rua", "katu",
        "tie", "gatan", "vej", "laan", "straat", "ulica", "utca", "ut", "cesta", "ulitsa", "odos", "sokak",
    ]
    static let unitWords: Set<String> = ["apt", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "po", "psc", "box", "postbox"]
    /// Capitalised words that precede a number without making an address.
    static let notStreets: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "chapter", "page", "room", "step", "part", "version", "windows", "iphone", "level", "grade", "class",
        "section", "table", "figure", "item", "number", "no", "the", "in", "on", "at", "since", "from", "to", "by", "for",
        "and", "or", "of", "year", "day", "week", "month", "game", "season", "episode", "volume", "vol", "act", "phase",
        "covid", "top", "over", "under", "about", "around", "after", "before", "until", "age", "aged", "i", "we", "you",
    ]

    /// Byte ranges of addresses in `b`.
    func find(_ b: [UInt8]) -> [Range<Int>] {
        let words = Self.words(b)
        var out: [Range<Int>] = []
        var i = 0
        while i < words.count {
            let w = words[i]
            let lower = w.text.lowercased()
            // "Apt. 864", "Suite 019"
            if Self.unitWords.contains(Self.stripDots(lower)), i + 1 < words.count, words[i + 1].isNumber {
                out.append(w.range.lowerBound..<words[i + 1].range.upperBound)
                i += 2
                continue
            }
            // "Allika 46", "Via Franscini 71", "Erzsébet tér 19.": capitalised words, then a house number.
            if !w.isNumber, let first = w.text.unicodeScalars.first, first.properties.isUppercase, !w.text.hasSuffix(":"),
               !Self.notStreets.contains(Self.stripDots(lower)), !(i > 0 && words[i - 1].isNumber) {
                var j = i + 1
                var n = 0
                while j < words.count, n < 2, !words[j].isNumber, words[j].text.count <= 20, Self.canBeInStreetName(words[j].text) {
                    j += 1
                    n += 1
                }
                // One word alone before the number ("Allika 46") must not be a common word
                // ("Each 16", "If 160"), a possessive, or an answer option ("A) 19").
                let alone = n == 0 && (NameLexicon.common.contains(Self.stripDots(lower)) || lower.hasSuffix("'s")
                                       || w.text.hasSuffix(")") || w.text.hasSuffix(",") || w.text.count == 1)
                // The house number: digits, perhaps one letter ("12B"), not an ordinal ("its 10th").
                if !alone, j < words.count, words[j].isNumber, words[j].text.count <= 5, words[j].text.first != "0",
                   words[j].text.filter(\.isLetter).count <= 1, !words[j].text.hasSuffix("th") {
                    out.append(w.range.lowerBound..<words[j].range.upperBound)
                    i = j + 1
                    continue
                }
            }
            guard w.isNumber, w.text.count <= 6 else { i += 1; continue }
            // number [number] Capitalised{1,4} street-word, or number Capitalised+street compound ("Koskikatu")
            var j = i + 1
            if j < words.count, words[j].isNumber { j += 1 }
            var capitals = 0
            var end: Int?
            while j < words.count, capitals <= 4 {
                let t = words[j].text
                let tl = Self.stripDots(t.lowercased())
                if Self.streetWords.contains(tl) && capitals >= 1 { end = words[j].range.upperBound; break }
                guard let first = t.unicodeScalars.first, first.properties.isUppercase else { break }
                capitals += 1
                if Self.streetWords.contains(where: { tl.hasSuffix($0) && tl.count > $0.count + 2 }) { end = words[j].range.upperBound }
                j += 1
            }
            if let end {
                out.append(w.range.lowerBound..<end)
                i = j + 1
            } else {
                i += 1
            }
        }
        return out
    }

    /// Lower-case words found inside street names ("Erzsébet tér", "Rua do Ouvidor", "Via della
    /// Spiga", "Am Markt"): an allow-list, because "any short word" made "He runs 60" and
    /// "Sarah does 4" (every other GSM8K question) addresses.
    static let streetParticles: Set<String> = [
        "tér", "u", "út", "utca", "kapu", "körút", "do", "da", "dos", "das", "de", "del", "della", "dei", "di", "du", "des", "la", "le",
        "les", "el", "van", "der", "den", "von", "am", "an", "im", "auf", "zum", "zur", "y", "e", "st", "gate", "gata", "gade",
        "vei", "veien", "väg", "vägen", "tee", "iela", "gatve", "ulica", "ul", "bulevar", "sokak", "sk", "cad", "caddesi",
    ]

    /// A word inside a street name: capitalised, or a known particle or street word.
    static func canBeInStreetName(_ w: String) -> Bool {
        if w.first?.isUppercase == true { return !w.hasSuffix(":") }
        let l = stripDots(w.lowercased())
        return streetParticles.contains(l) || streetWords.contains(l)
    }

    static func stripDots(_ s: String) -> String {
        var t = Substring(s)
        while t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    struct Word {
        let text: String
        let range: Range<Int>
        var isNumber: Bool {
            let t = StreetAddressDetector.stripDots(text)
            return t.first?.isNumber == true && t.allSatisfy { $0.isNumber || $0.isLetter } && t.count <= 7
        }
    }

    /// Whitespace- and comma-separated words with their byte ranges.
    static func words(_ b: [UInt8]) -> [Word] {
        var out: [Word] = []
        var s: Int?
        for (k, c) in b.enumerated() {
            let sep = c == 32 || c == 10 || c == 13 || c == 9 || c == 44 || c == 59 || c == 40 || c == 41
            if sep {
                if let st = s { out.append(Word(text: String(decoding: b[st..<k], as: UTF8.self), range: st..<k)); s = nil }
            } else if s == nil {
                s = k
            }
        }
        if let st = s { out.append(Word(text: String(decoding: b[st...], as: UTF8.self), range: st..<b.count)) }
        return out
    }
}
