"""Anthropic's Messages API (`POST /v1/messages`) on real `continuum serve` processes, with the
official `anthropic` client: text and streams (the event sequence), tools on Qwen2.5, errors in
Anthropic's shape (from the handler and from middleware), provenance headers and ledger rows,
and two nodes: a gateway whose `openai` backend is another continuum (the request translated)
and one whose `anthropic` backend is that continuum's own /v1/messages (passed through)."""
import json
import os
import sqlite3
import subprocess
import time

import anthropic
import httpx
import jsonschema
import pytest

from conftest import BINARY, MODEL_NAME, MODELS, Server

QWEN = MODELS / "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
HI = [{"role": "user", "content": "Name three colors."}]
# This client's create() no longer takes sampling fields as arguments; the API still does.
GREEDY = {"extra_body": {"temperature": 0}}


def finished_row(server, request_id):
    """The ledger row of a request, once written (a stream's is written after its last byte)."""
    for _ in range(100):
        row = ledger_rows(server).get(request_id)
        if row and row["status"] != "in_progress":
            return row
        time.sleep(0.05)
    return row


def ledger_rows(server):
    con = sqlite3.connect(server.ledger)
    con.row_factory = sqlite3.Row
    rows = {r["request_id"]: dict(r) for r in con.execute("SELECT * FROM requests")}
    con.close()
    return rows


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """SmolLM2 behind keys: `user` may infer, `slow` one request a minute."""
    tmp = tmp_path_factory.mktemp("anthropic")

    def create(name, *args):
        out = subprocess.run([str(BINARY), "keys", "create", name, *args, "--ledger", str(tmp / "ledger.sqlite")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    secrets = {"user": create("user"), "slow": create("slow", "--rpm", "1")}
    s = Server(tmp)
    yield s, secrets
    s.stop()


@pytest.fixture(scope="module")
def ac(keyed):
    server, secrets = keyed
    return anthropic.Anthropic(base_url=server.url, api_key=secrets["user"], max_retries=0, timeout=120)


def post(url, body, key, headers=None):
    return httpx.post(url + "/v1/messages", json=body, timeout=120, headers={"x-api-key": key, **(headers or {})})


def test_a_text_message_with_provenance_and_a_ledger_row(ac, keyed):
    server, _ = keyed
    raw = ac.messages.with_raw_response.create(model=MODEL_NAME, max_tokens=16, messages=HI,
                                               extra_body={"temperature": 0, "top_k": 40, "top_p": 0.9},
                                               system=[{"type": "text", "text": "You are terse."}],
                                               metadata={"user_id": "u-42"})
    m = raw.parse()
    assert m.type == "message" and m.role == "assistant" and m.model == MODEL_NAME
    assert m.id.startswith("msg_") and raw.headers["x-request-id"] == m.id
    assert raw.headers["x-continuum-tier"] == "device" and raw.headers["x-continuum-backend"] == "local"
    assert raw.headers["x-continuum-route"] and raw.headers["x-continuum-route-code"]
    assert [b.type for b in m.content] == ["text"] and m.content[0].text
    assert m.stop_reason in ("end_turn", "max_tokens") and m.stop_sequence is None
    assert m.usage.input_tokens > 10 and 0 < m.usage.output_tokens <= 16
    row = finished_row(server, m.id)
    assert (row["status"], row["http_status"], row["model"]) == ("ok", 200, MODEL_NAME)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (m.usage.input_tokens, m.usage.output_tokens)
    assert row["user"] == "u-42"


def test_max_tokens_ends_with_max_tokens(ac):
    m = ac.messages.create(model=MODEL_NAME, max_tokens=2, messages=HI, stop_sequences=["zzz"], **GREEDY)
    assert m.stop_reason == "max_tokens" and m.usage.output_tokens == 2


@pytest.mark.parametrize("streaming", [False, True])
def test_a_stop_sequence_is_reported(ac, streaming):
    kw = dict(model=MODEL_NAME, max_tokens=24, messages=HI, **GREEDY)
    text = ac.messages.create(**kw).content[0].text
    words = text.split()
    assert len(words) >= 3, text
    stop = words[2]
    kw["stop_sequences"] = [stop, "never-generated"]
    if streaming:
        with ac.messages.stream(**kw) as s:
            m = s.get_final_message()
    else:
        m = ac.messages.create(**kw)
    assert (m.stop_reason, m.stop_sequence) == ("stop_sequence", stop)
    assert m.content[0].text == text[:text.index(stop)]


def test_a_stream_is_anthropics_event_sequence(ac):
    kw = dict(model=MODEL_NAME, max_tokens=24, messages=HI, **GREEDY)
    full = ac.messages.create(**kw)
    events = list(ac.messages.create(stream=True, **kw))
    types = [e.type for e in events]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    assert events[0].message.content == [] and events[0].message.id.startswith("msg_")
    body = [t for t in types[1:-2] if t != "ping"]
    assert body[0] == "content_block_start" and body[-1] == "content_block_stop"
    assert set(body[1:-1]) == {"content_block_delta"}
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text == full.content[0].text
    delta = events[-2]
    assert delta.delta.stop_reason == full.stop_reason
    assert delta.usage.output_tokens == full.usage.output_tokens
    # The client's own accumulator agrees.
    with ac.messages.stream(**kw) as s:
        final = s.get_final_message()
    assert final.content[0].text == full.content[0].text and final.usage.output_tokens == full.usage.output_tokens


@pytest.mark.parametrize("extra, words", [
    ({"thinking": {"type": "enabled", "budget_tokens": 1024}}, ["thinking"]),
    ({"mcp_servers": [{"type": "url", "url": "http://x", "name": "x"}]}, ["mcp_servers"]),
    ({"service_tier": "standard_only"}, ["service_tier"]),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]},
     ["messages[0].content[0].type", "image"]),
    ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, ["tools[0].type"]),
    ({"temperature": 1.5}, ["temperature"]),
])
def test_what_cannot_be_honoured_is_a_400_naming_it(keyed, extra, words):
    server, secrets = keyed
    r = post(server.url, {"model": MODEL_NAME, "max_tokens": 4, "messages": HI, **extra}, secrets["user"])
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    for w in words:
        assert w in body["error"]["message"], body


