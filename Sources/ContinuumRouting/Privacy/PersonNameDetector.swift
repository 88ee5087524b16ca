/// Person names, by shape and context rather than a list of names (names come from every
/// culture: a census list covers 73% of the labelled names in presidio's set).
///
/// A run of adjacent capitalised words (initials included) is a name unless the words say
/// otherwise (`NameLexicon`): a marker word makes the whole run an organisation, place,
/// event or work ("Allstate Insurance Group", "Port Whangarei", "Civil Rights Act"); common
/// words and countries/nationalities are not names themselves, and a run that is mostly
/// common words is a title ("Big Three Killed"). A sentence's first word counts only when a
/// name word follows it, it is possessive ("Meza's") or it is a known first name.
/// Context overrides shape: after an honorific ("Mr. Leiva", "ms. Marcela") or a cue ("my
/// name is", "I'm", "Dear", "Regards,"), the next word is a name even if it is a common word
/// or lower case; in a text with no capital letters at all, a known first name (not a common
/// word) and the word after it are a name ("patricia desrosiers").
struct PersonNameDetector {
    /// Lower-cased first names (census lists): a sentence's first word counts when it is one.
    var firstNames: Set<String> = []

    /// Word sequences (lower case) after which the next word is a name.
    static let cues: [[String]] = [
        ["name", "is"], ["name", "was"], ["name"], ["i", "am"], ["i", "m"], ["called"], ["named"], ["dear"], ["hi"], ["hello"],
        ["hey"], ["thanks"], ["thank", "you"], ["regards"], ["sincerely"], ["cheers"], ["signed"], ["patient"], ["attn"],
    ]

    /// Byte ranges of possible names in the UTF-8 text.
    func find(_ text: String) -> [Range<Int>] {
        let words = Self.words(text)
        let noCapitals = !text.unicodeScalars.contains { $0.properties.isUppercase }
        var out: [Range<Int>] = []
        var k = 0
        while k < words.count {
            let cued = Self.cued(words, k)
            if noCapitals {
                // Lower-cased text: no shape to go by, only cues and the first-name list.
                let w = words[k]
                if w.isWord, !w.contraction, !NameLexicon.common.contains(w.lower), !NameLexicon.places.contains(w.lower),
                   cued || (w.lower.count >= 3 && firstNames.contains(w.lower)) {
                    var end = k
                    if k + 1 < words.count, words[k + 1].adjacent, words[k + 1].isWord, !NameLexicon.common.contains(words[k + 1].lower),
                       !NameLexicon.places.contains(words[k + 1].lower), !NameLexicon.markers.contains(words[k + 1].lower) {
                        end = k + 1
                        if k + 2 < words.count, words[k + 1].isInitial || words[k + 1].lower.count == 1, words[k + 2].adjacent, words[k + 2].isWord,
                           !NameLexicon.common.contains(words[k + 2].lower) { end = k + 2 }
                    }
                    out.append(w.range.lowerBound..<words[end].range.upperBound)
                    k = end + 1
                    continue
                }
                k += 1
                continue
            }
            guard words[k].isCapitalised || words[k].isInitial else { k += 1; continue }
            // The run of adjacent capitalised words starting here.
            var end = k
            while end + 1 < words.count, words[end + 1].adjacent, words[end + 1].isCapitalised || words[end + 1].isInitial { end += 1 }
            out += names(in: words, k...end, cued: cued)
            k = end + 1
        }
        return out
    }

