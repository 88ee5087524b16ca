import ContinuumGGUF
import ContinuumTokenizers
import Testing

@Suite struct SmolLM2GoldenTests {
    @Test func everyGoldenTokenizeCaseMatchesLlamaCpp() throws {
        let tok = try Fixtures.smol.get()
        let golden = try Fixtures.golden.get()
        #expect(golden.tokenize.count == 22)
        for c in golden.tokenize {
            #expect(tok.encode(c.text) == c.ids, "text: \(c.text.debugDescription)")
        }
    }

    @Test func rawGeneratePromptsMatch() throws {
        let tok = try Fixtures.smol.get()
        let cases = try Fixtures.golden.get().generate.filter { !$0.prompt.hasPrefix("<|im_start|>") }
        #expect(cases.count >= 4)
        for c in cases {
            #expect(tok.encode(c.prompt) == c.prompt_ids, "\(c.name)")
        }
    }

    /// Chat prompts are rebuilt from the user message through the model's template, then
    /// tokenized with special tokens parsed.
    @Test func chatGeneratePromptsRenderAndTokenizeExactly() throws {
        let tok = try Fixtures.smol.get()
        let template = try ChatTemplate(gguf: try Fixtures.smolGGUF.get())
        #expect(template.source.contains("You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let cases = try Fixtures.golden.get().generate.filter { $0.prompt.hasPrefix("<|im_start|>") }
        #expect(cases.count >= 4)
        for c in cases {
            let user = try #require(userContent(c.prompt), "\(c.name)")
            let rendered = try template.render([ChatMessage(role: "user", content: user)])
            #expect(rendered == c.prompt, "\(c.name)")
            #expect(tok.encode(rendered) == c.prompt_ids, "\(c.name)")
            #expect(try template.prompt([ChatMessage(role: "user", content: user)], tokenizer: tok) == c.prompt_ids, "\(c.name)")
        }
    }

    private func userContent(_ prompt: String) -> String? {
        guard let start = prompt.firstRange(of: "<|im_start|>user\n") else { return nil }
        let rest = prompt[start.upperBound...]
        guard let end = rest.firstRange(of: "<|im_end|>") else { return nil }
        return String(rest[..<end.lowerBound])
    }

    @Test func metadata() throws {
        let tok = try Fixtures.smol.get()
        #expect(tok.vocabularySize == 49152)
        #expect(tok.bosID == 1)
        #expect(tok.eosID == 2)
        #expect(!tok.addsBOS)
        // llama.cpp's end-of-generation set: <|endoftext|>, <|im_end|>, <reponame> (FIM repo).
        #expect(tok.eotIDs == [0, 2, 4])
        #expect(tok.isControl(1) && !tok.isControl(4093))
        #expect(tok.tokenText(4093) == "user")
        #expect(tok.tokenText(216) == "Ġ")
        #expect(tok.encode("Hi", addBOS: true) == [1, 26843])
    }

    @Test func parseSpecialOffTokenizesControlTextAsText() throws {
        let tok = try Fixtures.smol.get()
        let ids = tok.encode("<|im_start|>user", parseSpecial: false)
        #expect(!ids.contains(1))
        #expect(tok.decode(ids) == "<|im_start|>user")
        #expect(tok.encode("<|im_start|>user") == [1, 4093])
    }
}
