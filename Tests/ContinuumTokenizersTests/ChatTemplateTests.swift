import ContinuumGGUF
import ContinuumTokenizers
import Testing

@Suite struct ChatTemplateTests {
    let smolSystem = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    let qwenSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

    @Test func recognisesBothModelsWithTheirDefaultSystemPrompts() throws {
        #expect(try ChatTemplate(gguf: try Fixtures.smolGGUF.get()).kind == .chatmlWithDefaultSystem(smolSystem))
        #expect(try ChatTemplate(gguf: try Fixtures.qwenGGUF.get()).kind == .chatmlWithDefaultSystem(qwenSystem))
    }

    @Test func qwenRendersLikeItsTemplate() throws {
        let t = try ChatTemplate(gguf: try Fixtures.qwenGGUF.get())
        let user = ChatMessage(role: "user", content: "Write hello world in Swift.")
        #expect(t.render([user]) == """
            <|im_start|>system
            \(qwenSystem)<|im_end|>
            <|im_start|>user
            Write hello world in Swift.<|im_end|>
            <|im_start|>assistant

            """)
        let withSystem = [ChatMessage(role: "system", content: "Be brief."), user,
                          ChatMessage(role: "assistant", content: "print(\"hello\")"),
                          ChatMessage(role: "user", content: "Thanks")]
        #expect(t.render(withSystem, addGenerationPrompt: false) == """
            <|im_start|>system
            Be brief.<|im_end|>
            <|im_start|>user
            Write hello world in Swift.<|im_end|>
            <|im_start|>assistant
            print("hello")<|im_end|>
            <|im_start|>user
            Thanks<|im_end|>

            """)
    }

    @Test func qwenChatPromptTokenizes() throws {
        let tok = try Fixtures.qwen.get()
        let t = try ChatTemplate(gguf: try Fixtures.qwenGGUF.get())
        let ids = tok.encode(t.render([ChatMessage(role: "user", content: "Hi")]))
        // <|im_start|> system \n ... <|im_end|> \n <|im_start|> user \n Hi <|im_end|> \n <|im_start|> assistant \n
        #expect(ids.first == 151644)
        #expect(Array(ids.suffix(9)) == [151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198])
        #expect(ids.filter { $0 == 151645 }.count == 2)
        // llama.cpp's end-of-generation set, including the normal-typed "</s>" (128247).
        #expect(tok.eotIDs == [128247, 151643, 151645, 151662, 151663, 151664])
        #expect(tok.isControl(128247))
        #expect(tok.encode("a</s>b") == [64, 128247, 65])
        #expect(tok.decode([64, 128247, 65]) == "ab")
        #expect(tok.eosID == 151645)
        #expect(!tok.addsBOS)
    }

    @Test func overrideChoosesTheKind() throws {
        let t = try ChatTemplate(gguf: try Fixtures.smolGGUF.get(), override: .chatml)
        #expect(t.render([ChatMessage(role: "user", content: "Hi")]) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let custom = try ChatTemplate(template: "{{ anything }}", override: .chatmlWithDefaultSystem("S"))
        #expect(custom.render([], addGenerationPrompt: false) == "<|im_start|>system\nS<|im_end|>\n")
    }

    @Test func unknownOrMissingTemplateThrows() {
        let llama3 = "{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>{% endfor %}"
        #expect(throws: TokenizerError.unknownChatTemplate) { try ChatTemplate(template: llama3) }
        #expect(throws: TokenizerError.unknownChatTemplate) { try ChatTemplate(template: nil) }
        do {
            _ = try ChatTemplate(template: llama3)
        } catch {
            #expect(error.message.contains("explicit template"))
        }
    }

    @Test func chatMLWithoutLiteralSystemPromptHasNoDefault() throws {
        let plain = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        #expect(try ChatTemplate(template: plain).kind == .chatml)
    }

    @Test func defaultSystemPromptLiteralsMayHoldTheOtherQuote() throws {
        let t = #"{% if messages[0]['role'] != 'system' %}{{ "<|im_start|>system\nYou're helpful.<|im_end|>\n" }}{% endif %}"#
        #expect(try ChatTemplate(template: t).kind == .chatmlWithDefaultSystem("You're helpful."))
    }

    @Test func qwenToolMessagesAreGroupedToolResponses() throws {
        let t = try ChatTemplate(gguf: try Fixtures.qwenGGUF.get())
        #expect(t.wrapsToolMessages)
        let messages = [ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "weather?"),
                        ChatMessage(role: "assistant", content: "calling"),
                        ChatMessage(role: "tool", content: "{\"t\": 20}"), ChatMessage(role: "tool", content: "{\"t\": 21}")]
        #expect(t.render(messages) == """
            <|im_start|>system
            S<|im_end|>
            <|im_start|>user
            weather?<|im_end|>
            <|im_start|>assistant
            calling<|im_end|>
            <|im_start|>user
            <tool_response>
            {"t": 20}
            </tool_response>
            <tool_response>
            {"t": 21}
            </tool_response><|im_end|>
            <|im_start|>assistant

            """)
        #expect(try !ChatTemplate(gguf: try Fixtures.smolGGUF.get()).wrapsToolMessages)
    }

    /// Expected text from rendering the GGUF's template with Jinja2.
    @Test func smolMultiTurnMatchesJinja() throws {
        let t = try ChatTemplate(gguf: try Fixtures.smolGGUF.get())
        let messages = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Yo")]
        #expect(t.render(messages, addGenerationPrompt: false)
            == "<|im_start|>system\n\(smolSystem)<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n")
    }
}