    /// The names in one run of capitalised words.
    private func names(in words: [Word], _ run: ClosedRange<Int>, cued: Bool) -> [Range<Int>] {
        let run = Array(run)
        if !cued, run.contains(where: { NameLexicon.markers.contains(words[$0].lower) }) { return [] }
        // Which words can be part of a name.
        var isName = run.map { i -> Bool in
            let w = words[i]
            if w.isInitial { return true }
            guard !w.isAcronym, !w.contraction else { return false }
            return !NameLexicon.common.contains(w.lower) && !NameLexicon.places.contains(w.lower) && !NameLexicon.titles.contains(w.lower)
        }
        // A common word that is a first name, followed by a name word: "Will Smith", "Rose Tan".
        for j in run.indices.dropLast() where !isName[j] && isName[j + 1] && !words[run[j + 1]].isInitial {
            let w = words[run[j]]
            if !w.isAcronym, !w.contraction, firstNames.contains(w.lower), !NameLexicon.places.contains(w.lower), !NameLexicon.titles.contains(w.lower) {
                isName[j] = true
            }
        }
        // After an honorific any word is a name ("Mr. Will"); after another cue, a first name ("Hi Will").
        for j in run.indices where !isName[j] && !words[run[j]].isAcronym && !NameLexicon.places.contains(words[run[j]].lower)
            && !NameLexicon.titles.contains(words[run[j]].lower) {
            let afterTitle = j > 0 ? NameLexicon.titles.contains(words[run[j - 1]].lower) : Self.afterTitle(words, run[0])
            if afterTitle || (j == 0 && cued && firstNames.contains(words[run[j]].lower)) { isName[j] = true }
        }
        let named = isName.filter { $0 }.count
        let initials = run.filter { words[$0].isInitial }.count
        // Mostly common words: the title of a work or a heading ("Big Three Killed", "Personal Info").
        if !cued, run.count >= 2, named - initials < run.count - named { return [] }
        var out: [Range<Int>] = []
        var j = 0
        while j < run.count {
            guard isName[j], !words[run[j]].isInitial || (j + 1 < run.count && isName[j + 1]) else { j += 1; continue }
            var e = j
            while e + 1 < run.count, isName[e + 1] { e += 1 }
            while e > j, words[run[e]].isInitial { e -= 1 }
            let first = words[run[j]]
            let alone = e == j
            if alone, first.sentenceInitial, !(j == 0 && cued), !first.possessive, !firstNames.contains(first.lower) {
                j = e + 1
                continue
            }
            if !(alone && first.isInitial) { out.append(first.range.lowerBound..<words[run[e]].range.upperBound) }
            j = e + 1
        }
        return out
    }

    static func afterTitle(_ words: [Word], _ k: Int) -> Bool {
        k > 0 && NameLexicon.titles.contains(words[k - 1].lower) && (words[k - 1].isCapitalised || words[k - 1].lower.count <= 4)
    }

    /// Whether the word at `k` follows a title or a name cue.
    static func cued(_ words: [Word], _ k: Int) -> Bool {
        guard k > 0 else { return false }
        if afterTitle(words, k) { return true }
        for cue in cues where cue.count <= k {
            if zip(cue, words[(k - cue.count)..<k]).allSatisfy({ $0 == $1.lower }) { return true }
        }
        return false
    }

    struct Word {
        let text: String
        let lower: String
        let range: Range<Int>  // bytes
        let sentenceInitial: Bool
        /// Only spaces (or a title's dot) separate it from the previous word.
        let adjacent: Bool
        /// Followed by 's or ’s.
        let possessive: Bool
        /// Followed by 't, 're, 'll… ("Don't"): not a name.
        let contraction: Bool

        var isInitial: Bool { text.count <= 2 && text.first?.isUppercase == true && (text.count == 1 || text.hasSuffix(".")) }
        var isWord: Bool { text.count >= 2 && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0 == "-" } }
        var isCapitalised: Bool {
            guard text.count >= 2, let first = text.unicodeScalars.first, first.properties.isUppercase else { return false }
            return !isAcronym
        }
        var isAcronym: Bool { !text.unicodeScalars.contains { $0.properties.isLowercase } }
    }

    static func words(_ text: String) -> [Word] {
        var out: [Word] = []
        var byte = 0
        var current = ""
        var start = 0
        var boundary = true  // sentence start
        var gapOnlySpaces = true
        let chars = Array(text)
        func flush(at i: Int) {
            guard !current.isEmpty else { return }
            let next: Character? = i < chars.count ? chars[i] : nil
            var possessive = false, contraction = false
            if next == "'" || next == "’", i + 1 < chars.count, chars[i + 1].isLetter {
                let after = i + 2 < chars.count ? chars[i + 2] : " "
                if chars[i + 1] == "s" && !after.isLetter { possessive = true } else { contraction = true }
            }
            out.append(Word(text: current, lower: current.lowercased(), range: start..<byte, sentenceInitial: boundary,
                            adjacent: gapOnlySpaces && !out.isEmpty, possessive: possessive, contraction: contraction))
            current = ""
            boundary = false
            gapOnlySpaces = true
        }
        for (i, c) in chars.enumerated() {
            let isWordChar = c.isLetter || (!current.isEmpty && (c == "-" || c.isNumber || (c == "." && current.count == 1)))
            if isWordChar {
                if current.isEmpty { start = byte }
                current.append(c)
            } else {
                let title = c == "." && NameLexicon.titles.contains(current.lowercased())
                flush(at: i)
                if title {
                    // "Mr. Leiva": the dot ends the title, not the sentence.
                } else {
                    if c == "." || c == "!" || c == "?" || c == "\n" || c == ":" || c == ">" { boundary = true }
                    if c != " " && c != "\t" { gapOnlySpaces = false }
                }
            }
            byte += c.utf8.count
        }
        flush(at: chars.count)
        return out
    }
}
