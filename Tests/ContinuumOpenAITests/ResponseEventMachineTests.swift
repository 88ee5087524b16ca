import ContinuumOpenAI
import Foundation
import Testing

/// The streaming state machine, from tables of chat chunks: event order, sequence numbers,
/// deltas that add up to the final text, and the final response.
@Suite struct ResponseEventMachineTests {
    let meta = ResponseMetadata(id: "chatcmpl-1", created: 1, model: "m")

    func machine() throws -> ResponseEventMachine {
        let r = try ResponsesRequest.decode(from: Data(#"{"model":"m","input":"x","stream":true}"#.utf8))
        return ResponseEventMachine(response: ResponseObject(id: "resp_1", createdAt: 1, request: r, store: false))
    }

    func data(_ e: ResponseEventMachine.Event) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(e.data.utf8)) as? [String: Any])
    }

    func run(_ chunks: [ChatCompletionChunk], error: OpenAIError? = nil) throws -> [ResponseEventMachine.Event] {
        var m = try machine()
        var events = m.start()
        for c in chunks { events += m.consume(c) }
        events += error.map { m.fail($0) } ?? m.finish()
        // Every event's data says its own type and the next sequence number.
        for (i, e) in events.enumerated() {
            let d = try data(e)
            #expect(d["type"] as? String == e.type)
            #expect(d["sequence_number"] as? Int == i)
        }
        return events
    }

    @Test func textStream() throws {
        let events = try run([.role(meta), .content(meta, "Hel"), .content(meta, "lo"), .finish(meta, .stop),
                              .usage(meta, Usage(promptTokens: 4, completionTokens: 2))])
        #expect(events.map(\.type) == [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed",
        ])
        let deltas = try events.filter { $0.type == "response.output_text.delta" }.map { try data($0)["delta"] as? String ?? "" }
        #expect(deltas.joined() == "Hello")
        #expect(try data(events[6])["text"] as? String == "Hello")
        let final = try #require(try data(events[9])["response"] as? [String: Any])
        #expect(final["status"] as? String == "completed")
        #expect((final["usage"] as? [String: Any])?["output_tokens"] as? Int == 2)
        let created = try #require(try data(events[0])["response"] as? [String: Any])
        #expect(created["status"] as? String == "in_progress" && (created["output"] as? [Any])?.isEmpty == true)
    }

    @Test func toolCallStream() throws {
        let events = try run([.role(meta), .toolCalls(meta, [ToolCallDelta(index: 0, id: "call_1", name: "f", arguments: "")]),
                              .toolCalls(meta, [ToolCallDelta(index: 0, arguments: #"{"a":"#)]), .toolCalls(meta, [ToolCallDelta(index: 0, arguments: "1}")]),
                              .finish(meta, .toolCalls)])
        #expect(events.map(\.type) == [
            "response.created", "response.in_progress", "response.output_item.added", "response.function_call_arguments.delta",
            "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done", "response.completed",
        ])
        let done = try data(events[5])
        #expect(done["arguments"] as? String == #"{"a":1}"# && done["name"] as? String == "f")
        let item = try #require(try data(events[6])["item"] as? [String: Any])
        #expect(item["type"] as? String == "function_call" && item["call_id"] as? String == "call_1")
    }

    @Test func lengthEndsIncomplete() throws {
        let events = try run([.content(meta, "ab"), .finish(meta, .length)])
        #expect(events.last?.type == "response.incomplete")
        let last = try #require(events.last)
        let r = try #require(try data(last)["response"] as? [String: Any])
        #expect((r["incomplete_details"] as? [String: String]) == ["reason": "max_output_tokens"])
    }

    @Test func failureMidStreamSendsErrorThenFailed() throws {
        let events = try run([.content(meta, "ab")], error: .backendFailure("gone"))
        #expect(events.suffix(2).map(\.type) == ["error", "response.failed"])
        #expect(try data(events[events.count - 2])["message"] as? String == "gone")
    }

    @Test func emptyAnswerIsAnEmptyMessage() throws {
        let events = try run([.finish(meta, .stop)])
        #expect(events.map(\.type).contains("response.output_item.done"))
        #expect(events.last?.type == "response.completed")
    }

    @Test func finishedIsWhatFinishMakes() throws {
        var m = try machine()
        _ = m.start()
        _ = m.consume(.content(meta, "ab"))
        _ = m.consume(.finish(meta, .stop))
        let preview = m.finished
        #expect(preview.status == .completed && preview.output == [.message(id: "msg_1", text: "ab", status: .completed)])
        let events = m.finish()
        #expect(m.response == preview)
        #expect(events.last?.type == "response.completed")
    }
}
