import ContinuumOpenAI
import Foundation
import Testing

/// What a client sees for a bad body: status, type, code, param and message.
struct ExpectedError: CustomTestStringConvertible, Sendable {
    var body: String
    var param: String?
    var code: String?
    var message: String
    var status = 400
    var type = "invalid_request_error"

    var testDescription: String { body }
}

func decodeError<T: OpenAIRequest>(_ type: T.Type, _ body: String) -> OpenAIError? {
    do {
        _ = try T.decode(from: Data(body.utf8))
        return nil
    } catch {
        return error
    }
}

func check(_ error: OpenAIError?, _ e: ExpectedError, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("no error for \(e.body)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.status == e.status, sourceLocation: sourceLocation)
    #expect(error.type == e.type, sourceLocation: sourceLocation)
    #expect(error.code == e.code, sourceLocation: sourceLocation)
    #expect(error.param == e.param, sourceLocation: sourceLocation)
    #expect(error.message == e.message, sourceLocation: sourceLocation)
}

let user = #"{"role":"user","content":"hi"}"#

@Suite struct RequestErrorTests {
    @Test(arguments: [
        ExpectedError(body: "", code: nil,
                      message: "We could not parse the JSON body of your request: the body is empty. The API expects a JSON object."),
        ExpectedError(body: #"{"model": "m", "messages": ["#, code: nil,
                      message: "We could not parse the JSON body of your request: it is not valid JSON. The API expects a JSON object."),
        ExpectedError(body: "model=m", code: nil,
                      message: "We could not parse the JSON body of your request: it is not valid JSON. The API expects a JSON object."),
        ExpectedError(body: "[1]", param: nil, code: "invalid_type",
                      message: "Invalid type for the request body: expected an object, but got an array instead."),
    ])
    func malformedBodies(_ e: ExpectedError) {
        check(decodeError(ChatCompletionRequest.self, e.body), e)
    }

    @Test(arguments: [
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"temperature":"hot"}"#, param: "temperature", code: "invalid_type",
                      message: "Invalid type for 'temperature': expected a number, but got a string instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"max_tokens":1.5}"#, param: "max_tokens", code: "invalid_type",
                      message: "Invalid type for 'max_tokens': expected an integer, but got the number 1.5 instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"n":"2"}"#, param: "n", code: "invalid_type",
                      message: "Invalid type for 'n': expected an integer, but got a string instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"stream":1}"#, param: "stream", code: "invalid_type",
                      message: "Invalid type for 'stream': expected a boolean, but got the number 1 instead."),
        ExpectedError(body: #"{"model":42,"messages":[\#(user)]}"#, param: "model", code: "invalid_type",
                      message: "Invalid type for 'model': expected a string, but got the number 42 instead."),
        ExpectedError(body: #"{"model":null,"messages":[\#(user)]}"#, param: "model", code: "invalid_type",
                      message: "Invalid type for 'model': expected a string, but got null instead."),
        ExpectedError(body: #"{"model":"m","messages":{"role":"user"}}"#, param: "messages", code: "invalid_type",
                      message: "Invalid type for 'messages': expected an array, but got an object instead."),
        ExpectedError(body: #"{"model":"m","messages":["hi"]}"#, param: "messages[0]", code: "invalid_type",
                      message: "Invalid type for 'messages[0]': expected an object, but got a string instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user),\#(user),{"role":"user","content":7}]}"#,
                      param: "messages[2].content", code: "invalid_type",
                      message: "Invalid type for 'messages[2].content': expected a string or an array of content parts, but got the number 7 instead."),
        ExpectedError(body: #"{"model":"m","messages":[{"role":"user","content":["hi"]}]}"#,
                      param: "messages[0].content[0]", code: "invalid_type",
                      message: "Invalid type for 'messages[0].content[0]': expected an object, but got a string instead."),
        ExpectedError(body: #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":false}]}]}"#,
                      param: "messages[0].content[0].text", code: "invalid_type",
                      message: "Invalid type for 'messages[0].content[0].text': expected a string, but got a boolean instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"stop":["a",3]}"#, param: "stop[1]", code: "invalid_type",
                      message: "Invalid type for 'stop[1]': expected a string, but got the number 3 instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"stop":{"a":1}}"#, param: "stop", code: "invalid_type",
                      message: "Invalid type for 'stop': expected a string or an array of strings, but got an object instead."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user)],"stream":true,"stream_options":{"include_usage":"yes"}}"#,
                      param: "stream_options.include_usage", code: "invalid_type",
                      message: "Invalid type for 'stream_options.include_usage': expected a boolean, but got a string instead."),
    ])
    func wrongTypesNameThePathAndWhatWasSent(_ e: ExpectedError) {
        check(decodeError(ChatCompletionRequest.self, e.body), e)
    }

    @Test(arguments: [
        ExpectedError(body: #"{"messages":[\#(user)]}"#, param: "model", code: "missing_required_parameter",
                      message: "Missing required parameter: 'model'."),
        ExpectedError(body: #"{"model":"","messages":[\#(user)]}"#, param: "model", code: "missing_required_parameter",
                      message: "Missing required parameter: 'model'."),
        ExpectedError(body: #"{"model":"m"}"#, param: "messages", code: "missing_required_parameter",
                      message: "Missing required parameter: 'messages'."),
        ExpectedError(body: #"{"model":"m","messages":[{"content":"x"}]}"#, param: "messages[0].role",
                      code: "missing_required_parameter", message: "Missing required parameter: 'messages[0].role'."),
        ExpectedError(body: #"{"model":"m","messages":[\#(user),{"role":"user"}]}"#, param: "messages[1].content",
                      code: "missing_required_parameter", message: "Missing required parameter: 'messages[1].content'."),
        ExpectedError(body: #"{"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
                      param: "messages[0].content[0].type", code: "missing_required_parameter",
                      message: "Missing required parameter: 'messages[0].content[0].type'."),
    ])
    func missingFields(_ e: ExpectedError) {
        check(decodeError(ChatCompletionRequest.self, e.body), e)
    }

    @Test func mediaPartsAreKeptForRemoteBackends() throws {
        // An image part decodes (its bytes go to a remote backend as sent) and is listed as a
        // field a local engine cannot honour; an unknown part type is still an error.
        let r = try ChatCompletionRequest.decode(from: Data(Fixture.chatImage.utf8))
        #expect(r.forwardOnly == ["messages[0].content[1] (image_url)"])
        let unknown = #"{"model":"m","messages":[{"role":"user","content":[{"type":"video","text":"x"}]}]}"#
        check(decodeError(ChatCompletionRequest.self, unknown), ExpectedError(
            body: unknown, param: "messages[0].content[0].type", code: "invalid_value",
            message: "Invalid value for 'messages[0].content[0].type': 'video' is not a content part type; expected one of text, file, image, image_url, input_audio, refusal."))
    }

    @Test func unmodelledFieldsAreListed() throws {
        // Tools and tool calls are modelled (a local engine honours them); the rest is listed.
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]}],"tools":[],"logit_bias":null,"n":2,"x":{"y":1}}"#
        let r = try ChatCompletionRequest.decode(from: Data(body.utf8))
        #expect(r.forwardOnly == ["x", "n"])
        #expect(r.messages[1].toolCalls == [ToolCall(id: "1", name: "f", arguments: "{}")])
        let malformed = #"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]}]}"#
        check(decodeError(ChatCompletionRequest.self, malformed), ExpectedError(
            body: malformed, param: "messages[0].tool_calls[0].type", code: "missing_required_parameter",
            message: "Missing required parameter: 'messages[0].tool_calls[0].type'."))
        let plain = try ChatCompletionRequest.decode(from: Data(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"n":1,"tools":null}"#.utf8))
        #expect(plain.forwardOnly.isEmpty)
    }

    @Test func unknownRoleListsTheAcceptedOnes() {
        let body = #"{"model":"m","messages":[\#(user),{"role":"robot","content":"x"}]}"#
        check(decodeError(ChatCompletionRequest.self, body), ExpectedError(
            body: body, param: "messages[1].role", code: "invalid_value",
            message: "Invalid value for 'messages[1].role': 'robot' is not one of 'system', 'user', 'assistant', 'tool', 'developer'."))
    }

    static let chatValues: [(String, String, String, String)] = [
        // (extra fields, param, code, message)
        (#""temperature":2.5"#, "temperature", "invalid_value", "Invalid value for 'temperature': must be between 0 and 2, got 2.5."),
        (#""temperature":-0.1"#, "temperature", "invalid_value", "Invalid value for 'temperature': must be between 0 and 2, got -0.1."),
        (#""top_p":0"#, "top_p", "invalid_value", "Invalid value for 'top_p': must be greater than 0 and at most 1, got 0."),
        (#""top_p":1.01"#, "top_p", "invalid_value", "Invalid value for 'top_p': must be greater than 0 and at most 1, got 1.01."),
        (#""frequency_penalty":2.5"#, "frequency_penalty", "invalid_value", "Invalid value for 'frequency_penalty': must be between -2 and 2, got 2.5."),
        (#""presence_penalty":-3"#, "presence_penalty", "invalid_value", "Invalid value for 'presence_penalty': must be between -2 and 2, got -3."),
        (#""max_tokens":0"#, "max_tokens", "invalid_value", "Invalid value for 'max_tokens': must be at least 1, got 0."),
        (#""max_completion_tokens":-1"#, "max_completion_tokens", "invalid_value", "Invalid value for 'max_completion_tokens': must be at least 1, got -1."),
        (#""n":0"#, "n", "invalid_value", "Invalid value for 'n': must be at least 1, got 0."),
        (#""n":129"#, "n", "invalid_value", "Invalid value for 'n': must be at most 128, got 129."),
        (#""stop":["a","b","c","d","e"]"#, "stop", "invalid_value", "Invalid value for 'stop': at most 4 stop sequences are allowed, got 5."),
        (#""stop":["a",""]"#, "stop[1]", "invalid_value", "Invalid value for 'stop[1]': stop sequences must not be empty."),
        (#""logprobs":true,"top_logprobs":21"#, "top_logprobs", "invalid_value", "Invalid value for 'top_logprobs': must be between 0 and 20, got 21."),
        (#""top_logprobs":2"#, "top_logprobs", "invalid_value", "Invalid value for 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set."),
        (#""logprobs":false,"top_logprobs":2"#, "top_logprobs", "invalid_value", "Invalid value for 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set."),
        (#""stream_options":{"include_usage":true}"#, "stream_options", "invalid_value", "Invalid value for 'stream_options': only allowed when 'stream' is true."),
        (#""top_k":-1"#, "top_k", "invalid_value", "Invalid value for 'top_k': must be at least 0, got -1."),
        (#""min_p":1.5"#, "min_p", "invalid_value", "Invalid value for 'min_p': must be between 0 and 1, got 1.5."),
        (#""repetition_penalty":0"#, "repetition_penalty", "invalid_value", "Invalid value for 'repetition_penalty': must be greater than 0, got 0."),
    ]

    @Test(arguments: chatValues)
    func chatValuesOutOfRange(_ extra: String, _ param: String, _ code: String, _ message: String) {
        let body = #"{"model":"m","messages":[\#(user)],\#(extra)}"#
        check(decodeError(ChatCompletionRequest.self, body), ExpectedError(body: body, param: param, code: code, message: message))
    }

    @Test func emptyMessages() {
        let body = #"{"model":"m","messages":[]}"#
        check(decodeError(ChatCompletionRequest.self, body), ExpectedError(
            body: body, param: "messages", code: "invalid_value",
            message: "Invalid value for 'messages': must contain at least one message."))
    }

    @Test func valuesAtTheEdgesOfTheirRangesAreAccepted() throws {
        let body = #"{"model":"m","messages":[\#(user)],"temperature":2,"top_p":1,"frequency_penalty":-2,"presence_penalty":2,"max_tokens":1,"n":1,"stop":["a","b","c","d"],"logprobs":true,"top_logprobs":20,"top_k":0,"min_p":0,"stream":true,"stream_options":{"include_usage":false}}"#
        let r = try ChatCompletionRequest.decode(from: Data(body.utf8))
        #expect(r.logprobsCount == 20 && r.isStreaming && !r.includeUsage)
    }

    static let completionCases: [(String, String?, String, String)] = [
        (#""prompt":["a","b"]"#, "prompt", "unsupported_value", "Unsupported value for 'prompt': only one prompt per request is supported, got 2."),
        (#""prompt":[[1],[2]]"#, "prompt", "unsupported_value", "Unsupported value for 'prompt': only one prompt per request is supported, got 2."),
        (#""prompt":[]"#, "prompt", "invalid_value", "Invalid value for 'prompt': must not be empty."),
        (#""prompt":[[]]"#, "prompt", "invalid_value", "Invalid value for 'prompt': must not be empty."),
        (#""prompt":[1,2.5]"#, "prompt[1]", "invalid_type", "Invalid type for 'prompt[1]': expected an integer, but got the number 2.5 instead."),
        (#""prompt":[[1,"x"]]"#, "prompt[0][1]", "invalid_type", "Invalid type for 'prompt[0][1]': expected an integer, but got a string instead."),
        (#""prompt":{"text":"a"}"#, "prompt", "invalid_type", "Invalid type for 'prompt': expected a string, an array of strings or an array of token ids, but got an object instead."),
        (#""prompt":"a","logprobs":6"#, "logprobs", "invalid_value", "Invalid value for 'logprobs': must be between 0 and 5, got 6."),
        (#""prompt":"a","logprobs":true"#, "logprobs", "invalid_type", "Invalid type for 'logprobs': expected an integer, but got a boolean instead."),
        (#""prompt":"a","echo":true"#, "echo", "unsupported_value", "Unsupported value for 'echo': only false is supported."),
        (#""prompt":"a","best_of":2"#, "best_of", "unsupported_value", "Unsupported value for 'best_of': only 1 is supported, got 2."),
        (#""prompt":"a","suffix":"end""#, "suffix", "unsupported_value", "Unsupported value for 'suffix': insertion is not supported."),
        (#""prompt":"a","temperature":3"#, "temperature", "invalid_value", "Invalid value for 'temperature': must be between 0 and 2, got 3."),
        (#""max_tokens":5"#, "prompt", "missing_required_parameter", "Missing required parameter: 'prompt'."),
    ]

    @Test(arguments: completionCases)
    func completionErrors(_ extra: String, _ param: String?, _ code: String, _ message: String) {
        let body = #"{"model":"m",\#(extra)}"#
        check(decodeError(CompletionRequest.self, body), ExpectedError(body: body, param: param, code: code, message: message))
    }

    static let embeddingCases: [(String, String?, String, String)] = [
        (#""input":"""#, "input", "invalid_value", "Invalid value for 'input': must not be an empty string."),
        (#""input":["a",""]"#, "input[1]", "invalid_value", "Invalid value for 'input[1]': must not be an empty string."),
        (#""input":[]"#, "input", "invalid_value", "Invalid value for 'input': must not be empty."),
        (#""input":[[1],[]]"#, "input[1]", "invalid_value", "Invalid value for 'input[1]': must not be an empty array of tokens."),
        (#""input":["a",1]"#, "input[1]", "invalid_type", "Invalid type for 'input[1]': expected a string, but got the number 1 instead."),
        (#""input":[[1],2]"#, "input[1]", "invalid_type", "Invalid type for 'input[1]': expected an array of token ids, but got the number 2 instead."),
        (#""input":true"#, "input", "invalid_type", "Invalid type for 'input': expected a string, an array of strings or an array of token ids, but got a boolean instead."),
        (#""input":"a","encoding_format":"int8""#, "encoding_format", "invalid_value", "Invalid value for 'encoding_format': 'int8' is not one of 'float', 'base64'."),
        (#""input":"a","dimensions":0"#, "dimensions", "invalid_value", "Invalid value for 'dimensions': must be at least 1, got 0."),
    ]

    @Test(arguments: embeddingCases)
    func embeddingErrors(_ extra: String, _ param: String?, _ code: String, _ message: String) {
        let body = #"{"model":"e",\#(extra)}"#
        check(decodeError(EmbeddingRequest.self, body), ExpectedError(body: body, param: param, code: code, message: message))
    }

    @Test func tooManyEmbeddingInputs() {
        let body = #"{"model":"e","input":[\#(Array(repeating: #""x""#, count: 2049).joined(separator: ","))]}"#
        let error = decodeError(EmbeddingRequest.self, body)
        #expect(error?.param == "input")
        #expect(error?.message == "Invalid value for 'input': at most 2048 inputs are allowed, got 2049.")
    }
}
