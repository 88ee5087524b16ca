import ContinuumGrammar
import Foundation

/// llama.cpp's `grammars/json.gbnf`, verbatim.
let jsonGBNF = #"""
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
"""#

/// llama.cpp's `grammars/arithmetic.gbnf`, verbatim.
let arithmeticGBNF = #"""
root  ::= (expr "=" ws term "\n")+
expr  ::= term ([-+*/] term)*
term  ::= ident | num | "(" ws expr ")" ws
ident ::= [a-z] [a-z0-9_]* ws
num   ::= [0-9]+ ws
ws    ::= [ \t\n]*
"""#

/// A vocabulary of every single byte (ids 0...255), no tokens otherwise: enough to feed bytes.
let byteVocabulary = TokenVocabulary(tokens: (0...255).map { [UInt8($0)] }, endTokens: [])

/// Whether `text` is a complete sentence of `gbnf`.
func matches(_ gbnf: String, _ text: String) throws -> Bool {
    let m = try GrammarMatcher(grammar: try Grammar(gbnf: gbnf), vocabulary: byteVocabulary)
    return m.accept(bytes: Array(text.utf8)) && m.canEnd
}

/// Whether `text` is a valid prefix of some sentence of `gbnf`.
func isPrefix(_ gbnf: String, _ text: [UInt8]) throws -> Bool {
    let m = try GrammarMatcher(grammar: try Grammar(gbnf: gbnf), vocabulary: byteVocabulary)
    return m.accept(bytes: text)
}

func mask(_ m: GrammarMatcher, _ count: Int) -> [UInt32] {
    var words = [UInt32](repeating: 0xDEAD_BEEF, count: (count + 31) / 32)
    words.withUnsafeMutableBufferPointer { m.fillMask($0.baseAddress!) }
    return words
}

func isSet(_ words: [UInt32], _ i: Int) -> Bool { words[i >> 5] & (1 << UInt32(i & 31)) != 0 }

/// A real model's vocabulary written by scripts/export-vocab-bytes.py, when present.
func loadVocabulary(_ path: String) -> TokenVocabulary? {
    guard let data = FileManager.default.contents(atPath: path), data.count > 12 else { return nil }
    let b = [UInt8](data)
    var i = 4
    func u32() -> Int { defer { i += 4 }; return Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
    guard b[0..<4] == [0x43, 0x56, 0x42, 0x31] else { return nil }
    let n = u32(), nEnd = u32()
    var ends: Set<Int32> = []
    for _ in 0..<nEnd { ends.insert(Int32(u32())) }
    var tokens: [[UInt8]] = []
    tokens.reserveCapacity(n)
    for _ in 0..<n {
        let len = Int(b[i]) | Int(b[i + 1]) << 8
        i += 2
        tokens.append(Array(b[i..<i + len]))
        i += len
    }
    return TokenVocabulary(tokens: tokens, endTokens: ends)
}

let smolVocabularyPath = "/tmp/grammar-vocab-SmolLM2.bin"
let qwenVocabularyPath = "/tmp/grammar-vocab-Qwen2.5.bin"

/// Greedy longest-prefix tokenization over `vocab` (a plausible token sequence for replay).
func greedyTokens(_ text: String, _ vocab: TokenVocabulary) -> [Int32] {
    var byBytes: [[UInt8]: Int32] = [:]
    for i in 0..<Int32(vocab.count) {
        let t = vocab.bytes(of: i)
        if !t.isEmpty && byBytes[t] == nil { byBytes[t] = i }
    }
    let bytes = Array(text.utf8)
    var out: [Int32] = []
    var pos = 0
    while pos < bytes.count {
        var len = min(bytes.count - pos, 32)
        while len > 0 && byBytes[Array(bytes[pos..<pos + len])] == nil { len -= 1 }
        guard len > 0 else { break }
        out.append(byBytes[Array(bytes[pos..<pos + len])]!)
        pos += len
    }
    return out
}
