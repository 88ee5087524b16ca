import ContinuumOpenAI
import Foundation
import Testing

/// response_format, grammar, tools and tool_choice as a local engine reads them.
struct StructuredOutputDecodingTests {
    @Test func schemasKeepTheClientsKeyOrder() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"}}}}},"tools":[{"type":"function","function":{"name":"f","parameters":{"properties":{"b":{},"a":{}}}}}]}"#
        let r = try ChatCompletionRequest.decode(from: Data(body.utf8))
        guard case .jsonSchema(let f)? = r.responseFormat else { Issue.record("no schema"); return }
        #expect(f.schema == #"{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"}}}"#)
        #expect(r.tools.first?.function.parameters == #"{"properties":{"b":{},"a":{}}}"#)
        #expect(r.forwardOnly.isEmpty)
    }

    @Test func toolChoiceForms() throws {
        func choice(_ json: String) throws -> ToolChoice? {
            try ChatCompletionRequest.decode(from: Data(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(json)}"#.utf8)).toolChoice
        }
        #expect(try choice(#""auto""#) == .auto)
        #expect(try choice(#""none""#) == ToolChoice.none)
        #expect(try choice(#""required""#) == .required)
        #expect(try choice(#"{"type":"function","function":{"name":"f"}}"#) == .function("f"))
        #expect(throws: OpenAIError.self) { try choice(#""sometimes""#) }
        #expect(throws: OpenAIError.self) { try choice(#"{"type":"function","function":{"name":"g"}}"#) }
    }

    @Test(arguments: [
        (#""grammar":"root ::= \"a\"","response_format":{"type":"json_object"}"#, "grammar"),
        (#""tool_choice":"required""#, "tool_choice"),
        (#""tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]"#, "tools[1].function.name"),
        (#""response_format":{"type":"json_schema","json_schema":{"name":"has space","schema":{}}}"#, "response_format.json_schema.name"),
        (#""response_format":{"type":"json_schema","json_schema":{"name":"x","schema":[1]}}"#, "response_format.json_schema.schema"),
        (#""messages":[{"role":"tool","content":"r"}]"#, "messages[0].tool_call_id"),
    ])
    func invalidCombinationsNameTheField(extra: String, param: String) {
        var body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"#
        if extra.hasPrefix(#""messages""#) { body = #"{"model":"m","# }
        body += extra + "}"
        do {
            _ = try ChatCompletionRequest.decode(from: Data(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.param == param, "\(error)")
        }
    }
}