def test_max_tokens_is_required(keyed):
    server, secrets = keyed
    r = post(server.url, {"model": MODEL_NAME, "messages": HI}, secrets["user"])
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error" and "max_tokens" in r.json()["error"]["message"]


def test_anthropic_version_is_accepted_and_a_beta_refused(keyed):
    server, secrets = keyed
    body = {"model": MODEL_NAME, "max_tokens": 2, "messages": HI}
    assert post(server.url, body, secrets["user"], {"anthropic-version": "2023-06-01"}).status_code == 200
    r = post(server.url, body, secrets["user"], {"anthropic-beta": "prompt-caching-2024-07-31"})
    assert r.status_code == 400 and "anthropic-beta" in r.json()["error"]["message"]


def test_errors_have_anthropics_shape_and_types(keyed, ac):
    server, secrets = keyed
    with pytest.raises(anthropic.AuthenticationError) as e:
        anthropic.Anthropic(base_url=server.url, api_key="ck-" + "x" * 40, max_retries=0).messages.create(
            model=MODEL_NAME, max_tokens=2, messages=HI)
    assert e.value.status_code == 401 and e.value.body["type"] == "error" and e.value.body["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.NotFoundError) as e:
        ac.messages.create(model="claude-nope", max_tokens=2, messages=HI)
    assert e.value.body["error"]["type"] == "not_found_error" and "claude-nope" in e.value.body["error"]["message"]
    # Middleware errors too: the rate limit (with Retry-After) and an unknown method.
    body = {"model": MODEL_NAME, "max_tokens": 1, "messages": HI}
    statuses = [post(server.url, body, secrets["slow"]) for _ in range(2)]
    assert statuses[0].status_code == 200 and statuses[1].status_code == 429
    assert statuses[1].json()["error"]["type"] == "rate_limit_error" and int(statuses[1].headers["retry-after"]) >= 1
    r = httpx.get(server.url + "/v1/messages", headers={"x-api-key": secrets["user"]})
    assert r.status_code == 405 and r.json()["type"] == "error"
    # Chat completions keep OpenAI's shape.
    r = httpx.post(server.url + "/v1/chat/completions", json={"model": "nope", "messages": HI}, headers={"x-api-key": secrets["user"]})
    assert r.status_code == 404 and "error" in r.json() and "type" not in r.json()


# --- Tools on Qwen2.5 ---------------------------------------------------------------------

WEATHER = {"name": "get_weather", "description": "Current weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
                            "required": ["city", "unit"], "additionalProperties": False}}
TIME = {"name": "get_time", "description": "Current time in a timezone",
        "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    assert QWEN.exists(), f"{QWEN} missing: run scripts/fetch-model.sh qwen2.5"
    s = Server(tmp_path_factory.mktemp("qwen"), "-m", str(QWEN), "--model-name", "qwen")
    yield anthropic.Anthropic(base_url=s.url, api_key="unused", max_retries=0, timeout=300)
    s.stop()


@pytest.mark.parametrize("streaming", [False, True])
def test_a_tool_round_trip(qwen, streaming):
    messages = [{"role": "user", "content": "What's the weather in Paris in celsius?"}]
    kw = dict(model="qwen", max_tokens=120, **GREEDY, system="You are a helpful assistant.", tools=[WEATHER, TIME],
              tool_choice={"type": "any", "disable_parallel_tool_use": True})
    if streaming:
        events = list(qwen.messages.create(stream=True, messages=messages, **kw))
        assert "input_json_delta" in {e.delta.type for e in events if e.type == "content_block_delta"}
        with qwen.messages.stream(messages=messages, **kw) as s:
            m = s.get_final_message()
    else:
        m = qwen.messages.create(messages=messages, **kw)
    assert m.stop_reason == "tool_use", m
    calls = [b for b in m.content if b.type == "tool_use"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and calls[0].id
    jsonschema.validate(calls[0].input, WEATHER["input_schema"])
    messages += [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": calls[0].id,
                                               "content": [{"type": "text", "text": json.dumps({"temperature": 18, "sky": "clear"})}]}]}]
    # The answer: tools still listed, calling them turned off (this 0.5B model would call again).
    kw["tool_choice"] = {"type": "none"}
    m = qwen.messages.create(messages=messages, **kw)
    assert m.stop_reason in ("end_turn", "max_tokens") and [b.type for b in m.content] == ["text"], m
    assert "18" in m.content[0].text, m.content[0].text


