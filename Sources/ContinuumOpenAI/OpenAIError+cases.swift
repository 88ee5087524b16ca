/// One constructor per error a client of the API can meet. Statuses, types and codes follow
/// OpenAI's API, so its client libraries raise the matching exception
/// (`BadRequestError`, `NotFoundError`, `RateLimitError`, …).
extension OpenAIError {
    private static let invalidRequest = "invalid_request_error"

    // MARK: 400: the request itself

    /// The body is not JSON (400). `detail` says what is wrong, e.g. "the body is empty".
    public static func malformedJSON(_ detail: String = "it is not valid JSON") -> OpenAIError {
        .init(.malformedJSON, status: 400,
              message: "We could not parse the JSON body of your request: \(detail). The API expects a JSON object.",
              type: invalidRequest)
    }

    /// A field has the wrong JSON type (400), e.g. `param: "temperature", expected: "a number",
    /// got: "a string"`. `param` is the JSON path of the field.
    public static func invalidType(param: String?, expected: String, got: String) -> OpenAIError {
        let subject = param.map { "Invalid type for '\($0)'" } ?? "Invalid type for the request body"
        return .init(.invalidType, status: 400, message: "\(subject): expected \(expected), but got \(got) instead.",
                     type: invalidRequest, param: param, code: "invalid_type")
    }

    /// A required field is absent (400).
    public static func missingParameter(_ param: String) -> OpenAIError {
        .init(.missingParameter, status: 400, message: "Missing required parameter: '\(param)'.",
              type: invalidRequest, param: param, code: "missing_required_parameter")
    }

    /// A field's value is out of range or otherwise invalid (400); `reason` says what it must be.
    public static func invalidValue(param: String, _ reason: String) -> OpenAIError {
        .init(.invalidValue, status: 400, message: "Invalid value for '\(param)': \(reason).",
              type: invalidRequest, param: param, code: "invalid_value")
    }

    /// A valid OpenAI value this server does not support (400), e.g. `n` > 1 or image parts.
    public static func unsupportedValue(param: String, _ reason: String) -> OpenAIError {
        .init(.unsupportedValue, status: 400, message: "Unsupported value for '\(param)': \(reason).",
              type: invalidRequest, param: param, code: "unsupported_value")
    }

    /// The prompt and the requested completion do not fit the model's context (400).
    /// `param` is `messages` for chat, `prompt` for completions.
    public static func contextLengthExceeded(contextLength: Int, promptTokens: Int, maxTokens: Int? = nil,
                                             param: String = "messages") -> OpenAIError {
        let requested: String
        if let maxTokens {
            requested = "you requested \(promptTokens + maxTokens) tokens (\(promptTokens) in the \(param), \(maxTokens) in the completion)"
        } else {
            requested = "your \(param) resulted in \(promptTokens) tokens"
        }
        return .init(.contextLengthExceeded, status: 400,
                     message: "This model's maximum context length is \(contextLength) tokens. However, \(requested). Please reduce the length of the \(param)\(maxTokens == nil ? "" : " or completion").",
                     type: invalidRequest, param: param, code: "context_length_exceeded")
    }

    /// The request body is larger than the server accepts (413).
    public static func bodyTooLarge(limitBytes: Int) -> OpenAIError {
        .init(.bodyTooLarge, status: 413,
              message: "The request body is too large: the limit is \(limitBytes) bytes.",
              type: invalidRequest, code: "request_too_large")
    }

    // MARK: 401, 403, 404: who asks for what

    /// The `Authorization: Bearer` key is not valid (401). `hint` identifies the key safely
    /// (e.g. its last four characters); never pass the key itself.
    public static func invalidAPIKey(hint: String? = nil) -> OpenAIError {
        let which = hint.map { "Incorrect API key provided: \($0)." } ?? "Incorrect API key provided."
        return .init(.authentication, status: 401, message: which, type: invalidRequest, code: "invalid_api_key")
    }

    /// No API key was sent but the server requires one (401).
    public static func missingAPIKey() -> OpenAIError {
        .init(.authentication, status: 401,
              message: "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'.",
              type: invalidRequest, code: "invalid_api_key")
    }

    /// The key is valid but may not do this (403), e.g. a model or tier it is not allowed.
    public static func permissionDenied(_ message: String) -> OpenAIError {
        .init(.permission, status: 403, message: message, type: "permission_error", code: "permission_denied")
    }

    /// The model is not served here, or not to this key (404).
    public static func modelNotFound(_ model: String) -> OpenAIError {
        .init(.modelNotFound, status: 404,
              message: "The model `\(model)` does not exist or you do not have access to it.",
              type: invalidRequest, code: "model_not_found")
    }

    // MARK: 429: limits

    /// A rate limit or a full queue (429); `retryAfterSeconds` goes in the `Retry-After` header.
    public static func rateLimited(retryAfterSeconds: Int, _ reason: String = "Rate limit reached") -> OpenAIError {
        .init(.rateLimited, status: 429, message: "\(reason). Please try again in \(retryAfterSeconds)s.",
              type: "requests", code: "rate_limit_exceeded", retryAfterSeconds: retryAfterSeconds)
    }

    /// The key's token budget is spent (429, `insufficient_quota`); retrying will not help.
    public static func insufficientQuota(_ message: String = "You exceeded your current quota (token budget).") -> OpenAIError {
        .init(.insufficientQuota, status: 429, message: message, type: "insufficient_quota", code: "insufficient_quota")
    }

    // MARK: 5xx: our side

    /// A backend answered with an error or broke the connection (502).
    public static func backendFailure(_ message: String) -> OpenAIError {
        .init(.backendFailure, status: 502, message: message, type: "server_error", code: "backend_error")
    }

    /// No healthy backend can take the request now (503); retry after `retryAfterSeconds` if given.
    public static func backendUnavailable(_ message: String, retryAfterSeconds: Int? = nil) -> OpenAIError {
        .init(.backendUnavailable, status: 503, message: message, type: "server_error", code: "backend_unavailable",
              retryAfterSeconds: retryAfterSeconds)
    }

    /// A backend did not answer in time (504).
    public static func backendTimeout(_ message: String) -> OpenAIError {
        .init(.backendTimeout, status: 504, message: message, type: "server_error", code: "backend_timeout")
    }

    /// Anything else that went wrong on this server (500).
    public static func serverError(_ message: String = "The server had an error while processing your request.") -> OpenAIError {
        .init(.serverError, status: 500, message: message, type: "server_error")
    }
}
