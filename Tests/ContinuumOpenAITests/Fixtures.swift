/// Request bodies exactly as the official `openai` Python package (3.57) sends them,
/// captured from its requests to a local HTTP server. `extra_body` carried the
/// Continuum extensions in `chatFull`.
enum Fixture {
    static let chatSimple = #"{"model":"qwen2.5-0.5b","messages":[{"role":"user","content":"Hello"}]}"#
    static let chatFull = #"{"model":"qwen2.5-0.5b","messages":[{"role":"developer","content":"Be brief."},{"role":"system","content":"You are helpful."},{"role":"user","content":[{"type":"text","text":"Say hi"},{"type":"text","text":" twice"}]},{"role":"assistant","content":"hi hi"},{"role":"user","content":"again"}],"frequency_penalty":0.5,"logprobs":true,"max_completion_tokens":64,"max_tokens":32,"n":1,"presence_penalty":-0.5,"seed":42,"stop":["\n\n","END"],"temperature":0.7,"top_logprobs":3,"top_p":0.9,"user":"user-1234","top_k":40,"min_p":0.05,"repetition_penalty":1.1}"#
    static let chatStream = #"{"model":"qwen2.5-0.5b","stream":true,"messages":[{"role":"user","content":"Hi"}],"stop":"\n","stream_options":{"include_usage":true}}"#
    static let chatImage = #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}"#
    static let chatToolMsg = #"{"model":"m","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"sunny"}]}"#
    static let completionSimple = #"{"model":"m","prompt":"Once upon a time"}"#
    static let completionFull = #"{"model":"m","stream":true,"prompt":["Once upon a time"],"echo":false,"frequency_penalty":0,"logprobs":2,"max_tokens":16,"n":1,"presence_penalty":0,"seed":7,"stop":"\n","stream_options":{"include_usage":true},"temperature":0,"top_p":1,"user":"u"}"#
    static let completionTokens = #"{"model":"m","prompt":[1,2,3,4]}"#
    static let embeddingSimple = #"{"model":"e","input":"hello world","encoding_format":"float"}"#
    static let embeddingList = #"{"model":"e","input":["a","b"],"dimensions":256,"encoding_format":"base64"}"#
    static let embeddingDefault = #"{"model":"e","input":[[1,2,3],[4,5]],"encoding_format":"base64"}"#
}
