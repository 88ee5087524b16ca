import ContinuumOpenAI
import Foundation
import Testing

@Suite struct OpenAIErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var error: OpenAIError
        var status: Int
        var type: String
        var code: String?
        var param: String?
        var message: String
        var retryAfter: Int? = nil
        var label: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(error: .malformedJSON(), status: 400, type: "invalid_request_error", code: nil, param: nil,
             message: "We could not parse the JSON body of your request: it is not valid JSON. The API expects a JSON object.",
             label: "malformed_json"),
        Case(error: .invalidType(param: "messages[2].content", expected: "a string", got: "a number"), status: 400,
             type: "invalid_request_error", code: "invalid_type", param: "messages[2].content",
             message: "Invalid type for 'messages[2].content': expected a string, but got a number instead.", label: "invalid_type"),
        Case(error: .missingParameter("messages"), status: 400, type: "invalid_request_error",
             code: "missing_required_parameter", param: "messages", message: "Missing required parameter: 'messages'.",
             label: "missing_parameter"),
        Case(error: .invalidValue(param: "temperature", "must be between 0 and 2, got 3"), status: 400,
             type: "invalid_request_error", code: "invalid_value", param: "temperature",
             message: "Invalid value for 'temperature': must be between 0 and 2, got 3.", label: "invalid_value"),
        Case(error: .unsupportedValue(param: "n", "only 1 is supported"), status: 400, type: "invalid_request_error",
             code: "unsupported_value", param: "n", message: "Unsupported value for 'n': only 1 is supported.",
             label: "unsupported_value"),
        Case(error: .modelNotFound("gpt-9"), status: 404, type: "invalid_request_error", code: "model_not_found", param: nil,
             message: "The model `gpt-9` does not exist or you do not have access to it.", label: "model_not_found"),
        Case(error: .contextLengthExceeded(contextLength: 4096, promptTokens: 4000, maxTokens: 200), status: 400,
             type: "invalid_request_error", code: "context_length_exceeded", param: "messages",
             message: "This model's maximum context length is 4096 tokens. However, you requested 4200 tokens (4000 in the messages, 200 in the completion). Please reduce the length of the messages or completion.",
             label: "context_length_exceeded"),
        Case(error: .contextLengthExceeded(contextLength: 2048, promptTokens: 3000, param: "prompt"), status: 400,
             type: "invalid_request_error", code: "context_length_exceeded", param: "prompt",
             message: "This model's maximum context length is 2048 tokens. However, your prompt resulted in 3000 tokens. Please reduce the length of the prompt.",
             label: "context_length_exceeded"),
        Case(error: .bodyTooLarge(limitBytes: 4_194_304), status: 413, type: "invalid_request_error",
             code: "request_too_large", param: nil,
             message: "The request body is too large: the limit is 4194304 bytes.", label: "body_too_large"),
        Case(error: .invalidAPIKey(hint: "sk-...abcd"), status: 401, type: "invalid_request_error", code: "invalid_api_key",
             param: nil, message: "Incorrect API key provided: sk-...abcd.", label: "authentication"),
        Case(error: .missingAPIKey(), status: 401, type: "invalid_request_error", code: "invalid_api_key", param: nil,
             message: "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'.",
             label: "authentication"),
        Case(error: .permissionDenied("This key may not use tier 'cloud'."), status: 403, type: "permission_error",
             code: "permission_denied", param: nil, message: "This key may not use tier 'cloud'.", label: "permission"),
        Case(error: .rateLimited(retryAfterSeconds: 7, "Rate limit reached for requests per minute"), status: 429,
             type: "requests", code: "rate_limit_exceeded", param: nil,
             message: "Rate limit reached for requests per minute. Please try again in 7s.", retryAfter: 7, label: "rate_limited"),
        Case(error: .insufficientQuota(), status: 429, type: "insufficient_quota", code: "insufficient_quota", param: nil,
             message: "You exceeded your current quota (token budget).", label: "insufficient_quota"),
        Case(error: .backendFailure("upstream returned 500"), status: 502, type: "server_error", code: "backend_error",
             param: nil, message: "upstream returned 500", label: "backend_failure"),
        Case(error: .backendUnavailable("no healthy backend for 'm'", retryAfterSeconds: 2), status: 503, type: "server_error",
             code: "backend_unavailable", param: nil, message: "no healthy backend for 'm'", retryAfter: 2,
             label: "backend_unavailable"),
        Case(error: .backendTimeout("upstream timed out after 30s"), status: 504, type: "server_error", code: "backend_timeout",
             param: nil, message: "upstream timed out after 30s", label: "backend_timeout"),
        Case(error: .serverError(), status: 500, type: "server_error", code: nil, param: nil,
             message: "The server had an error while processing your request.", label: "server_error"),
    ]

    @Test(arguments: cases)
    func eachCase(_ c: Case) throws {
        #expect(c.error.status == c.status)
        #expect(c.error.type == c.type)
        #expect(c.error.code == c.code)
        #expect(c.error.param == c.param)
        #expect(c.error.message == c.message)
        #expect(c.error.retryAfterSeconds == c.retryAfter)
        #expect(c.error.label == c.label)
        // The body is OpenAI's envelope with exactly these four keys; absent ones are null.
        let body = try JSONTree(c.error.body)
        #expect(body == .object(["error": .object([
            "message": .string(c.message), "type": .string(c.type),
            "param": c.param.map(JSONTree.string) ?? .null, "code": c.code.map(JSONTree.string) ?? .null,
        ])]))
        // …and reads back as the same error, as a gateway relaying it would.
        #expect(OpenAIError(status: c.status, body: c.error.body)?.message == c.message)
        #expect(OpenAIError(status: c.status, body: c.error.body)?.code == c.code)
    }

    @Test func bodyIsCompactWithFieldsInOpenAIsOrder() {
        let error = OpenAIError.invalidValue(param: "top_p", "must be at most 1")
        #expect(String(decoding: error.body, as: UTF8.self)
            == #"{"error":{"message":"Invalid value for 'top_p': must be at most 1.","type":"invalid_request_error","param":"top_p","code":"invalid_value"}}"#)
    }

    @Test func upstreamErrorsAreParsedLeniently() {
        let vllm = Data(#"{"error":{"message":"boom","type":"BadRequestError","param":null,"code":400}}"#.utf8)
        let e = OpenAIError(status: 400, body: vllm)
        #expect(e?.code == "400" && e?.type == "BadRequestError" && e?.label == "upstream" && e?.status == 400)
        let minimal = OpenAIError(status: 500, body: Data(#"{"error":{"message":"x"}}"#.utf8))
        #expect(minimal?.type == "api_error")
        #expect(OpenAIError(status: 502, body: Data("<html>bad gateway</html>".utf8)) == nil)
        #expect(OpenAIError(status: 500, body: Data(#"{"detail":"x"}"#.utf8)) == nil)
    }

    @Test func descriptionIsOneLine() {
        #expect(OpenAIError.modelNotFound("x").description
            == "404 invalid_request_error (model_not_found): The model `x` does not exist or you do not have access to it.")
    }
}
