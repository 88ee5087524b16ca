"""/openapi.json agrees with the server's validation: schemathesis (property-based, from
the document alone) sends valid requests, which must be accepted, and invalid ones, which
must be refused with a 4xx; no 5xx, every status and content type documented, every JSON
answer in its schema. The generation routes are answered by an OpenAI-wire stub upstream
(fast and deterministic: the engine's own answers are tested elsewhere)."""
import json
import os
import subprocess

import pytest

from conftest import MODEL, ROOT, Server, Upstream, start_upstream

SCHEMATHESIS = ROOT / ".venv" / "bin" / "schemathesis"


class Stub(Upstream):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        chat = self.path.endswith("/chat/completions")
        if body.get("stream"):
            piece = ({"id": "s", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                      "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]} if chat else
                     {"id": "s", "object": "text_completion", "created": 0, "model": "stub",
                      "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}]})
            data = f"data: {json.dumps(piece)}\n\ndata: [DONE]\n\n".encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if chat:
            self.reply({"id": "c", "object": "chat.completion", "created": 0, "model": "stub", "usage": usage,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})
        else:
            self.reply({"id": "c", "object": "text_completion", "created": 0, "model": "stub", "usage": usage,
                        "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}]})


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    upstream, url = start_upstream(Stub)
    config = tmp / "serve.yaml"
    config.write_text(f"""
privacy: {{enabled: false}}
backends:
  stub: {{type: openai, tier: device, base_url: "{url}"}}
models:
  stub: {{backends: [stub], tokenizer: "{MODEL}"}}
""")
    gw = Server(tmp, "--config", str(config))
    yield gw, tmp
    gw.stop()
    upstream.shutdown()


def test_openapi_document_and_validation_agree(gateway):
    gw, tmp = gateway
    checks = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance",
                       "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance"])
    out = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{gw.url}/openapi.json", "--checks", checks, "--max-examples", "60", "--seed", "1",
         "--workers", "2", "--request-timeout", "20", "--exclude-path", "/v1/embeddings", "--exclude-path", "/v1/kv-events",
         "--phases", "examples,fuzzing", "--no-color", "--suppress-health-check", "all"],
        capture_output=True, text=True, timeout=600, cwd=tmp,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schema_fuzz_hooks", "PYTHONPATH": str(ROOT / "Tests" / "api")})
    (tmp / "schemathesis.txt").write_text(out.stdout + out.stderr)  # the whole report, when the tail is not enough
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
