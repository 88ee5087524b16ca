import Foundation

/// The OpenAPI 3.1 description of the API served at `GET /openapi.json`. Request schemas say
/// exactly what the gateway's validation accepts (a schemathesis run in the test suite holds
/// the two together: data valid here is accepted, invalid data is refused with a 4xx);
/// `model` lists the names served. Fields a schema does not name are forwarded to remote
/// backends as sent, and refused by local engines (docs/SERVE.md).
enum OpenAPIDocument {
    /// `tokenizerModels`: the models `/tokenize` can name; `vocabularySize`: the smallest of
    /// their vocabularies (the ids `/detokenize` accepts for any of them).
    static func json(chatModels: [String], completionModels: [String], embeddingModels: [String],
                     tokenizerModels: [String] = [], vocabularySize: Int? = nil) -> String {
        func names(_ list: [String]) -> String {
            let quoted = list.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
            return quoted.isEmpty ? #"{"type": "string", "minLength": 1}"# : #"{"enum": [\#(quoted.joined(separator: ", "))]}"#
        }
        // Sampling fields of both generation endpoints (SamplingOptions).
        let sampling = #"""
        "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
        "top_p": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1},
        "top_k": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
        "min_p": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "repetition_penalty": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1e300},
        "frequency_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "presence_penalty": {"type": ["number", "null"], "minimum": -2, "maximum": 2},
        "seed": {"type": ["integer", "null"], "minimum": -9223372036854775808, "maximum": 9223372036854775807},
        "max_tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647}
        """#
        let errors = ["400", "401", "403", "404", "405", "413", "429", "500", "502", "503", "504"]
            .map { ##""\##($0)": {"$ref": "#/components/responses/Error"}"## }.joined(separator: ", ")
        let anthropicErrors = ["400", "401", "403", "404", "405", "413", "429", "500", "502", "503", "504"]
            .map { ##""\##($0)": {"$ref": "#/components/responses/AnthropicError"}"## }.joined(separator: ", ")
        return #"""
        {
          "openapi": "3.1.0",
          "info": {"title": "Continuum", "version": "0.2.0",
                   "description": "OpenAI-compatible API of continuum serve."},
          "servers": [{"url": "/"}],
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
              "description": "Required on every route but /health and /ready once any key exists (continuum keys create); /metrics and /v1/kv-events need the admin scope."}},
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                "required": ["message", "type"], "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}},
              "TextPart": {"type": "object", "required": ["type", "text"], "properties": {"type": {"const": "text"}, "text": {"type": "string"}}},
              "MediaPart": {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["image_url", "input_audio", "file", "image", "refusal"]}}},
              "Message": {"type": "object", "required": ["role"], "properties": {
                "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
                "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [
                  {"$ref": "#/components/schemas/TextPart"}, {"$ref": "#/components/schemas/MediaPart"}]}}, {"type": "null"}]},
                "name": {"type": ["string", "null"]}, "tool_call_id": {"type": ["string", "null"]}},
                "allOf": [
                  {"if": {"properties": {"role": {"not": {"const": "assistant"}}}},
                   "then": {"required": ["content"], "properties": {"content": {"not": {"type": "null"}}}}},
                  {"if": {"properties": {"role": {"const": "tool"}}},
                   "then": {"required": ["tool_call_id"], "properties": {"tool_call_id": {"type": "string"}}}}]},
              "Stop": {"oneOf": [{"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 4}, {"type": "null"}]},
              "ChatCompletionRequest": {"type": "object", "required": ["model", "messages"], "properties": {
                "model": \#(names(chatModels)),
                "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Message"}},
                \#(sampling),
                "max_completion_tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647},
                "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 128},
                "stop": {"$ref": "#/components/schemas/Stop"},
                "logprobs": {"type": ["boolean", "null"]}, "top_logprobs": {"type": ["integer", "null"], "minimum": 0, "maximum": 20},
                "stream": {"type": ["boolean", "null"]}, "user": {"type": ["string", "null"]},
                "stream_options": {"type": ["object", "null"], "properties": {"include_usage": {"type": ["boolean", "null"]}}}},
                "allOf": [
                  {"if": {"required": ["top_logprobs"]}, "then": {"required": ["logprobs"], "properties": {"logprobs": {"const": true}}}},
                  {"if": {"required": ["stream_options"]}, "then": {"required": ["stream"], "properties": {"stream": {"const": true}}}}]},
              "CompletionRequest": {"type": "object", "required": ["model", "prompt"], "properties": {
                "model": \#(names(completionModels)),
                "prompt": {"oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "maxItems": 1, "items": {"type": "string"}},
                  {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0, "maximum": 2147483647}},
                  {"type": "array", "minItems": 1, "maxItems": 1, "items": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0, "maximum": 2147483647}}}]},
                \#(sampling),
                "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 128},
                "stop": {"$ref": "#/components/schemas/Stop"},
                "logprobs": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
                "echo": {"enum": [false, null]}, "best_of": {"enum": [1, null]}, "suffix": {"type": ["string", "null"], "maxLength": 0},
                "stream": {"type": ["boolean", "null"]}, "user": {"type": ["string", "null"]},
                "stream_options": {"type": ["object", "null"], "properties": {"include_usage": {"type": ["boolean", "null"]}}}},
                "allOf": [{"if": {"required": ["stream_options"]}, "then": {"required": ["stream"], "properties": {"stream": {"const": true}}}}]},
              "EmbeddingRequest": {"type": "object", "required": ["model", "input"], "properties": {
                "model": \#(names(embeddingModels)),
                "input": {"oneOf": [{"type": "string", "minLength": 1},
                  {"type": "array", "minItems": 1, "maxItems": 2048, "items": {"type": "string", "minLength": 1}}]},
                "encoding_format": {"enum": ["float", "base64", null]}, "dimensions": {"enum": [384, null]}, "user": {"type": ["string", "null"]}}},
              "TokenizeRequest": {"type": "object", "required": ["content"], "additionalProperties": {"type": "null"}, "properties": {
                "model": {"anyOf": [\#(names(tokenizerModels)), {"type": "null"}]},
                "content": {"oneOf": [{"type": "string"}, {"type": "array", "maxItems": 65536, "items": {"oneOf": [{"type": "string"},
                  {"type": "integer", "minimum": -2147483648, "maximum": 2147483647}]}}]},
                "add_special": {"type": ["boolean", "null"]}, "parse_special": {"type": ["boolean", "null"]},
                "with_pieces": {"type": ["boolean", "null"]}}},
              "DetokenizeRequest": {"type": "object", "required": ["tokens"], "additionalProperties": {"type": "null"}, "properties": {
                "model": {"anyOf": [\#(names(tokenizerModels)), {"type": "null"}]},
                "tokens": {"type": "array", "maxItems": 65536, "items": {"type": "integer", "minimum": 0, "maximum": \#((vocabularySize ?? 1) - 1)}}}},
              "AnthropicError": {"type": "object", "required": ["type", "error"], "properties": {"type": {"const": "error"},
                "error": {"type": "object", "required": ["type", "message"], "properties": {"type": {"type": "string"}, "message": {"type": "string"}}}}},
              "CacheControl": {"type": ["object", "null"], "required": ["type"], "additionalProperties": {"type": "null"}, "properties": {
                "type": {"const": "ephemeral"}, "ttl": {"enum": ["5m", "1h", null]}},
                "description": "A hint: the engine's prefix cache reuses repeated prefixes on its own."},
              "AnthropicTextBlock": {"type": "object", "required": ["type", "text"], "additionalProperties": {"type": "null"}, "properties": {
                "type": {"const": "text"}, "text": {"type": "string"}, "cache_control": {"$ref": "#/components/schemas/CacheControl"}}},
              "AnthropicToolUseBlock": {"type": "object", "required": ["type", "id", "name", "input"], "additionalProperties": {"type": "null"}, "properties": {
                "type": {"const": "tool_use"}, "id": {"type": "string"}, "name": {"type": "string"}, "input": {"type": "object"},
                "cache_control": {"$ref": "#/components/schemas/CacheControl"}}},
              "AnthropicToolResultBlock": {"type": "object", "required": ["type", "tool_use_id"], "additionalProperties": {"type": "null"}, "properties": {
                "type": {"const": "tool_result"}, "tool_use_id": {"type": "string"},
                "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/AnthropicTextBlock"}}, {"type": "null"}]},
                "is_error": {"type": ["boolean", "null"]}, "cache_control": {"$ref": "#/components/schemas/CacheControl"}}},
              "AnthropicMessage": {"description": "tool_use blocks only in assistant messages, tool_result blocks only in user messages.", "oneOf": [
                {"type": "object", "required": ["role", "content"], "additionalProperties": {"type": "null"}, "properties": {
                  "role": {"const": "user"}, "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [
                    {"$ref": "#/components/schemas/AnthropicTextBlock"}, {"$ref": "#/components/schemas/AnthropicToolResultBlock"}]}}]}}},
                {"type": "object", "required": ["role", "content"], "additionalProperties": {"type": "null"}, "properties": {
                  "role": {"const": "assistant"}, "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [
                    {"$ref": "#/components/schemas/AnthropicTextBlock"}, {"$ref": "#/components/schemas/AnthropicToolUseBlock"}]}}]}}}]},
              "MessagesRequest": {"type": "object", "required": ["model", "messages", "max_tokens"], "additionalProperties": {"type": "null"},
                "description": "Anthropic's Messages API, text and client tools. Tool names must differ; tool_choice {type: tool} must name one of tools. Images, documents, thinking, server tools, MCP servers and containers are refused (400 naming the field).",
                "properties": {
                "model": \#(names(chatModels)),
                "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/AnthropicMessage"}},
                "system": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/AnthropicTextBlock"}}, {"type": "null"}]},
                "max_tokens": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                "stop_sequences": {"type": ["array", "null"], "maxItems": 4, "items": {"type": "string", "minLength": 1}},
                "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "top_p": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1},
                "top_k": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
                "tools": {"type": ["array", "null"], "items": {"type": "object", "required": ["name", "input_schema"], "additionalProperties": {"type": "null"},
                  "properties": {"type": {"enum": ["custom", null]}, "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"},
                  "description": {"type": ["string", "null"]}, "input_schema": {"type": "object"}, "cache_control": {"$ref": "#/components/schemas/CacheControl"}}}},
                "tool_choice": {"type": ["object", "null"], "required": ["type"], "additionalProperties": {"type": "null"}, "properties": {
                  "type": {"enum": ["auto", "any", "tool", "none"]}, "name": {"type": ["string", "null"]},
                  "disable_parallel_tool_use": {"type": ["boolean", "null"]}},
                  "if": {"properties": {"type": {"const": "tool"}}}, "then": {"required": ["name"], "properties": {"name": {"type": "string"}}}},
                "metadata": {"type": ["object", "null"], "additionalProperties": {"type": "null"}, "properties": {"user_id": {"type": ["string", "null"]}}},
                "stream": {"type": ["boolean", "null"]},
                "service_tier": {"enum": ["auto", null]},
                "cache_control": {"$ref": "#/components/schemas/CacheControl"}},
                "allOf": [{"if": {"required": ["tool_choice"], "properties": {"tool_choice": {"type": "object", "properties": {"type": {"enum": ["any", "tool"]}}}}},
                  "then": {"required": ["tools"], "properties": {"tools": {"type": "array", "minItems": 1}}}}]},
              "MessagesResponse": {"type": "object", "required": ["id", "type", "role", "model", "content", "stop_reason", "usage"], "properties": {
                "id": {"type": "string"}, "type": {"const": "message"}, "role": {"const": "assistant"}, "model": {"type": "string"},
                "content": {"type": "array", "items": {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["text", "tool_use"]},
                  "text": {"type": "string"}, "id": {"type": "string"}, "name": {"type": "string"}, "input": {"type": "object"}}}},
                "stop_reason": {"enum": ["end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal", null]},
                "stop_sequence": {"type": ["string", "null"]},
                "usage": {"type": "object", "required": ["input_tokens", "output_tokens"], "properties": {
                  "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}}}}},
              "ResponseTextPart": {"type": "object", "required": ["type", "text"], "additionalProperties": {"type": "null"}, "properties": {
                "type": {"enum": ["input_text", "output_text", "text"]}, "text": {"type": "string"}, "annotations": {"description": "output metadata, ignored"},
                "logprobs": {"description": "output metadata, ignored"}}},
              "ResponseInputItem": {"oneOf": [
                {"type": "object", "required": ["role", "content"], "additionalProperties": {"type": "null"}, "properties": {
                  "type": {"enum": ["message", null]}, "role": {"enum": ["user", "system", "developer", "assistant"]},
                  "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ResponseTextPart"}}]},
                  "id": {"type": ["string", "null"]}, "status": {"type": ["string", "null"]}}},
                {"type": "object", "required": ["type", "call_id", "name", "arguments"], "additionalProperties": {"type": "null"}, "properties": {
                  "type": {"const": "function_call"}, "call_id": {"type": "string"}, "name": {"type": "string"}, "arguments": {"type": "string"},
                  "id": {"type": ["string", "null"]}, "status": {"type": ["string", "null"]}}},
                {"type": "object", "required": ["type", "call_id", "output"], "additionalProperties": {"type": "null"}, "properties": {
                  "type": {"const": "function_call_output"}, "call_id": {"type": "string"},
                  "output": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ResponseTextPart"}}]},
                  "id": {"type": ["string", "null"]}, "status": {"type": ["string", "null"]}}}]},
              "ResponsesRequest": {"type": "object", "required": ["model"], "additionalProperties": {"type": "null"},
                "description": "OpenAI's Responses API answered by a chat model: text and function tools. Tool names must differ; a chosen function must be one of tools; previous_response_id must name a stored response of this key. Built-in tools, reasoning, background and include are refused (400 naming the field).",
                "properties": {
                "model": \#(names(chatModels)),
                "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ResponseInputItem"}}, {"type": "null"}]},
                "instructions": {"type": ["string", "null"]},
                "tools": {"type": ["array", "null"], "items": {"type": "object", "required": ["type", "name"], "additionalProperties": {"type": "null"},
                  "properties": {"type": {"const": "function"}, "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"},
                  "description": {"type": ["string", "null"]}, "parameters": {"type": ["object", "null"]}, "strict": {"type": ["boolean", "null"]}}}},
                "tool_choice": {"oneOf": [{"enum": ["none", "auto", "required", null]}, {"type": "object", "required": ["type", "name"],
                  "additionalProperties": {"type": "null"}, "properties": {"type": {"const": "function"}, "name": {"type": "string"}}}]},
                "parallel_tool_calls": {"type": ["boolean", "null"]},
                "max_output_tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647},
                "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
                "top_p": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1},
                "text": {"type": ["object", "null"], "additionalProperties": {"type": "null"}, "properties": {"format": {"oneOf": [{"type": "null"},
                  {"type": "object", "required": ["type"], "additionalProperties": {"type": "null"}, "properties": {"type": {"enum": ["text", "json_object"]}}},
                  {"type": "object", "required": ["type", "name", "schema"], "additionalProperties": {"type": "null"}, "properties": {
                    "type": {"const": "json_schema"}, "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"}, "schema": {"type": "object"},
                    "description": {"type": ["string", "null"]}, "strict": {"type": ["boolean", "null"]}}}]}}},
                "user": {"type": ["string", "null"]}, "safety_identifier": {"type": ["string", "null"]},
                "metadata": {"type": ["object", "null"], "maxProperties": 16, "propertyNames": {"maxLength": 64},
                  "additionalProperties": {"type": "string", "maxLength": 512}},
                "stream": {"type": ["boolean", "null"]}, "store": {"type": ["boolean", "null"]},
                "previous_response_id": {"type": ["string", "null"]},
                "truncation": {"enum": ["disabled", null]},
                "include": {"type": ["array", "null"], "maxItems": 0}},
                "allOf": [
                  {"if": {"not": {"required": ["previous_response_id"], "properties": {"previous_response_id": {"type": "string"}}}},
                   "then": {"required": ["input"], "properties": {"input": {"oneOf": [{"type": "string"}, {"type": "array", "minItems": 1}]}}}},
                  {"if": {"required": ["tool_choice"], "properties": {"tool_choice": {"anyOf": [{"const": "required"}, {"type": "object"}]}}},
                   "then": {"required": ["tools"], "properties": {"tools": {"type": "array", "minItems": 1},
                     "text": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"format": {"anyOf": [{"type": "null"},
                       {"type": "object", "properties": {"type": {"const": "text"}}}]}}}]}}}}]},
              "ResponseObject": {"type": "object", "required": ["id", "object", "created_at", "status", "model", "output"], "properties": {
                "id": {"type": "string"}, "object": {"const": "response"}, "created_at": {"type": "integer"},
                "status": {"enum": ["completed", "incomplete", "failed", "in_progress"]}, "model": {"type": "string"},
                "output": {"type": "array", "items": {"type": "object", "required": ["id", "type"], "properties": {
                  "id": {"type": "string"}, "type": {"enum": ["message", "function_call"]}}}},
                "usage": {"type": ["object", "null"], "properties": {"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
                  "total_tokens": {"type": "integer"}}}}},
              "Usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"},
                "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
                "prompt_tokens_details": {"type": "object", "properties": {"cached_tokens": {"type": "integer"}}}}},
              "ChatCompletion": {"type": "object", "properties": {"id": {"type": "string"}, "object": {"const": "chat.completion"},
                "created": {"type": "integer"}, "model": {"type": "string"}, "usage": {"$ref": "#/components/schemas/Usage"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {"index": {"type": "integer"},
                  "message": {"type": "object", "properties": {"role": {"const": "assistant"}, "content": {"type": ["string", "null"]}}},
                  "finish_reason": {"enum": ["stop", "length", "tool_calls", "content_filter", "function_call"]},
                  "logprobs": {"type": ["object", "null"]}}}}}},
              "Completion": {"type": "object", "properties": {"id": {"type": "string"}, "object": {"const": "text_completion"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"},
                  "finish_reason": {"enum": ["stop", "length", "content_filter"]}}}}, "usage": {"$ref": "#/components/schemas/Usage"}}}
            },
            "responses": {
              "Error": {"description": "OpenAI-shaped error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "AnthropicError": {"description": "Anthropic-shaped error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnthropicError"}}}}
            }
          },
          "security": [{"bearer": []}, {}],
          "paths": {
            "/v1/chat/completions": {"post": {"summary": "Chat completion (streams as SSE with stream: true)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletionRequest"}}}},
              "responses": {"200": {"description": "A completion, or an SSE stream of chat.completion.chunk objects ending with [DONE]",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}}, "text/event-stream": {}}},
                \#(errors)}}},
            "/v1/completions": {"post": {"summary": "Text completion (legacy API)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionRequest"}}}},
              "responses": {"200": {"description": "A completion or an SSE stream",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Completion"}}, "text/event-stream": {}}},
                \#(errors)}}},
            "/v1/messages": {"post": {"summary": "Anthropic Messages (streams as Anthropic's SSE events with stream: true); x-api-key or Bearer",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagesRequest"}}}},
              "responses": {"200": {"description": "A message, or an SSE stream of message_start … message_stop events",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagesResponse"}}, "text/event-stream": {}}},
                \#(anthropicErrors)}}},
            "/v1/responses": {"post": {"summary": "OpenAI Responses (streams as response.* SSE events with stream: true)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponsesRequest"}}}},
              "responses": {"200": {"description": "A response object, or an SSE stream of response.* events",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseObject"}}, "text/event-stream": {}}},
                \#(errors)}}},
            "/v1/responses/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {"summary": "A stored response of this key", "responses": {"200": {"description": "The response object",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseObject"}}}},
                "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "500": {"$ref": "#/components/responses/Error"}}},
              "delete": {"summary": "Deletes a stored response of this key", "responses": {"200": {"description": "Deleted",
                "content": {"application/json": {"schema": {"type": "object", "required": ["id", "object", "deleted"], "properties": {
                  "id": {"type": "string"}, "object": {"const": "response"}, "deleted": {"const": true}}}}}},
                "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "500": {"$ref": "#/components/responses/Error"}}}},
            "/v1/embeddings": {"post": {"summary": "Sentence embeddings (input: a string or an array of strings; encoding_format float or base64)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingRequest"}}}},
              "responses": {"200": {"description": "A list of embedding objects with usage", "content": {"application/json": {"schema": {"type": "object"}}}},
                \#(errors)}}},
            "/v1/models": {"get": {"summary": "The models this key may use", "responses": {"200": {"description": "A model list",
              "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/v1/models/{id}": {"get": {"summary": "One model, if this key may use it",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": \#(names(chatModels + embeddingModels))}],
              "responses": {"200": {"description": "A model", "content": {"application/json": {"schema": {"type": "object",
                "required": ["id", "object"], "properties": {"id": {"type": "string"}, "object": {"const": "model"}}}}}},
                "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/tokenize": {"post": {"summary": "Text to token ids, as llama-server answers (with_pieces: ids and their text or bytes)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenizeRequest"}}}},
              "responses": {"200": {"description": "{tokens: [...]}", "content": {"application/json": {"schema": {"type": "object",
                "required": ["tokens"], "properties": {"tokens": {"type": "array"}}}}}}, \#(errors)}}},
            "/detokenize": {"post": {"summary": "Token ids to text, as llama-server answers",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetokenizeRequest"}}}},
              "responses": {"200": {"description": "{content: text}", "content": {"application/json": {"schema": {"type": "object",
                "required": ["content"], "properties": {"content": {"type": "string"}}}}}}, \#(errors)}}},
            "/v1/kv-events": {"get": {"summary": "SSE stream of KV blocks stored and evicted (block size and hash scheme first); admin scope",
              "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {}}},
                "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok",
              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/ready": {"get": {"summary": "Readiness", "security": [], "responses": {"200": {"description": "ready",
              "content": {"application/json": {"schema": {"type": "object"}}}}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics; admin scope", "responses": {"200": {"description": "text exposition format",
              "content": {"text/plain": {}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1",
              "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Error"}}}}
          }
        }
        """#
    }
}
