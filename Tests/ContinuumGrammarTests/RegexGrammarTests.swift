import ContinuumGrammar
import Testing

private func regex(_ p: String, search: Bool = false) throws -> GBNFRecognizer {
    try GBNFRecognizer(try RegexGrammar.gbnf(pattern: p, ruleName: "root", search: search))
}

@Test func regexSubsetMatchesLikeECMAScript() throws {
    let cases: [(String, [String], [String])] = [
        (#"^\d{3}-\d{4}$"#, ["555-1234"], ["5551234", "555-123", "a55-1234"]),
        (#"[a-c]+(x|yz)?"#, ["a", "abcx", "cyz"], ["", "d", "ay"]),
        (#"colou?r"#, ["color", "colour"], ["colouur"]),
        (#"[^0-9\s]{2,}"#, ["ab", "é!"], ["a", "a1", "a b"]),
        (#"\w+@\w+\.com"#, ["a_1@b.com"], ["a@b.org"]),
        (#"a.c"#, ["abc", "a.c", "a€c"], ["a\nc", "ac"]),
        (#"(?:ab){2}|c*"#, ["abab", "", "ccc"], ["ab", "abc"]),
        (#"\x41\u0042[\]\-]"#, ["AB]", "AB-"], ["AB\\"]),
        (#"(?<year>\d{4})-(\d\d)"#, ["2024-01"], ["24-01"]),
        (#"a{2,}?b"#, ["aab", "aaaab"], ["ab"]),
        (#"x{"#, ["x{"], ["x"]),
    ]
    for (p, good, bad) in cases {
        let g = try regex(p)
        for t in good { #expect(g.accepts(t), "/\(p)/ should match \(t)") }
        for t in bad { #expect(!g.accepts(t), "/\(p)/ should not match \(t)") }
    }
    let s = try regex("b+", search: true)
    #expect(s.accepts("abbc"))
    #expect(!s.accepts("ac"))
}

@Test func regexOutsideTheSubsetIsRefusedByName() {
    func err(_ p: String) -> GrammarError? {
        do { _ = try RegexGrammar.gbnf(pattern: p, ruleName: "r"); return nil } catch { return error }
    }
    #expect(err(#"(a)\1"#)?.message.contains("backreference") == true)
    #expect(err(#"a(?=b)"#)?.message.contains("lookahead") == true)
    #expect(err(#"(?<!a)b"#)?.message.contains("lookbehind") == true)
    #expect(err(#"\bword"#)?.message.contains("word boundary") == true)
    #expect(err(#"a^b"#)?.kind == .invalidPattern)
    #expect(err(#"a$b"#)?.kind == .invalidPattern)
    #expect(err(#"(ab"#)?.kind == .invalidPattern)
    #expect(err(#"*a"#)?.kind == .invalidPattern)
    #expect(err(#"\p{L}"#)?.kind == .invalidPattern)
    #expect(err(#"a{5,2}"#)?.kind == .invalidPattern)
    #expect(err(#"(a{1,1000}){1,1000}"#)?.kind == .limitExceeded)
    #expect(err(String(repeating: "(", count: 100) + String(repeating: ")", count: 100))?.kind == .limitExceeded)
}
