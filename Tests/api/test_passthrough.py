"""Nothing silently dropped: an OpenAI-wire upstream that records exactly what it received
(a paid cloud API cannot run here; this one speaks its protocol) shows that the client's body
goes through with every field it sent, changed only by the model rename; a local engine
refuses, naming it, any field it would ignore; streams are billed with the upstream's usage
even when the client did not ask for it."""
import json
import sqlite3
import time

import httpx
import pytest

from conftest import MODEL, Server, Upstream, start_upstream


class Echo(Upstream):
    """Records raw bodies; answers with usage {11, 3}; streams a usage chunk only when asked
    (`stream_options.include_usage`), like OpenAI; `"model": "silent"` never sends usage."""
    raw: list = []

    def do_POST(self):
        data = self.rfile.read(int(self.headers["content-length"]))
        Echo.raw.append(data)
        body = json.loads(data)
        base = {"id": "chatcmpl-echo", "created": 0, "model": body["model"]}
        usage = {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
        if not body.get("stream"):
            self.reply({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "one two three"}, "finish_reason": "stop"}]})
            return
        chunk = lambda delta, finish=None: {**base, "object": "chat.completion.chunk",
                                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        events = [chunk({"role": "assistant", "content": ""})] + [chunk({"content": w}) for w in ("one", " two", " three")]
        events.append(chunk({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage") and body["model"] != "silent":
            events.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        self.sse(events)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("passthrough")
    upstream, url = start_upstream(Echo)
    config = tmp / "serve.yaml"
    config.write_text(f"""
privacy: {{enabled: false}}
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 2, context: 1024}}
  far: {{type: openai, tier: cloud, base_url: "{url}", model: upstream-name}}
  mute: {{type: openai, tier: cloud, base_url: "{url}", model: silent}}
models:
  small: phone
  remote: far
  both: [phone, far]
  silent:
    backends: [mute]
    tokenizer: "{MODEL}"
""")
    gw = Server(tmp, "--config", str(config))
    yield gw
    gw.stop()
    upstream.shutdown()


# Every field a client may send that the gateway does not model, in the client's own spelling.
RICH = (b'{"model": "remote", "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": '
        b'[{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},'
        b' {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]}],'
        b' "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}],'
        b' "tool_choice": "auto", "response_format": {"type": "json_object"}, "logit_bias": {"50256": -100},'
        b' "n": 2, "temperature": 0.70, "x_vendor_field": {"nested": [1, 2.50, null, "\\u00e9"]}, "max_tokens": 5}')


def post(gw, body, path="/v1/chat/completions"):
    return httpx.post(gw.url + path, content=body, headers={"content-type": "application/json"}, timeout=60)


def test_every_field_reaches_the_upstream(gateway):
    r = post(gateway, RICH)
    assert r.status_code == 200, r.text
    got = Echo.raw[-1]
    assert json.loads(got) == {**json.loads(RICH), "model": "upstream-name"}
    # byte for byte apart from the model: numbers and escapes keep the client's spelling
    assert got == RICH.replace(b'"model": "remote"', b'"model": "upstream-name"'), got


@pytest.mark.parametrize("field, extra", [
    ("logit_bias", {"logit_bias": {"1": 5}}),
    ("n", {"n": 2}),
    ("x_vendor_field", {"x_vendor_field": 1}),
    ("messages[0].content[1] (image_url)", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "data:,"}}]}]}),
])
def test_a_local_engine_refuses_what_it_would_ignore(gateway, field, extra):
    body = {"model": "small", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, **extra}
    r = post(gateway, json.dumps(body).encode())
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == field and field in error["message"], error


def test_nulls_and_plain_requests_are_not_refused(gateway):
    body = {"model": "small", "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}],
            "max_tokens": 2, "tools": None, "logit_bias": None, "n": 1}
    assert post(gateway, json.dumps(body).encode()).status_code == 200


def test_fields_only_a_remote_backend_honours_go_there(gateway):
    body = {"model": "both", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "logit_bias": {"1": 5}}
    r = post(gateway, json.dumps(body).encode())
    assert r.status_code == 200 and r.headers["x-continuum-backend"] == "far", r.headers
    assert "needs_remote" in r.headers["x-continuum-route-code"]


def rows(gw):
    con = sqlite3.connect(gw.ledger)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM requests ORDER BY started_at")]
    finally:
        con.close()


def row(gw, request_id):
    for _ in range(50):
        found = [r for r in rows(gw) if r["request_id"] == request_id and r["status"] != "in_progress"]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no final row for {request_id}")


def test_streams_are_billed_with_usage_the_client_did_not_ask_for(gateway):
    body = {"model": "remote", "messages": [{"role": "user", "content": "hi"}], "stream": True, "user": "alice"}
    with httpx.stream("POST", gateway.url + "/v1/chat/completions", json=body, timeout=60) as r:
        request_id = r.headers["x-request-id"]
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    sent = json.loads(Echo.raw[-1])
    assert sent["stream_options"] == {"include_usage": True}
    assert events[-1] == "[DONE]" and not any('"usage"' in e for e in events), events  # stripped: not asked for
    r = row(gateway, request_id)
    assert (r["prompt_tokens"], r["completion_tokens"], r["tokens_estimated"]) == (11, 3, 0), r
    assert r["user"] == "alice"


def test_a_stream_without_usage_is_counted_and_marked_estimated(gateway):
    body = {"model": "silent", "messages": [{"role": "user", "content": "hello there"}], "stream": True}
    with httpx.stream("POST", gateway.url + "/v1/chat/completions", json=body, timeout=60) as r:
        request_id = r.headers["x-request-id"]
        list(r.iter_lines())
    r = row(gateway, request_id)
    assert r["tokens_estimated"] == 1 and r["prompt_tokens"] >= 2 and r["completion_tokens"] == 3, r


def test_the_client_keeps_usage_it_asked_for(gateway):
    body = {"model": "remote", "messages": [{"role": "user", "content": "hi"}], "stream": True,
            "stream_options": {"include_usage": True}}
    with httpx.stream("POST", gateway.url + "/v1/chat/completions", json=body, timeout=60) as r:
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert any('"usage"' in e for e in events)
