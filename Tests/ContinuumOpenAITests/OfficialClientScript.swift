/// The Python side of ``OfficialClientTests``: validates the encoded fixtures with the
/// official client's pydantic models, then serves them from 127.0.0.1 and reads them back
/// through `openai.OpenAI` itself (streaming included), checking each value.
let officialClientScript = #"""
import base64, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import openai
from openai.types import Completion, CreateEmbeddingResponse, Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

fx = json.load(open(sys.argv[1]))
checks = 0
def check(cond, what):
    global checks
    if not cond:
        print("FAILED:", what); sys.exit(1)
    checks += 1

# 1. Strict validation with the client's own models.
c = ChatCompletion.model_validate_json(fx["chat_completion"])
check(c.choices[0].message.content == "Hello!" and c.choices[0].finish_reason == "stop", "chat content")
check(c.usage.prompt_tokens_details.cached_tokens == 8 and c.usage.total_tokens == 15, "chat usage")
check(c.choices[0].logprobs.content[0].top_logprobs[1].token == "Hello", "chat logprobs")
for frame in fx["chat_stream"].split("\n\n"):
    if frame.startswith("data: {"):
        ChatCompletionChunk.model_validate_json(frame[6:])
        check(True, "chunk")
cmp = Completion.model_validate_json(fx["completion"])
check(cmp.choices[0].logprobs.top_logprobs[0][" lived"] == -2.5, "legacy logprobs")
check(cmp.choices[0].logprobs.text_offset == [0, 6], "text offsets")
emb = CreateEmbeddingResponse.model_validate_json(fx["embeddings_float"])
check(emb.data[1].embedding == [0.25, -2.0], "float embedding")
for m in json.loads(fx["models"])["data"]:
    Model.model_validate(m); check(True, "model")

# 2. The real client against a server replaying the fixtures.
errors = {e["model"]: e for e in fx["errors"]}
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, status, body, ctype="application/json", headers={}):
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        for k, v in headers.items(): self.send_header(k, v)
        self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        self.reply(200, fx["models"])
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if req["model"] in errors:
            e = errors[req["model"]]
            headers = {"retry-after": str(e["retry_after"])} if e.get("retry_after") else {}
            return self.reply(e["status"], e["body"], headers=headers)
        sse = "text/event-stream"
        if self.path.endswith("/chat/completions"):
            if req.get("stream"):
                return self.reply(200, fx["chat_stream_error" if req["model"] == "dies" else "chat_stream"], sse)
            return self.reply(200, fx["chat_completion"])
        if self.path.endswith("/completions"):
            return self.reply(200, fx["completion_stream"], sse) if req.get("stream") else self.reply(200, fx["completion"])
        if self.path.endswith("/embeddings"):
            check(req["encoding_format"] in ("base64", "float"), "encoding_format sent")
            return self.reply(200, fx["embeddings_" + req["encoding_format"]])
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="sk-test", max_retries=0)
msgs = [{"role": "user", "content": "hi"}]

r = client.chat.completions.create(model="m", messages=msgs, logprobs=True, top_logprobs=2)
check(r.choices[0].message.content == "Hello!" and r.usage.prompt_tokens_details.cached_tokens == 8, "client chat")

chunks = list(client.chat.completions.create(model="m", messages=msgs, stream=True, stream_options={"include_usage": True}))
check(chunks[0].choices[0].delta.role == "assistant", "first chunk has the role")
text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
check(text == "Hel" + "lo 👋\n", "streamed text: %r" % text)
check([ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "length", "finish reason")
check(chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 2, "usage chunk")
check(chunks[1].choices[0].logprobs.content[0].token == "Hel", "chunk logprobs")

try:
    list(client.chat.completions.create(model="dies", messages=msgs, stream=True))
    check(False, "mid-stream error raises")
except openai.APIError as e:
    check(e.message == "backend died mid-stream" and e.code == "backend_error", "mid-stream error: %r" % e)

cr = client.completions.create(model="m", prompt="Once", logprobs=2)
check(cr.choices[0].text == " there lived", "client completion")
parts = list(client.completions.create(model="m", prompt="Once", stream=True, stream_options={"include_usage": True}))
check("".join(p.choices[0].text for p in parts if p.choices) == " upon a time", "streamed completion")
check(parts[-1].usage.total_tokens == 7, "completion usage chunk")

e64 = client.embeddings.create(model="e", input=["a", "b"])  # the client asks for base64 and decodes it
check(e64.data[0].embedding == [0.5, -1.0, 0.25] and e64.data[1].embedding == [0.25, -2.0], "base64 embedding: %r" % e64.data)
ef = client.embeddings.create(model="e", input="a", encoding_format="float")
check(ef.usage.prompt_tokens == 3, "float embedding")
check([m.id for m in client.models.list()] == ["qwen2.5-0.5b", "bge-small"], "models list")

expected = {
    "bad": (openai.BadRequestError, "invalid_value", "temperature"),
    "missing": (openai.NotFoundError, "model_not_found", None),
    "limited": (openai.RateLimitError, "rate_limit_exceeded", None),
    "broke": (openai.RateLimitError, "insufficient_quota", None),
    "nokey": (openai.AuthenticationError, "invalid_api_key", None),
    "forbidden": (openai.PermissionDeniedError, "permission_denied", None),
    "huge": (openai.APIStatusError, "request_too_large", None),
    "long": (openai.BadRequestError, "context_length_exceeded", "messages"),
    "crash": (openai.InternalServerError, None, None),
    "upstream": (openai.InternalServerError, "backend_error", None),
    "down": (openai.InternalServerError, "backend_unavailable", None),
}
for model, (cls, code, param) in expected.items():
    try:
        client.chat.completions.create(model=model, messages=msgs)
        check(False, model + " raises")
    except cls as e:
        check(e.status_code == errors[model]["status"] and e.code == code and e.param == param, "%s: %r" % (model, e))
        check(e.body["message"] == json.loads(errors[model]["body"])["error"]["message"], model + " message")
        if model == "limited":
            check(e.response.headers["retry-after"] == "7", "retry-after header")
print("official client: %d checks passed" % checks)
"""#
