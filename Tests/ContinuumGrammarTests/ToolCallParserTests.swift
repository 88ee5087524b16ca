import ContinuumGrammar
import Foundation
import Testing

/// Feeds `text` in pieces of `size` characters and collects every event.
private func parse(_ text: String, pieces size: Int) -> (events: [ToolCallParser.Event], parser: ToolCallParser) {
    var p = ToolCallParser()
    var events: [ToolCallParser.Event] = []
    var rest = Substring(text)
    while !rest.isEmpty {
        events += p.feed(String(rest.prefix(size)))
        rest = rest.dropFirst(size)
    }
    events += p.finish()
    return (events, p)
}

/// Content, and per call its name and the concatenation of its argument pieces.
private func summary(_ events: [ToolCallParser.Event]) -> (content: String, calls: [String: (name: String, args: String)]) {
    var content = ""
    var calls: [String: (name: String, args: String)] = [:]
    for e in events {
        switch e {
        case .content(let s): content += s
        case .callStart(let i, let name): calls["\(i)"] = (name, "")
        case .arguments(let i, let s): calls["\(i)", default: ("?", "")].args += s
        }
    }
    return (content, calls)
}

@Test(arguments: [1, 2, 5, 1000])
func qwenStyleCallsStreamNameFirstThenArguments(pieces: Int) {
    let text = "Let me check.<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris \\\"centre\\\"\", \"days\": [1, 2]}}\n</tool_call>\n<tool_call>\n{\"name\": \"time\", \"arguments\": {}}\n</tool_call>"
    let (events, p) = parse(text, pieces: pieces)
    let s = summary(events)
    #expect(s.content == "Let me check.")
    #expect(s.calls["0"]?.name == "get_weather")
    #expect(s.calls["0"]?.args == "{\"city\": \"Paris \\\"centre\\\"\", \"days\": [1, 2]}")
    #expect(s.calls["1"]?.name == "time" && s.calls["1"]?.args == "{}")
    #expect(p.calls == [.init(name: "get_weather", arguments: "{\"city\": \"Paris \\\"centre\\\"\", \"days\": [1, 2]}"),
                        .init(name: "time", arguments: "{}")])
    // The name comes before any argument piece of its call.
    let firstArg = events.firstIndex { if case .arguments(0, _) = $0 { true } else { false } }
    let start = events.firstIndex(of: .callStart(index: 0, name: "get_weather"))
    #expect(start != nil && firstArg != nil && start! < firstArg!)
}

@Test func otherKeyOrderIsReadWholeAtTheClosingTag() {
    let (events, p) = parse("<tool_call>{\"arguments\": {\"q\": \"x\"}, \"name\": \"search\"}</tool_call>", pieces: 3)
    #expect(p.calls == [.init(name: "search", arguments: "{\"q\": \"x\"}")])
    #expect(summary(events).calls["0"]?.args == "{\"q\": \"x\"}")
    #expect(summary(events).content == "")
}

@Test func argumentsGivenAsAStringAreUnwrapped() {
    let (_, p) = parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>", pieces: 4)
    #expect(p.calls == [.init(name: "f", arguments: "{\"a\": 1}")])
}

@Test func textThatOnlyLooksLikeATagIsContent() {
    let (events, p) = parse("a <tool but not <tool_cal and x < y", pieces: 2)
    #expect(summary(events).content == "a <tool but not <tool_cal and x < y")
    #expect(p.calls.isEmpty)
}

@Test func aBrokenBlockIsGivenBackAsContent() {
    let (events, p) = parse("<tool_call>not json</tool_call>", pieces: 3)
    #expect(p.calls.isEmpty)
    #expect(summary(events).content == "<tool_call>not json</tool_call>")
}

@Test func aCallCutOffInItsArgumentsIsNotACall() {
    let (_, p) = parse("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": [1,", pieces: 3)
    #expect(p.calls.isEmpty)
}

@Test func aCallWithoutItsClosingTagIsStillACall() {
    let (_, p) = parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}", pieces: 1)
    #expect(p.calls == [.init(name: "f", arguments: "{\"a\": 1}")])
}

@Test(arguments: [1, 3, 1000])
func aBareCallObjectNamingAFunctionIsACall(pieces: Int) {
    var p = ToolCallParser(functions: ["get_weather"])
    var events: [ToolCallParser.Event] = []
    var rest = Substring(" {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}")
    while !rest.isEmpty {
        events += p.feed(String(rest.prefix(pieces)))
        rest = rest.dropFirst(pieces)
    }
    events += p.finish()
    #expect(p.calls == [.init(name: "get_weather", arguments: "{\"city\": \"Paris\"}")])
    #expect(p.content.trimmingCharacters(in: .whitespaces).isEmpty)
}

@Test func aBareObjectThatIsNotACallIsContent() {
    for text in ["{\"name\": \"other\", \"arguments\": {}}", "{\"answer\": 42}", "{not json"] {
        var p = ToolCallParser(functions: ["get_weather"])
        let events = p.feed(text) + p.finish()
        #expect(p.calls.isEmpty)
        #expect(p.content == text, "\(events)")
    }
}

@Test func aFencedCallObjectIsACallAndOtherFencesAreContent() {
    var p = ToolCallParser(functions: ["get_weather"])
    _ = p.feed("```json\n{\n  \"name\": \"get_weather\",\n  \"arguments\": {\"city\": \"Paris\"}\n}\n```")
    _ = p.finish()
    #expect(p.calls == [.init(name: "get_weather", arguments: "{\"city\": \"Paris\"}")])
    var q = ToolCallParser(functions: ["get_weather"])
    let code = "```python\nprint(1)\n```"
    _ = q.feed(code)
    _ = q.finish()
    #expect(q.calls.isEmpty && q.content == code)
}

@Test func theRequiredCallGrammarAcceptsValidCallsOnly() throws {
    let weather = ToolCallFormat.Function(name: "get_weather", parameters: #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#)
    let ping = ToolCallFormat.Function(name: "ping")
    let bytes = TokenVocabulary(tokens: (0..<256).map { [UInt8($0)] }, endTokens: [])
    func accepts(_ text: String, parallel: Bool) throws -> Bool {
        let m = try GrammarMatcher(grammar: Grammar(gbnf: ToolCallFormat.gbnf([weather, ping], parallel: parallel)), vocabulary: bytes)
        return m.accept(bytes: Array(text.utf8)) && m.canEnd
    }
    let call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>"
    let second = "<tool_call>\n{\"name\": \"ping\", \"arguments\": {}}\n</tool_call>"
    #expect(try accepts(call, parallel: false))
    #expect(try accepts(second, parallel: false))
    #expect(try !accepts(call + "\n" + second, parallel: false))
    #expect(try accepts(call + "\n" + second, parallel: true))
    #expect(try !accepts(call.replacingOccurrences(of: "get_weather", with: "get_time"), parallel: true))
    #expect(try !accepts("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>", parallel: true))  // city is required
    #expect(throws: GrammarError.self) { try ToolCallFormat.gbnf([], parallel: true) }
}
