import ContinuumOpenAI
import Foundation
import Testing

/// Feeds `bytes` split at the given offsets and collects the events.
func parse(_ bytes: [UInt8], splits: [Int] = [], maxEventBytes: Int = 1 << 20) throws -> [ServerSentEvent] {
    var parser = SSEParser(maxEventBytes: maxEventBytes)
    var events: [ServerSentEvent] = []
    var start = 0
    for end in splits + [bytes.count] {
        events += try parser.feed(bytes[start..<end])
        start = end
    }
    try parser.finish()
    return events
}

@Suite struct SSETests {
    @Test func encoderFramesAsOpenAIDoes() throws {
        let chunk = ChatCompletionChunk.content(meta, "Hi\n")
        let frame = try SSEEncoder.data(chunk)
        let text = String(decoding: frame, as: UTF8.self)
        #expect(text.hasPrefix("data: {") && text.hasSuffix("}\n\n"))
        #expect(text.dropFirst(6).dropLast(2).contains("\n") == false, "JSON escapes newlines; one data line")
        #expect(String(decoding: SSEEncoder.done, as: UTF8.self) == "data: [DONE]\n\n")
        #expect(String(decoding: SSEEncoder.error(.backendFailure("upstream closed")), as: UTF8.self)
            == #"data: {"error":{"message":"upstream closed","type":"server_error","param":null,"code":"backend_error"}}"# + "\n\n")
        #expect(String(decoding: SSEEncoder.comment("keep-alive"), as: UTF8.self) == ": keep-alive\n\n")
        #expect(String(decoding: SSEEncoder.encode(ServerSentEvent(event: "kv", data: "a\nb\r\nc", id: "7", retry: 500)), as: UTF8.self)
            == "event: kv\nid: 7\nretry: 500\ndata: a\ndata: b\ndata: c\n\n")
    }

    /// A whole OpenAI stream: role, content with logprobs, finish, usage, error, done.
    static func stream() throws -> (bytes: [UInt8], events: [ServerSentEvent]) {
        let frames: [Data] = [
            try SSEEncoder.data(ChatCompletionChunk.role(meta)),
            SSEEncoder.comment("ping"),
            try SSEEncoder.data(ChatCompletionChunk.content(meta, "héllo 👋\nworld", logprobs: ChatLogprobs(
                [LogprobEntry(token: .init(text: "h", logprob: -0.1), alternatives: [.init(text: "h", logprob: -0.1)])],
                topLogprobs: 1))),
            try SSEEncoder.data(ChatCompletionChunk.finish(meta, .stop)),
            try SSEEncoder.data(ChatCompletionChunk.usage(meta, Usage(promptTokens: 3, completionTokens: 4, cachedTokens: 1))),
            SSEEncoder.encode(ServerSentEvent(event: "block_stored", data: "line1\n\nline3", id: "42")),
            SSEEncoder.error(.backendFailure("boom")),
            SSEEncoder.done,
        ]
        let bytes = frames.flatMap { Array($0) }
        var events: [ServerSentEvent] = frames.filter { $0.first != UInt8(ascii: ":") }.map {
            var s = String(decoding: $0, as: UTF8.self)
            s.removeFirst(6)
            s.removeLast(2)
            return ServerSentEvent(data: s)
        }
        events[4] = ServerSentEvent(event: "block_stored", data: "line1\n\nline3", id: "42")
        return (bytes, events)
    }

    @Test func roundTripSplitAtEveryByteBoundary() throws {
        let (bytes, expected) = try Self.stream()
        #expect(try parse(bytes) == expected)
        for split in 0...bytes.count {
            #expect(try parse(bytes, splits: [split]) == expected, "split at \(split)")
        }
        // Byte by byte.
        #expect(try parse(bytes, splits: Array(1..<bytes.count)) == expected)
        // And the chunks decode back to what was sent.
        let events = try parse(bytes)
        let first = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(events[0].data.utf8))
        #expect(first == ChatCompletionChunk.role(meta))
        let content = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(events[1].data.utf8))
        #expect(content.choices[0].delta.content == "héllo 👋\nworld")
        #expect(OpenAIError(status: 502, body: Data(events[5].data.utf8)) == .backendFailure("boom"))
        #expect(events.last?.isDone == true)
    }

    @Test func crlfAndCrLineEndsEvenWhenSplitBetweenCrAndLf() throws {
        let text = "event: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: x\rdata: y\r\rid: 5\ndata:z\n\n"
        let bytes = Array(text.utf8)
        let expected = [ServerSentEvent(event: "a", data: "1\n2"), ServerSentEvent(data: "x\ny"),
                        ServerSentEvent(data: "z", id: "5")]
        for split in 0...bytes.count {
            #expect(try parse(bytes, splits: [split]) == expected, "split at \(split)")
        }
        #expect(try parse(bytes, splits: Array(1..<bytes.count)) == expected)
    }

    @Test func fieldRulesFromTheSpec() throws {
        var parser = SSEParser()
        let events = try parser.feed(Array("""
            \u{FEFF}: a comment
            data

            data:  two spaces
            unknown: ignored
            event: only-type

            id: 1
            retry: 3000
            retry: soon
            data: a
            data:b

            data: after
            id

            """.utf8) + [0x0A])
        #expect(events == [
            ServerSentEvent(data: ""),                                // "data" with no colon is an empty data line
            ServerSentEvent(event: "only-type", data: " two spaces"),  // only one leading space is stripped
            ServerSentEvent(data: "a\nb", id: "1", retry: 3000),
            ServerSentEvent(data: "after", id: ""),
        ])
        #expect(parser.lastEventID == "")
        try parser.finish()
        // An event with no data is not dispatched.
        #expect(try parse(Array("event: x\nid: 9\n\n".utf8)) == [])
    }

    @Test func oversizedEventThrowsAndTheParserStaysFailed() throws {
        var parser = SSEParser(maxEventBytes: 64)
        #expect(try parser.feed(Array("data: \(String(repeating: "a", count: 50))\n\n".utf8)).count == 1)
        // Many small data lines that add up to too much.
        #expect(throws: SSEParserError(.eventTooLarge, limit: 64)) {
            for _ in 0..<10 { _ = try parser.feed(Array("data: 0123456789\n".utf8)) }
        }
        #expect(throws: SSEParserError(.alreadyFailed, limit: 64)) { _ = try parser.feed([0x0A]) }
        // One endless line, fed in small pieces: memory stays bounded.
        var endless = SSEParser(maxEventBytes: 1000)
        #expect(throws: SSEParserError(.eventTooLarge, limit: 1000)) {
            for _ in 0..<10_000 { _ = try endless.feed(Array("xxxxxxxxxx".utf8)) }
        }
        #expect(SSEParserError(.eventTooLarge, limit: 1000).description == "SSE: event too large (limit 1000 bytes)")
    }

    @Test func streamEndingInsideAnEventIsTruncated() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: {\"a\":1}\n\ndata: {\"b\"".utf8)) == [ServerSentEvent(data: #"{"a":1}"#)])
        #expect(throws: SSEParserError(.truncated, limit: 1 << 20)) { try parser.finish() }
        var complete = SSEParser()
        _ = try complete.feed(Array("data: [DONE]\n\n".utf8))
        try complete.finish()
    }

    @Test func nonContiguousInput() throws {
        var parser = SSEParser()
        let events = try parser.feed(AnySequence("data: hi\n\n".utf8))
        #expect(events == [ServerSentEvent(data: "hi")])
    }
}
