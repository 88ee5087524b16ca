import ContinuumOpenAI
import Foundation
import Testing

let meta = ResponseMetadata(id: "chatcmpl-abc", created: 1_700_000_000, model: "qwen2.5-0.5b")

@Suite struct ResponseEncodingTests {
    @Test func chatCompletionHasOpenAIsShapeAndOmitsNils() throws {
        let c = ChatCompletion(meta, text: "Hello!", finishReason: .stop,
                               usage: Usage(promptTokens: 12, completionTokens: 3, cachedTokens: 8))
        #expect(try encodedTree(c) == JSONTree(#"""
            {"id":"chatcmpl-abc","object":"chat.completion","created":1700000000,"model":"qwen2.5-0.5b",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,
                      "prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":0}}}
            """#))
        let withFingerprint = ChatCompletion(ResponseMetadata(id: "x", created: 1, model: "m", systemFingerprint: "fp_1"),
                                             text: "", finishReason: .length, usage: Usage(promptTokens: 1, completionTokens: 0))
        #expect(try encodedTree(withFingerprint)["system_fingerprint"] == .string("fp_1"))
        #expect(try JSONDecoder().decode(ChatCompletion.self, from: OpenAIJSON.encode(c)) == c)
    }

    @Test func chatLogprobsFromEngineFacts() throws {
        let entries = [
            LogprobEntry(token: .init(text: "Hi", logprob: -0.25),
                         alternatives: [.init(text: "Hi", logprob: -0.25), .init(text: "Hello", logprob: -1.5), .init(text: "Hey", logprob: -3)]),
            // Half a UTF-8 character (the first byte of "é") that had probability 0.
            LogprobEntry(token: .init(bytes: [0xC3], logprob: -.infinity), alternatives: []),
        ]
        let logprobs = ChatLogprobs(entries, topLogprobs: 2)
        #expect(try encodedTree(logprobs) == JSONTree(#"""
            {"content":[
              {"token":"Hi","logprob":-0.25,"bytes":[72,105],"top_logprobs":[
                 {"token":"Hi","logprob":-0.25,"bytes":[72,105]},{"token":"Hello","logprob":-1.5,"bytes":[72,101,108,108,111]}]},
              {"token":"\uFFFD","logprob":-9999,"bytes":[195],"top_logprobs":[]}]}
            """#))
        let c = ChatCompletion(meta, text: "Hi", finishReason: .stop, usage: Usage(promptTokens: 1, completionTokens: 2),
                               logprobs: logprobs)
        #expect(try encodedTree(c)["choices"] == encodedTree([ChatCompletion.Choice(
            index: 0, message: .init(content: "Hi"), logprobs: logprobs, finishReason: .stop)]))
    }

    @Test func streamChunksInOrder() throws {
        #expect(try encodedTree(ChatCompletionChunk.role(meta)) == JSONTree(#"""
            {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"qwen2.5-0.5b",
             "choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
            """#))
        #expect(try encodedTree(ChatCompletionChunk.content(meta, "Hel")) == JSONTree(#"""
            {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"qwen2.5-0.5b",
             "choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}
            """#))
        #expect(try encodedTree(ChatCompletionChunk.finish(meta, .length)) == JSONTree(#"""
            {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"qwen2.5-0.5b",
             "choices":[{"index":0,"delta":{},"finish_reason":"length"}]}
            """#))
        #expect(try encodedTree(ChatCompletionChunk.usage(meta, Usage(promptTokens: 5, completionTokens: 7, cachedTokens: 0)))
            == JSONTree(#"""
            {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"qwen2.5-0.5b","choices":[],
             "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,
                      "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
            """#))
        let withLogprobs = ChatCompletionChunk.content(meta, "a", logprobs: ChatLogprobs(
            [LogprobEntry(token: .init(text: "a", logprob: -0.5))], topLogprobs: 0))
        #expect(try encodedTree(withLogprobs)["choices"] == JSONTree(#"""
            [{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.5,"bytes":[97],"top_logprobs":[]}]},"finish_reason":null}]
            """#))
    }

    @Test func chunksRelayedFromAnotherServerDecode() throws {
        // As OpenAI sends them: nulls everywhere, fields this module does not model.
        let upstream = #"""
            {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp",
             "service_tier":"default","obfuscation":"xyz","usage":null,
             "choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}
            """#
        let chunk = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(upstream.utf8))
        #expect(chunk.choices[0].delta == .init(role: .assistant, content: ""))
        #expect(chunk.systemFingerprint == "fp" && chunk.usage == nil)
        let last = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(#"""
            {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
             "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0}}}
            """#.utf8))
        #expect(last.usage?.cachedTokens == 2 && last.usage?.completionTokensDetails == nil)
        let odd = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(#"""
            {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"eos"}]}
            """#.utf8))
        #expect(odd.choices[0].finishReason == OpenAIFinishReason(rawValue: "eos"))
    }

    @Test func legacyCompletionAndItsStream() throws {
        let entries = [
            LogprobEntry(token: .init(text: " there", logprob: -0.1),
                         alternatives: [.init(text: " there", logprob: -0.1), .init(text: " lived", logprob: -2.5)]),
            LogprobEntry(token: .init(text: " wé", logprob: -1),
                         alternatives: [.init(text: " wé", logprob: -1), .init(text: " wé", logprob: -4), .init(text: "!", logprob: -5)]),
            LogprobEntry(token: .init(text: "s", logprob: -0.5), alternatives: []),
        ]
        let logprobs = CompletionLogprobs(entries, logprobs: 2, textOffset: 16)
        #expect(logprobs.textOffset == [16, 22, 25], "offsets in Unicode scalars")
        let c = Completion(ResponseMetadata(id: "cmpl-1", created: 9, model: "m"), text: " there wés", finishReason: .length,
                           usage: Usage(promptTokens: 4, completionTokens: 3), logprobs: logprobs)
        #expect(try encodedTree(c) == JSONTree(#"""
            {"id":"cmpl-1","object":"text_completion","created":9,"model":"m",
             "choices":[{"index":0,"text":" there wés","finish_reason":"length","logprobs":{
                "tokens":[" there"," wé","s"],"token_logprobs":[-0.1,-1,-0.5],
                "top_logprobs":[{" there":-0.1," lived":-2.5},{" wé":-1},{}],"text_offset":[16,22,25]}}],
             "usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7,
                      "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
            """#))
        let m = ResponseMetadata(id: "cmpl-1", created: 9, model: "m")
        #expect(try encodedTree(Completion.chunk(m, text: "Once")) == JSONTree(#"""
            {"id":"cmpl-1","object":"text_completion","created":9,"model":"m","choices":[{"index":0,"text":"Once","finish_reason":null}]}
            """#))
        #expect(try encodedTree(Completion.chunk(m, text: "", finishReason: .stop))["choices"]
            == JSONTree(#"[{"index":0,"text":"","finish_reason":"stop"}]"#))
        #expect(try encodedTree(Completion.usage(m, Usage(promptTokens: 1, completionTokens: 1)))["choices"] == .array([]))
    }

    @Test func modelsList() throws {
        let list = ModelList(data: [Model(id: "qwen2.5-0.5b", created: 1_700_000_000, ownedBy: "continuum")])
        #expect(try encodedTree(list) == JSONTree(#"""
            {"object":"list","data":[{"id":"qwen2.5-0.5b","object":"model","created":1700000000,"owned_by":"continuum"}]}
            """#))
    }

    @Test func embeddingsAsFloatsAndBase64() throws {
        let vectors: [[Float]] = [[0.5, -1, 0.25], [1e-3, 3.4e38, -0.0]]
        let floats = EmbeddingResponse(model: "e", vectors: vectors, format: nil, promptTokens: 6)
        #expect(try encodedTree(floats) == JSONTree(#"""
            {"object":"list","model":"e","usage":{"prompt_tokens":6,"total_tokens":6},
             "data":[{"object":"embedding","index":0,"embedding":[0.5,-1,0.25]},
                     {"object":"embedding","index":1,"embedding":[0.001,3.4e38,-0]}]}
            """#))
        let b64 = EmbeddingResponse(model: "e", vectors: vectors, format: .base64, promptTokens: 6)
        // 0.5 = 0x3F000000, -1 = 0xBF800000, 0.25 = 0x3E800000, little-endian.
        #expect(b64.data[0].embedding == .base64(Data([0, 0, 0, 0x3F, 0, 0, 0x80, 0xBF, 0, 0, 0x80, 0x3E]).base64EncodedString()))
        for (i, v) in vectors.enumerated() {
            #expect(b64.data[i].embedding.values == v)
            #expect(floats.data[i].embedding.values == v)
        }
        let decoded = try JSONDecoder().decode(EmbeddingResponse.self, from: OpenAIJSON.encode(b64))
        #expect(decoded == b64)
        #expect(EmbeddingVector.base64("AAA=").values == nil)
    }

    @Test func responseIDsAreDeterministicGivenAGenerator() {
        struct Counter: RandomNumberGenerator {
            var state: UInt64 = 0
            mutating func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return state }
        }
        var a = Counter(), b = Counter()
        let id = ResponseID.chatCompletion(using: &a)
        #expect(id == ResponseID.chatCompletion(using: &b))
        #expect(id.hasPrefix("chatcmpl-") && id.count == 9 + 24)
        #expect(id.dropFirst(9).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(ResponseID.completion().hasPrefix("cmpl-"))
        #expect(ResponseID.chatCompletion() != ResponseID.chatCompletion())
    }
}
