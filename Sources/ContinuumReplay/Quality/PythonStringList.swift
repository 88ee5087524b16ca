/// Parses a Python list-of-strings literal as RouterBench stores prompts
/// (`['first turn', "second"]`): single- or double-quoted strings with Python's escapes.
enum PythonStringList {
    static func parse(_ s: String) -> [String]? {
        let b = Array(s.unicodeScalars)
        var i = 0
        func skipSpace() { while i < b.count, b[i].properties.isWhitespace { i += 1 } }
        skipSpace()
        guard i < b.count, b[i] == "[" else { return nil }
        i += 1
        var out: [String] = []
        while true {
            skipSpace()
            guard i < b.count else { return nil }
            if b[i] == "]" { i += 1; break }
            let q = b[i]
            guard q == "'" || q == "\"" else { return nil }
            i += 1
            var str = String.UnicodeScalarView()
            while true {
                guard i < b.count else { return nil }
                let c = b[i]
                if c == q { i += 1; break }
                if c == "\\" {
                    guard i + 1 < b.count else { return nil }
                    let e = b[i + 1]
                    i += 2
                    switch e {
                    case "n": str.append("\n")
                    case "t": str.append("\t")
                    case "r": str.append("\r")
                    case "\\", "'", "\"": str.append(e)
                    case "\n": break  // line continuation
                    case "x", "u", "U":
                        let len = e == "x" ? 2 : e == "u" ? 4 : 8
                        guard i + len <= b.count, let v = UInt32(String(String.UnicodeScalarView(b[i..<(i + len)])), radix: 16),
                              let u = Unicode.Scalar(v) else { return nil }
                        str.append(u)
                        i += len
                    default: str.append("\\"); str.append(e)  // Python keeps unknown escapes
                    }
                } else {
                    str.append(c)
                    i += 1
                }
            }
            out.append(String(str))
            skipSpace()
            guard i < b.count else { return nil }
            if b[i] == "," { i += 1 } else if b[i] != "]" { return nil }
        }
        skipSpace()
        return i == b.count ? out : nil
    }
}
