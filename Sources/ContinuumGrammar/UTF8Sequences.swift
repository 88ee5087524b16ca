/// Splits code point ranges into UTF-8 byte-range sequences, so a character class can be
/// matched one byte at a time (a token may end inside a multi-byte character). Same idea as
/// Rust regex-syntax's `Utf8Sequences`: split at encoding-length boundaries, then wherever
/// lo and hi differ in a continuation byte that does not span its full 0x80...0xBF range.
enum UTF8Sequences {
    /// Each result is one sequence: byte i must lie in range i. Surrogates are skipped.
    static func sequences(_ range: ClosedRange<UInt32>) -> [[ClosedRange<UInt8>]] {
        var out: [[ClosedRange<UInt8>]] = []
        var work: [(UInt32, UInt32)] = [(range.lowerBound, min(range.upperBound, 0x10FFFF))]
        while let (lo, hi) = work.popLast() {
            guard lo <= hi else { continue }
            if lo <= 0xDFFF && hi >= 0xD800 {
                if lo < 0xD800 { work.append((lo, 0xD7FF)) }
                if hi > 0xDFFF { work.append((0xE000, hi)) }
                continue
            }
            if let b = ([0x7F, 0x7FF, 0xFFFF] as [UInt32]).first(where: { lo <= $0 && hi > $0 }) {
                work.append((b + 1, hi))
                work.append((lo, b))
                continue
            }
            let n = length(lo)
            var split = false
            for i in 1..<max(n, 1) {
                let m: UInt32 = (1 << (6 * UInt32(i))) - 1
                guard lo & ~m != hi & ~m else { continue }
                if lo & m != 0 {
                    work.append(((lo | m) + 1, hi))
                    work.append((lo, lo | m))
                    split = true
                    break
                }
                if hi & m != m {
                    work.append((hi & ~m, hi))
                    work.append((lo, (hi & ~m) - 1))
                    split = true
                    break
                }
            }
            if split { continue }
            let a = encode(lo), b = encode(hi)
            out.append(zip(a, b).map { $0...$1 })
        }
        return out
    }

    static func length(_ cp: UInt32) -> Int {
        cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    }

    static func encode(_ cp: UInt32) -> [UInt8] {
        switch length(cp) {
        case 1: return [UInt8(cp)]
        case 2: return [UInt8(0xC0 | cp >> 6), UInt8(0x80 | cp & 0x3F)]
        case 3: return [UInt8(0xE0 | cp >> 12), UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F)]
        default:
            return [UInt8(0xF0 | cp >> 18), UInt8(0x80 | (cp >> 12) & 0x3F), UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F)]
        }
    }

    /// Sorted, merged ranges; complemented over 0...0x10FFFF when `negated`.
    static func normalize(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> [ClosedRange<UInt32>] {
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        guard negated else { return merged }
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in merged {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        return out
    }
}
