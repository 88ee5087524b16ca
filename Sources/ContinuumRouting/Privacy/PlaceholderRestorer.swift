/// Puts originals back into an answer that arrives in chunks (SSE deltas), where a
/// placeholder may be split anywhere ("[EMA" + "IL_1] wrote"). It holds back only a tail that
/// could still become one of this request's placeholders, so it keeps fewer bytes than the
/// longest placeholder; anything else, including bracketed text that is not one of them
/// ("[1]", "[EMAIL_9]" never issued, "[EMAIL_1" left open), passes through unchanged.
///
///     var r = redactor.restorer()
///     for chunk in stream { send(r.feed(chunk)) }
///     send(r.finish())
public struct PlaceholderRestorer: Sendable {
    /// An upper bound on a placeholder's length in bytes ("[DATE_OF_BIRTH_" + a number + "]").
    public static let maxLength = 48

    private let replacements: [[UInt8]: [UInt8]]
    /// Every proper prefix of a placeholder: a tail that may still become one.
    private let prefixes: Set<[UInt8]>
    private let longest: Int
    private var pending: [UInt8] = []

    /// `originals`: placeholder → original text (`PIIRedactor.originals`).
    public init(originals: [String: String]) {
        var r: [[UInt8]: [UInt8]] = [:]
        var p: Set<[UInt8]> = []
        for (k, v) in originals {
            let key = Array(k.utf8)
            r[key] = Array(v.utf8)
            for n in 1..<max(1, key.count) { p.insert(Array(key[..<n])) }
        }
        replacements = r
        prefixes = p
        longest = r.keys.map(\.count).max() ?? 0
    }

    /// The restored text that is certain so far; a possible placeholder at the end waits for
    /// the next chunk.
    public mutating func feed(_ chunk: String) -> String {
        var b = pending
        b += chunk.utf8
        pending = []
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            guard b[i] == UInt8(ascii: "["), longest > 0 else {
                out.append(b[i])
                i += 1
                continue
            }
            // A whole placeholder here?
            var e = i + 1
            while e < b.count, e - i < longest, b[e] != UInt8(ascii: "]"), b[e] != UInt8(ascii: "[") { e += 1 }
            if e < b.count, b[e] == UInt8(ascii: "]"), let original = replacements[Array(b[i...e])] {
                out += original
                i = e + 1
                continue
            }
            // The start of one, cut off by the end of this chunk?
            if e == b.count, prefixes.contains(Array(b[i...])) {
                pending = Array(b[i...])
                break
            }
            out.append(b[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What is still held back (an unfinished placeholder-like tail), as it was.
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Bytes held back at the moment (at most the longest placeholder's length − 1).
    public var heldBack: Int { pending.count }
}
