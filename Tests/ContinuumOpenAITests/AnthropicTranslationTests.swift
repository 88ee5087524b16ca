import ContinuumOpenAI
import Foundation
import Testing

/// Anthropic Messages ↔ chat completions: decoding and refusals, the request mapping, the
/// answer mapping and the stream's event sequence, as tables without a server.
@Suite struct AnthropicTranslationTests {
    func messages(_ body: String) throws(OpenAIError) -> MessagesRequest { try MessagesRequest.decode(from: Data(body.utf8)) }

    func refusal(_ body: String) -> OpenAIError? {
        do { _ = try messages(body); return nil } catch { return error }
    }

    @Test func missingMaxTokensIsA400NamingIt() {
        let e = refusal(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(e?.status == 400)
        #expect(e?.param == "max_tokens")
        #expect(AnthropicError(e!).type == "invalid_request_error")
    }

    @Test(arguments: [
        (#""thinking":{"type":"enabled","budget_tokens":1024}"#, "thinking"),
        (#""mcp_servers":[]"#, "mcp_servers"),
        (#""container":"c""#, "container"),
        (#""service_tier":"standard_only""#, "service_tier"),
        (#""metadata":{"user_id":"u","other":1}"#, "metadata.other"),
        (#""tools":[{"type":"web_search_20250305","name":"web_search"}]"#, "tools[0].type"),
        (#""tool_choice":{"type":"auto","extra":true}"#, "tool_choice.extra"),
        (#""cache_control":{"type":"persistent"}"#, "cache_control.type"),
        (#""cache_control":{"type":"ephemeral","ttl":"1d"}"#, "cache_control.ttl"),
        (#""top_k":2147483648"#, "top_k"),
    ])
    func unsupportedFieldsAreRefusedByName(field: String, param: String) {
        let e = refusal(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],\#(field)}"#)
        #expect(e?.status == 400)
        #expect(e?.param == param)
    }

    @Test(arguments: [
        (#"{"type":"image","source":{"type":"base64","media_type":"image/png","data":""}}"#, "messages[0].content[0].type"),
        (#"{"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}"#, "messages[0].content[0].type"),
        (#"{"type":"text","text":"x","citations":[{"type":"char_location"}]}"#, "messages[0].content[0].citations"),
    ])
    func unsupportedBlocksAreRefusedByPath(block: String, param: String) {
        let e = refusal(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[\#(block)]}]}"#)
        #expect(e?.status == 400)
        #expect(e?.param == param)
    }

    @Test func aToolConversationBecomesChatMessages() throws {
        let r = try messages("""
            {"model":"m","max_tokens":64,"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Use tools."}],
             "stop_sequences":["END"],"temperature":0.5,"top_p":0.9,"top_k":40,"metadata":{"user_id":"u1"},"stream":true,
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}}],
             "tool_choice":{"type":"auto","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"z":"Paris","a":"x"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"Sunny"}]},
                                         {"type":"tool_result","tool_use_id":"toolu_2","content":"boom","is_error":true},
                                         {"type":"text","text":"Thanks"}]}]}
            """)
        let chat = r.chatRequest()
        #expect(chat.messages == [
            .init(role: .system, content: "Be brief.\nUse tools."),
            .init(role: .user, content: "Weather in Paris?"),
            .init(role: .assistant, content: "Checking.", toolCalls: [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"z":"Paris","a":"x"}"#)]),
            .init(role: .tool, content: "Sunny", toolCallID: "toolu_1"),
            .init(role: .tool, content: "Error: boom", toolCallID: "toolu_2"),
            .init(role: .user, content: "Thanks"),
        ])
        #expect(chat.sampling == SamplingOptions(maxTokens: 64, temperature: 0.5, topP: 0.9, stop: ["END"], topK: 40))
        #expect(chat.user == "u1")
        #expect(chat.isStreaming && chat.includeUsage)
        // The schema keeps the client's key order (z before a).
        #expect(chat.tools.map(\.function.parameters) == [#"{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"string"}}}"#])
        #expect(chat.toolChoice == .auto)
        #expect(chat.parallelToolCalls == false)
        try chat.validate()
    }

    @Test(arguments: [
        (#"{"type":"auto"}"#, ToolChoice.auto),
        (#"{"type":"any"}"#, ToolChoice.required),
        (#"{"type":"tool","name":"f"}"#, ToolChoice.function("f")),
        (#"{"type":"none"}"#, ToolChoice.none),
    ])
    func toolChoices(choice: String, expected: ToolChoice) throws {
        let r = try messages(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":\#(choice)}"#)
        #expect(r.chatRequest().toolChoice == expected)
    }

    @Test(arguments: [
        (OpenAIFinishReason.stop, "end_turn"), (.length, "max_tokens"), (.toolCalls, "tool_use"), (.contentFilter, "refusal"),
    ])
    func stopReasons(finish: OpenAIFinishReason, expected: String) {
        #expect(MessagesResponse.stopReason(finish) == expected)
    }

    @Test func aStopStringIsAStopSequence() throws {
        var completion = ChatCompletion(ResponseMetadata(id: "x", created: 0, model: "m"), text: "a b", finishReason: .stop,
                                        usage: Usage(promptTokens: 1, completionTokens: 2))
        completion.choices[0].stopReason = "END"
        let m = try MessagesResponse(completion, id: "msg_1", model: "m")
        #expect(m.stopReason == "stop_sequence" && m.stopSequence == "END")
        var s = MessagesStream(id: "msg_1", model: "m")
        var finish = ChatCompletionChunk.finish(ResponseMetadata(id: "x", created: 0, model: "m"), .stop)
        finish.choices[0].stopReason = "END"
        _ = s.feed(finish)
        #expect(s.end().last(where: { $0.name == "message_delta" }) == .messageDelta(stopReason: "stop_sequence", stopSequence: "END", usage: MessagesUsage(inputTokens: 0, outputTokens: 0)))
    }

    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
        (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"), (502, "api_error"),
        (503, "overloaded_error"), (529, "overloaded_error"),
    ])
    func errorTypes(status: Int, type: String) {
        #expect(AnthropicError.type(status: status) == type)
    }

    @Test func anAnswerWithTextAndACallBecomesBlocks() throws {
        let meta = ResponseMetadata(id: "chatcmpl-x", created: 0, model: "m")
        let completion = ChatCompletion(meta, text: "Let me check.", toolCalls: [ToolCall(id: "call_1", name: "f", arguments: #"{"city":"Paris"}"#)],
                                        finishReason: .toolCalls, usage: Usage(promptTokens: 12, completionTokens: 7))
        let m = try MessagesResponse(completion, id: "msg_1", model: "claude-ish")
        #expect(m.content == [.text("Let me check."), .toolUse(id: "call_1", name: "f", input: #"{"city":"Paris"}"#)])
        #expect(m.stopReason == "tool_use" && m.stopSequence == nil)
        #expect(m.usage == MessagesUsage(inputTokens: 12, outputTokens: 7))
        let json = try JSONSerialization.jsonObject(with: OpenAIJSON.encode(m)) as! [String: Any]
        #expect(json["type"] as? String == "message" && json["role"] as? String == "assistant" && json["id"] as? String == "msg_1")
        #expect(((json["content"] as! [[String: Any]])[1]["input"] as? [String: String]) == ["city": "Paris"])
        #expect(json.keys.contains("stop_sequence"))
    }

    @Test func callArgumentsThatAreNotAnObjectAreAnError() {
        let completion = ChatCompletion(ResponseMetadata(id: "x", created: 0, model: "m"), text: nil,
                                        toolCalls: [ToolCall(id: "c", name: "f", arguments: "[1")], finishReason: .toolCalls,
                                        usage: Usage(promptTokens: 1, completionTokens: 1))
        #expect(throws: OpenAIError.self) { try MessagesResponse(completion, id: "msg_1", model: "m") }
    }

    @Test func theStreamOpensAndClosesBlocksInOrder() {
        let meta = ResponseMetadata(id: "c", created: 0, model: "m")
        var s = MessagesStream(id: "msg_1", model: "m")
        var events: [MessagesStreamEvent] = s.start()
        for chunk: ChatCompletionChunk in [
            .role(meta), .content(meta, "Hi"), .content(meta, " there"),
            .toolCalls(meta, [ToolCallDelta(index: 0, id: "call_a", name: "f", arguments: "")]),
            .toolCalls(meta, [ToolCallDelta(index: 0, arguments: #"{"x":"#)]),
            .toolCalls(meta, [ToolCallDelta(index: 0, arguments: "1}")]),
            .toolCalls(meta, [ToolCallDelta(index: 1, id: "call_b", name: "g", arguments: "{}")]),
            .finish(meta, .toolCalls), .usage(meta, Usage(promptTokens: 9, completionTokens: 5)),
        ] { events += s.feed(chunk) }
        events += s.end()
        #expect(events.map(\.name) == [
            "message_start", "ping",
            "content_block_start", "content_block_delta", "content_block_delta",
            "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta",
            "content_block_stop", "content_block_start", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(events[3] == .textDelta(index: 0, "Hi"))
        #expect(events[6] == .contentBlockStart(index: 1, .toolUse(id: "call_a", name: "f", input: "{}")))
        #expect(events[8] == .inputJSONDelta(index: 1, "1}"))
        #expect(events[11] == .inputJSONDelta(index: 2, "{}"))
        #expect(events[13] == .messageDelta(stopReason: "tool_use", stopSequence: nil, usage: MessagesUsage(inputTokens: 9, outputTokens: 5)))
        #expect(events[13].data == #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":9,"output_tokens":5}}"#)
        #expect(String(decoding: events[3].frame, as: UTF8.self)
            == "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n")
    }
}
