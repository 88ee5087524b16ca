import ContinuumTokenizers
import Testing

@Suite struct SpeedTests {
    /// About 2,000 tokens of mixed prose, code, numbers and non-Latin text.
    static let text: String = {
        var parts: [String] = []
        for i in 0..<24 {
            parts.append("""
                Paragraph \(i): The committee met on \(2000 + i)-0\(i % 9 + 1)-1\(i % 10) to discuss the budget of $\(i * 1234).56, \
                and they'll review it again; nobody's sure what happens next. Über naïve café, 東京で会いましょう 🙂.
                func compute\(i)(x: Int) -> Int {
                    return x * \(i) + \(i * 7) // note \(i)
                }

                """)
        }
        return parts.joined()
    }()

    @Test func encodeTwoThousandTokensFast() throws {
        let tok = try Fixtures.smol.get()
        let clock = ContinuousClock()
        var ids: [Int32] = []
        let cold = clock.measure { ids = tok.encode(Self.text) }
        var best = Duration.seconds(1)
        for _ in 0..<20 {
            let t = clock.measure { ids = tok.encode(Self.text) }
            best = min(best, t)
        }
        let us = Double(best.components.attoseconds) / 1e12 + Double(best.components.seconds) * 1e6
        let coldUS = Double(cold.components.attoseconds) / 1e12 + Double(cold.components.seconds) * 1e6
        print("encode: \(ids.count) tokens, \(Self.text.utf8.count) bytes: warm \(Int(us)) µs (best of 20), first run \(Int(coldUS)) µs")
        #expect(ids.count > 1500)
        #expect(tok.decode(ids) == Self.text)
        // Generous bound: other builds share this machine's two cores.
        #expect(best < .milliseconds(5))
    }
}

@Suite struct LoadSpeedTests {
    @Test func loadAndCJKSpeed() throws {
        let clock = ContinuousClock()
        let gguf = try Fixtures.qwenGGUF.get()
        var tok: Tokenizer?
        let load = clock.measure { tok = try? Tokenizer(gguf: gguf) }
        let t = try #require(tok)
        let cjk = String(repeating: "東京で会いましょう。今日はいい天気ですね！我们明天见，好吗？안녕하세요 여러분. ", count: 60)
        var ids: [Int32] = []
        _ = t.encode(cjk)
        let warm = clock.measure { ids = t.encode(cjk) }
        print("qwen2.5 tokenizer init \(load); CJK encode \(ids.count) tokens in \(warm)")
        #expect(t.decode(ids) == cjk)
    }
}
