import ContinuumOpenAI
import Foundation
import Testing

/// The Responses request as the official client sends it, its chat translation, the refusals,
/// and the response object built from a chat completion.
@Suite struct ResponsesTranslationTests {
    func request(_ body: String) throws(OpenAIError) -> ResponsesRequest {
        try ResponsesRequest.decode(from: Data(body.utf8))
    }

    func object(_ w: WireJSON) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(w.text.utf8)) as? [String: Any])
    }

    @Test func stringInputIsOneUserMessageAfterTheInstructions() throws {
        let r = try request(#"{"model":"m","input":"Hi","instructions":"Be brief.","max_output_tokens":16,"temperature":0.5,"top_p":0.9,"user":"u1"}"#)
        let chat = try r.chatRequest()
        #expect(chat.messages == [.init(role: .system, content: "Be brief."), .init(role: .user, content: "Hi")])
        #expect(chat.maxCompletionTokens == 16 && chat.sampling.temperature == 0.5 && chat.sampling.topP == 0.9 && chat.user == "u1")
        #expect(chat.stream == nil && chat.streamOptions == nil)
    }

    @Test func itemsBecomeChatMessagesWithToolCallsAndOutputs() throws {
        let r = try request("""
            {"model":"m","stream":true,"input":[
              {"role":"developer","content":"dev"},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]},
              {"role":"assistant","content":[{"type":"output_text","text":"let me look"}]},
              {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
              {"type":"function_call","call_id":"c2","name":"g","arguments":"{\\"x\\":1}"},
              {"type":"function_call_output","call_id":"c1","output":"one"},
              {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"two"}]}],
             "tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}},"strict":true},
                      {"type":"function","name":"g","description":"G"}],
             "tool_choice":{"type":"function","name":"f"},"parallel_tool_calls":false}
            """)
        let chat = try r.chatRequest(history: [.message(role: .user, text: "before"), .message(role: .assistant, text: "ok")])
        #expect(chat.messages.map(\.role) == [.user, .assistant, .developer, .user, .assistant, .tool, .tool])
        #expect(chat.messages[3].content?.text == "ab")
        #expect(chat.messages[4].content?.text == "let me look")
        #expect(chat.messages[4].toolCalls == [ToolCall(id: "c1", name: "f", arguments: "{}"), ToolCall(id: "c2", name: "g", arguments: #"{"x":1}"#)])
        #expect(chat.messages[5].toolCallID == "c1" && chat.messages[6].content?.text == "two")
        #expect(chat.tools.map(\.function.name) == ["f", "g"])
        #expect(chat.tools[0].function.parameters == #"{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}"#,
                "the client's key order is kept")
        #expect(chat.toolChoice == .function("f") && chat.parallelToolCalls == false)
        #expect(chat.isStreaming && chat.includeUsage, "streams ask for usage: the final event carries it")
    }

    @Test func textFormatIsTheResponseFormat() throws {
        let r = try request(#"{"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"P","strict":true,"schema":{"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"string"}}}}}}"#)
        let chat = try r.chatRequest()
        #expect(chat.responseFormat == .jsonSchema(.init(name: "P", strict: true, schema: #"{"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"string"}}}"#)))
        #expect(try request(#"{"model":"m","input":"x","text":{"format":{"type":"json_object"}}}"#).chatRequest().responseFormat == .jsonObject)
    }

    /// Every field a chat model cannot honour is a 400 naming it.
    @Test(arguments: [
        (#"{"model":"m","input":"x","reasoning":{"effort":"low"}}"#, "reasoning"),
        (#"{"model":"m","input":"x","background":true}"#, "background"),
        (#"{"model":"m","input":"x","include":["file_search_call.results"]}"#, "include"),
        (#"{"model":"m","input":"x","truncation":"auto"}"#, "truncation"),
        (#"{"model":"m","input":"x","tools":[{"type":"web_search"}]}"#, "tools[0].type"),
        (#"{"model":"m","input":"x","tool_choice":{"type":"file_search"}}"#, "tool_choice.type"),
        (#"{"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x"}]}]}"#, "input[0].content[0].type"),
        (#"{"model":"m","input":[{"type":"reasoning","summary":[]}]}"#, "input[0].type"),
        (#"{"model":"m","input":"x","tools":[{"type":"function","name":"f","extra":1}]}"#, "tools[0].extra"),
        (#"{"model":"m","input":"x","text":{"format":{"type":"text","extra":1}}}"#, "text.format.extra"),
        (#"{"model":"m","input":[{"role":"user","content":"x","extra":1}]}"#, "input[0].extra"),
        (#"{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"x","extra":1}]}]}"#, "input[0].content[0].extra"),
        (#"{"model":"m","input":"x","text":{"verbosity":"low"}}"#, "text.verbosity"),
        (#"{"model":"m","input":"x","max_output_tokens":0}"#, "max_output_tokens"),
        (#"{"model":"m"}"#, "input"),
        (#"{"model":"m","input":"x","tool_choice":"required"}"#, "tool_choice"),
    ])
    func refusedFieldsAreNamed(body: String, param: String) throws {
        let error = #expect(throws: OpenAIError.self) { try request(body).chatRequest() }
        #expect(error?.status == 400)
        #expect(error?.param == param, "\(error?.message ?? "")")
    }

    @Test func responseFromACompletionWithTextAndCalls() throws {
        let r = try request(#"{"model":"m","input":"x","metadata":{"k":"v"},"tools":[{"type":"function","name":"f"}]}"#)
        let completion = ChatCompletion(ResponseMetadata(id: "chatcmpl-1", created: 1, model: "m"), text: "hello",
                                        toolCalls: [ToolCall(id: "call_1", name: "f", arguments: "{}")], finishReason: .toolCalls,
                                        usage: Usage(promptTokens: 5, completionTokens: 3))
        let response = ResponseObject(id: "resp_abc", createdAt: 7, request: r, store: true, completion: completion)
        #expect(response.output == [.message(id: "msg_abc", text: "hello", status: .completed),
                                    .functionCall(id: "fc_abc", callID: "call_1", name: "f", arguments: "{}", status: .completed)])
        #expect(response.output.map(\.conversationItem) == [.message(role: .assistant, text: "hello"), .functionCall(callID: "call_1", name: "f", arguments: "{}")])
        let o = try object(response.json)
        #expect(o["object"] as? String == "response" && o["status"] as? String == "completed" && o["created_at"] as? Int == 7)
        #expect(o["error"] is NSNull && o["incomplete_details"] is NSNull)
        #expect((o["metadata"] as? [String: String]) == ["k": "v"])
        #expect(o["store"] as? Bool == true && o["parallel_tool_calls"] as? Bool == true && o["tool_choice"] as? String == "auto")
        let usage = try #require(o["usage"] as? [String: Any])
        #expect(usage["input_tokens"] as? Int == 5 && usage["output_tokens"] as? Int == 3 && usage["total_tokens"] as? Int == 8)
    }

    @Test func lengthIsIncompleteForMaxOutputTokens() throws {
        let r = try request(#"{"model":"m","input":"x","max_output_tokens":2}"#)
        let completion = ChatCompletion(ResponseMetadata(id: "c", created: 1, model: "m"), text: "he", finishReason: .length,
                                        usage: Usage(promptTokens: 5, completionTokens: 2))
        let o = try object(ResponseObject(id: "resp_x", createdAt: 1, request: r, store: false, completion: completion).json)
        #expect(o["status"] as? String == "incomplete")
        #expect((o["incomplete_details"] as? [String: String]) == ["reason": "max_output_tokens"])
    }

    @Test func storedItemsRoundTrip() throws {
        let items: [ResponseItem] = [.message(role: .user, text: "q\n\"x\""), .message(role: .assistant, text: "a"),
                                     .functionCall(callID: "c", name: "f", arguments: "{}"), .functionCallOutput(callID: "c", output: "o")]
        #expect(try JSONDecoder().decode([ResponseItem].self, from: OpenAIJSON.encode(items)) == items)
    }
}
