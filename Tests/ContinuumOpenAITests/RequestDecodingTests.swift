import ContinuumOpenAI
import Foundation
import Testing

@Suite struct RequestDecodingTests {
    func chat(_ body: String) throws -> ChatCompletionRequest {
        try ChatCompletionRequest.decode(from: Data(body.utf8))
    }

    @Test func simpleChatFromThePythonClient() throws {
        let r = try chat(Fixture.chatSimple)
        #expect(r.model == "qwen2.5-0.5b")
        #expect(r.messages == [ChatCompletionRequest.Message(role: .user, content: "Hello")])
        #expect(r.sampling == SamplingOptions())
        #expect(!r.isStreaming && !r.includeUsage)
        #expect(r.maxTokens == nil && r.logprobsCount == nil)
    }

    @Test func everyChatFieldFromThePythonClient() throws {
        let r = try chat(Fixture.chatFull)
        #expect(r.messages.map(\.role) == [.developer, .system, .user, .assistant, .user])
        #expect(r.messages[2].content == .parts([ChatContentPart(text: "Say hi"), ChatContentPart(text: " twice")]))
        #expect(r.messages[2].content?.text == "Say hi twice")
        #expect(r.messages[0].content?.text == "Be brief.")
        #expect(r.sampling == SamplingOptions(
            maxTokens: 32, temperature: 0.7, topP: 0.9, n: 1, seed: 42, stop: ["\n\n", "END"],
            frequencyPenalty: 0.5, presencePenalty: -0.5, topK: 40, minP: 0.05, repetitionPenalty: 1.1))
        #expect(r.maxCompletionTokens == 64)
        #expect(r.maxTokens == 32, "the smaller of max_tokens and max_completion_tokens")
        #expect(r.logprobs == true && r.topLogprobs == 3 && r.logprobsCount == 3)
        #expect(r.user == "user-1234")
    }

    @Test func streamingChatWithStopAsAStringAndIncludeUsage() throws {
        let r = try chat(Fixture.chatStream)
        #expect(r.sampling.stop == ["\n"])
        #expect(r.isStreaming && r.includeUsage)
        #expect(r.streamOptions == StreamOptions(includeUsage: true))
    }

    @Test func toolHistoryIsAcceptedWithNullAssistantContent() throws {
        let r = try chat(Fixture.chatToolMsg)
        #expect(r.messages.map(\.role) == [.user, .assistant, .tool])
        #expect(r.messages[1].content == nil)
        #expect(r.messages[2].toolCallID == "call_1")
        #expect(r.messages[2].content?.text == "sunny")
    }

    @Test func curlStyleNullsMeanAbsent() throws {
        let r = try chat(#"{"model":"m","messages":[{"role":"user","content":"x","name":"ann"}],"temperature":null,"stop":null,"max_tokens":null,"seed":-5,"logprobs":false}"#)
        #expect(r.sampling.temperature == nil && r.sampling.stop == nil && r.sampling.maxTokens == nil)
        #expect(r.sampling.seed == -5)
        #expect(r.messages[0].name == "ann")
        #expect(r.logprobsCount == nil)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let r = try chat(#"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"},"metadata":{"a":"b"}}"#)
        #expect(r.model == "m")
    }

    @Test func chatRequestEncodesBackToTheSameFields() throws {
        let r = try chat(Fixture.chatFull)
        let again = try ChatCompletionRequest.decode(from: OpenAIJSON.encode(r))
        #expect(again == r)
        let tree = try encodedTree(r)
        #expect(tree.keys == ["model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
                              "seed", "stop", "frequency_penalty", "presence_penalty", "logprobs", "top_logprobs",
                              "user", "top_k", "min_p", "repetition_penalty"])
        #expect(try encodedTree(try chat(Fixture.chatSimple)) == JSONTree(Fixture.chatSimple))
    }

    @Test func completionsFromThePythonClient() throws {
        let simple = try CompletionRequest.decode(from: Data(Fixture.completionSimple.utf8))
        #expect(simple.prompt == .text("Once upon a time"))
        let full = try CompletionRequest.decode(from: Data(Fixture.completionFull.utf8))
        #expect(full.prompt == .text("Once upon a time"), "a one-element array is unwrapped")
        #expect(full.logprobs == 2 && full.echo == false)
        #expect(full.sampling.temperature == 0 && full.sampling.topP == 1 && full.sampling.stop == ["\n"])
        #expect(full.sampling.maxTokens == 16 && full.sampling.seed == 7)
        #expect(full.isStreaming && full.includeUsage)
        let tokens = try CompletionRequest.decode(from: Data(Fixture.completionTokens.utf8))
        #expect(tokens.prompt == .tokens([1, 2, 3, 4]))
        let nested = try CompletionRequest.decode(from: Data(#"{"model":"m","prompt":[[5,6]]}"#.utf8))
        #expect(nested.prompt == .tokens([5, 6]))
        #expect(try CompletionRequest.decode(from: OpenAIJSON.encode(full)) == full)
    }

    @Test func embeddingsFromThePythonClient() throws {
        let simple = try EmbeddingRequest.decode(from: Data(Fixture.embeddingSimple.utf8))
        #expect(simple.input == .texts(["hello world"]) && simple.encodingFormat == .float)
        let list = try EmbeddingRequest.decode(from: Data(Fixture.embeddingList.utf8))
        #expect(list.input == .texts(["a", "b"]) && list.dimensions == 256 && list.encodingFormat == .base64)
        let tokens = try EmbeddingRequest.decode(from: Data(Fixture.embeddingDefault.utf8))
        #expect(tokens.input == .tokens([[1, 2, 3], [4, 5]]) && tokens.input.count == 2)
        let flat = try EmbeddingRequest.decode(from: Data(#"{"model":"e","input":[7,8,9]}"#.utf8))
        #expect(flat.input == .tokens([[7, 8, 9]]) && flat.encodingFormat == nil)
    }
}
