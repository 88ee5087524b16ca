/// The OpenAPI 3.1 description of the API served at `GET /openapi.json`. Request and
/// response bodies follow OpenAI's API; their schemas name the fields Continuum reads and
/// writes (unknown request fields are ignored).
enum OpenAPIDocument {
    static func json(modelName: String) -> String {
        #"""
        {
          "openapi": "3.1.0",
          "info": {"title": "Continuum", "version": "0.1.0",
                   "description": "OpenAI-compatible API of continuum serve. Served model: \#(modelName)."},
          "servers": [{"url": "/"}],
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
              "description": "Required once any key exists (continuum keys create)."}},
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                "required": ["message", "type"], "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}},
              "Message": {"type": "object", "required": ["role"], "properties": {
                "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
                "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "object",
                  "properties": {"type": {"const": "text"}, "text": {"type": "string"}}}}, {"type": "null"}]}}},
              "Sampling": {"type": "object", "properties": {
                "temperature": {"type": "number", "minimum": 0, "maximum": 2},
                "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "top_k": {"type": "integer", "minimum": 0}, "min_p": {"type": "number", "minimum": 0, "maximum": 1},
                "repetition_penalty": {"type": "number", "exclusiveMinimum": 0},
                "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
                "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
                "seed": {"type": "integer"}, "max_tokens": {"type": "integer", "minimum": 1},
                "stop": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "maxItems": 4}]},
                "n": {"const": 1}, "user": {"type": "string"}}},
              "ChatCompletionRequest": {"allOf": [{"$ref": "#/components/schemas/Sampling"}, {"type": "object",
                "required": ["model", "messages"], "properties": {"model": {"type": "string"},
                "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Message"}},
                "max_completion_tokens": {"type": "integer", "minimum": 1}, "logprobs": {"type": "boolean"},
                "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20}, "stream": {"type": "boolean"},
                "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}}}}]},
              "CompletionRequest": {"allOf": [{"$ref": "#/components/schemas/Sampling"}, {"type": "object",
                "required": ["model", "prompt"], "properties": {"model": {"type": "string"},
                "prompt": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]},
                "logprobs": {"type": "integer", "minimum": 0, "maximum": 5}, "stream": {"type": "boolean"},
                "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}}}}]},
              "Usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"},
                "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
                "prompt_tokens_details": {"type": "object", "properties": {"cached_tokens": {"type": "integer"}}}}},
              "ChatCompletion": {"type": "object", "properties": {"id": {"type": "string"}, "object": {"const": "chat.completion"},
                "created": {"type": "integer"}, "model": {"type": "string"}, "usage": {"$ref": "#/components/schemas/Usage"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {"index": {"type": "integer"},
                  "message": {"type": "object", "properties": {"role": {"const": "assistant"}, "content": {"type": "string"}}},
                  "finish_reason": {"enum": ["stop", "length"]}, "logprobs": {"type": ["object", "null"]}}}}}},
              "Completion": {"type": "object", "properties": {"id": {"type": "string"}, "object": {"const": "text_completion"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"},
                  "finish_reason": {"enum": ["stop", "length"]}}}}, "usage": {"$ref": "#/components/schemas/Usage"}}}
            },
            "responses": {
              "Error": {"description": "OpenAI-shaped error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          },
          "security": [{"bearer": []}, {}],
          "paths": {
            "/v1/chat/completions": {"post": {"summary": "Chat completion (streams as SSE with stream: true)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletionRequest"}}}},
              "responses": {"200": {"description": "A completion, or an SSE stream of chat.completion.chunk objects ending with [DONE]",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}}, "text/event-stream": {}}},
                "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}}},
            "/v1/completions": {"post": {"summary": "Text completion (legacy API)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionRequest"}}}},
              "responses": {"200": {"description": "A completion or an SSE stream",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Completion"}}, "text/event-stream": {}}},
                "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}}},
            "/v1/embeddings": {"post": {"summary": "Sentence embeddings (input: a string or an array of strings; encoding_format float or base64)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["model", "input"]}}}},
              "responses": {"200": {"description": "A list of embedding objects with usage", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/v1/models": {"get": {"summary": "Served models", "responses": {"200": {"description": "A model list",
              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/v1/kv-events": {"get": {"summary": "SSE stream of KV blocks stored and evicted (block size and hash scheme first)",
              "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {}}}}}},
            "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok"}}}},
            "/ready": {"get": {"summary": "Readiness", "security": [], "responses": {"200": {"description": "ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "security": [], "responses": {"200": {"description": "text exposition format"}}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}
          }
        }
        """#
    }
}