def test_a_named_tool_is_called(qwen):
    m = qwen.messages.create(model="qwen", max_tokens=60, **GREEDY, tools=[WEATHER, TIME],
                             tool_choice={"type": "tool", "name": "get_time"},
                             messages=[{"role": "user", "content": "What time is it in Tokyo?"}])
    assert m.stop_reason == "tool_use" and [b.name for b in m.content if b.type == "tool_use"] == ["get_time"]


# --- Two nodes: translated and passed through -----------------------------------------------

@pytest.fixture(scope="module")
def gateway(keyed, tmp_path_factory):
    """Gateway A with two backends on the keyed continuum B: `type: openai` (A translates
    Messages to chat) and `type: anthropic` (A passes B's /v1/messages the client's body)."""
    b, secrets = keyed
    tmp = tmp_path_factory.mktemp("gateway")
    os.environ["CONTINUUM_TEST_B_KEY"] = secrets["user"]
    config = tmp / "serve.yaml"
    config.write_text(f"""
backends:
  chat-b: {{type: openai, tier: cloud, base_url: "{b.url}/v1", model: {MODEL_NAME}, api_key_env: CONTINUUM_TEST_B_KEY}}
  messages-b: {{type: anthropic, tier: cloud, base_url: "{b.url}/v1", model: {MODEL_NAME}, api_key_env: CONTINUUM_TEST_B_KEY}}
models:
  translated: chat-b
  passed: messages-b
""")
    keys = {}
    for name, args in (("user", []), ("small-budget", ["--budget", "100"])):
        out = subprocess.run([str(BINARY), "keys", "create", name, *args, "--ledger", str(tmp / "ledger.sqlite")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        keys[name] = out.stdout.strip()
    a = Server(tmp, "--config", str(config))
    a.keys = keys
    yield a
    a.stop()


@pytest.mark.parametrize("model, backend", [("translated", "chat-b"), ("passed", "messages-b")])
def test_two_nodes(gateway, keyed, model, backend):
    b, _ = keyed
    client = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.keys["user"], max_retries=0, timeout=120)
    kw = dict(model=model, max_tokens=12, messages=HI, **GREEDY)
    raw = client.messages.with_raw_response.create(**kw)
    m = raw.parse()
    assert raw.headers["x-continuum-backend"] == backend and raw.headers["x-continuum-tier"] == "cloud"
    assert m.content[0].text and m.usage.output_tokens > 0 and m.usage.input_tokens > 10
    with client.messages.stream(**kw) as s:
        final = s.get_final_message()
        request_id = s.response.headers["x-request-id"]
    assert final.content[0].text == m.content[0].text and final.usage.output_tokens == m.usage.output_tokens
    # A's ledger has the rows with B's token counts, read from the answer and from the events.
    row = finished_row(gateway, raw.headers["x-request-id"])
    assert (row["backend"], row["status"], row["completion_tokens"]) == (backend, "ok", m.usage.output_tokens)
    row = finished_row(gateway, request_id)
    assert (row["status"], row["prompt_tokens"], row["completion_tokens"]) == ("ok", m.usage.input_tokens, m.usage.output_tokens)
    if model == "passed":
        assert m.id in ledger_rows(b)  # B answered its own /v1/messages: the id is B's


def test_a_passed_through_request_keeps_to_the_keys_budget(gateway):
    # 100 tokens, of which the prompt's bound (64 + its bytes + 8) leaves 10 to generate.
    client = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.keys["small-budget"], max_retries=0, timeout=120)
    m = client.messages.create(model="passed", max_tokens=200, messages=HI, **GREEDY)
    assert (m.stop_reason, m.usage.output_tokens) == ("max_tokens", 10)


def test_chat_completions_are_not_routed_to_an_anthropic_backend(gateway):
    r = httpx.post(gateway.url + "/v1/chat/completions", timeout=60, headers={"x-api-key": gateway.keys["user"]},
                   json={"model": "passed", "messages": HI, "max_tokens": 2})
    assert r.status_code == 400 and "messages-b" in r.json()["error"]["message"], r.text
