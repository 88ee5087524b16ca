"""The OpenAI-compatible API through the official `openai` client against a real server."""
import concurrent.futures
import json
import signal
import sqlite3
import time
import urllib.error
import urllib.request

import openai
import pytest

from conftest import MODEL_NAME, Server

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def post(server, path, body, raw=None, headers=None):
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(server.url + path, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def ledger_rows(server):
    con = sqlite3.connect(server.ledger)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM requests")]
    con.close()
    return rows


def test_models_health_ready(client, server):
    assert [m.id for m in client.models.list().data] == [MODEL_NAME]
    for path in ("/health", "/ready"):
        with urllib.request.urlopen(server.url + path) as r:
            assert r.status == 200


def test_chat_completion(client):
    r = client.chat.completions.with_raw_response.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=16)
    assert r.headers["x-continuum-tier"] == "device" and r.headers["x-continuum-backend"] == "local"
    assert r.headers["x-continuum-route"]
    c = r.parse()
    assert c.choices[0].message.role == "assistant" and c.choices[0].message.content
    assert c.choices[0].finish_reason in ("stop", "length")
    assert c.usage.prompt_tokens > 20 and 0 < c.usage.completion_tokens <= 16
    assert c.usage.total_tokens == c.usage.prompt_tokens + c.usage.completion_tokens


def test_streaming_equals_non_streaming_and_reports_usage(client):
    full = client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=24, seed=1)
    chunks = list(client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=24, seed=1,
                                                 stream=True, stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == full.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == full.usage.completion_tokens
    # The second identical prompt reuses the cached prefix.
    assert chunks[-1].usage.prompt_tokens_details.cached_tokens > 0


def test_logprobs_and_sampling_parameters(client):
    c = client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0.7, top_p=0.9, seed=42,
                                       frequency_penalty=0.5, presence_penalty=0.3, stop=["\n\n"], max_tokens=8,
                                       logprobs=True, top_logprobs=3, user="tester")
    lp = c.choices[0].logprobs.content
    assert 0 < len(lp) <= 8 and all(len(t.top_logprobs) == 3 and t.logprob <= 0 for t in lp)
    again = client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0.7, top_p=0.9, seed=42,
                                           frequency_penalty=0.5, presence_penalty=0.3, stop=["\n\n"], max_tokens=8)
    assert again.choices[0].message.content == c.choices[0].message.content


def test_legacy_completions(client):
    c = client.completions.create(model=MODEL_NAME, prompt="The capital of France is", temperature=0, max_tokens=6, logprobs=2)
    assert c.choices[0].text.startswith(" Paris")
    assert len(c.choices[0].logprobs.tokens) == 6
    streamed = "".join(ch.choices[0].text for ch in client.completions.create(
        model=MODEL_NAME, prompt="The capital of France is", temperature=0, max_tokens=6, stream=True) if ch.choices)
    assert streamed == c.choices[0].text


def test_sixteen_concurrent_streams_complete(client):
    prompts = [f"Count from {i} to {i + 5}." for i in range(16)]

    def run(p):
        chunks = client.chat.completions.create(model=MODEL_NAME, messages=[{"role": "user", "content": p}],
                                                temperature=0, max_tokens=20, stream=True)
        return "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        together = list(pool.map(run, prompts))
    assert all(together)


@pytest.mark.parametrize("body,raw,status,code,param", [
    (None, b"{bad json", 400, None, None),
    ({"model": MODEL_NAME, "messages": "hi"}, None, 400, "invalid_type", "messages"),
    ({"model": MODEL_NAME, "messages": MESSAGES, "temperature": "hot"}, None, 400, "invalid_type", "temperature"),
    ({"model": MODEL_NAME, "messages": MESSAGES, "temperature": 5}, None, 400, "invalid_value", "temperature"),
    ({"model": MODEL_NAME, "messages": MESSAGES, "max_tokens": 0}, None, 400, "invalid_value", "max_tokens"),
    ({"model": "no-such-model", "messages": MESSAGES}, None, 404, "model_not_found", None),
    ({"model": MODEL_NAME, "messages": [{"role": "user", "content": "word " * 2000}]}, None, 400, "context_length_exceeded", "messages"),
])
def test_bad_requests_get_openai_errors(server, body, raw, status, code, param):
    got, _, data = post(server, "/v1/chat/completions", body, raw=raw)
    err = json.loads(data)["error"]
    assert got == status, err
    assert err["message"] and err["type"]
    assert err.get("code") == code
    if param:
        assert err.get("param") == param, err


def test_oversized_body_is_413(server):
    got, _, data = post(server, "/v1/chat/completions", None, raw=b'{"model":"x","messages":[' + b" " * (5 << 20) + b"]}")
    assert got == 413 and json.loads(data)["error"]["message"]


def test_client_disconnect_cancels_generation(server, client):
    stream = client.chat.completions.create(model=MODEL_NAME, messages=[{"role": "user", "content": "Write a very long story."}],
                                            temperature=0, max_tokens=900, stream=True)
    for i, _ in enumerate(stream):
        if i == 3:
            break
    stream.close()
    deadline = time.time() + 10
    while time.time() < deadline:
        if any(r["status"] == "disconnected" for r in ledger_rows(server)):
            break
        time.sleep(0.1)
    assert any(r["status"] == "disconnected" for r in ledger_rows(server))


def test_every_request_has_a_ledger_row(server, client):
    before = len(ledger_rows(server))
    client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=4)
    time.sleep(0.5)
    rows = ledger_rows(server)
    assert len(rows) == before + 1
    last = max(rows, key=lambda r: r.get("started_at") or 0)
    assert last["status"] == "ok" and last["completion_tokens"] >= 1 and last["model"] == MODEL_NAME
    assert last["tier"] == "device" and last["backend"] == "local"


def test_api_keys_and_ledger_survive_kill_9(tmp_path):
    s = Server(tmp_path)
    try:
        from openai import OpenAI
        created = s.cli("keys", "create", "ci")
        assert created.returncode == 0, created.stderr
        secret = created.stdout.strip()
        time.sleep(6)  # the server's key cache notices a key created by another process within 5 s
        anonymous = OpenAI(base_url=f"{s.url}/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            anonymous.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=2)
        keyed = OpenAI(base_url=f"{s.url}/v1", api_key=secret, max_retries=0)
        r = keyed.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=3, temperature=0)
        time.sleep(0.5)
        s.stop(signal.SIGKILL)
        rows = ledger_rows(s)
        mine = [row for row in rows if row["request_id"] == r.id]
        assert mine and mine[0]["status"] == "ok" and mine[0]["key_id"] is not None, rows
        usage = s.cli("usage", "--by", "model")
        assert usage.returncode == 0 and MODEL_NAME in usage.stdout
    finally:
        s.stop(signal.SIGKILL)



def test_metrics_and_openapi(server, client):
    client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=3)
    list(client.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=5, stream=True))
    with urllib.request.urlopen(server.url + "/metrics") as r:
        text = r.read().decode()
    ok = [l for l in text.splitlines() if l.startswith("continuum_requests_total") and 'status="ok"' in l]
    assert ok and float(ok[0].split()[-1]) >= 2
    for name in ("continuum_time_to_first_token_seconds_bucket", "continuum_inter_token_latency_seconds_bucket",
                 "continuum_tokens_total", "continuum_queue_depth", "continuum_kv_blocks_used", "continuum_prefix_hit_rate"):
        assert name in text, name
    with urllib.request.urlopen(server.url + "/openapi.json") as r:
        doc = json.loads(r.read())
    assert doc["openapi"].startswith("3.") and {"/v1/chat/completions", "/v1/completions", "/v1/models", "/metrics"} <= set(doc["paths"])


def test_rate_limits_and_budgets(tmp_path):
    s = Server(tmp_path)
    try:
        from openai import OpenAI
        limited = s.cli("keys", "create", "limited", "--rpm", "2").stdout.strip()
        budget = s.cli("keys", "create", "budget", "--budget", "120").stdout.strip()
        assert limited.startswith("ck-") and budget.startswith("ck-")
        time.sleep(6)  # the server notices keys created by another process within 5 s
        c = OpenAI(base_url=f"{s.url}/v1", api_key=limited, max_retries=0)
        for _ in range(2):
            c.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=1)
        with pytest.raises(openai.RateLimitError) as e:
            c.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=1)
        assert int(e.value.response.headers["retry-after"]) >= 1
        b = OpenAI(base_url=f"{s.url}/v1", api_key=budget, max_retries=0)
        # The prompt (at most 102 tokens as reserved) and 2 to generate fit in 120; a second
        # request no longer fits beside what the first used, so it is refused before it runs.
        b.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=2)
        with pytest.raises(openai.RateLimitError) as e:
            b.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, max_tokens=1)
        assert e.value.code == "insufficient_quota"
        time.sleep(0.5)
        assert sum(r["prompt_tokens"] + r["completion_tokens"] for r in ledger_rows(s) if r["key_id"] == 2) <= 120
        listed = s.cli("keys", "list")
        assert "limited" in listed.stdout and "budget" in listed.stdout and limited not in listed.stdout
        assert s.cli("keys", "revoke", "1").returncode == 0
    finally:
        s.stop()


def test_sigterm_finishes_in_flight_streams(tmp_path):
    s = Server(tmp_path)
    from openai import OpenAI
    c = OpenAI(base_url=f"{s.url}/v1", api_key="x", max_retries=0, timeout=60)
    stream = c.chat.completions.create(model=MODEL_NAME, messages=[{"role": "user", "content": "Write a long story."}],
                                       temperature=0, max_tokens=200, stream=True)
    chunks = []
    for i, ch in enumerate(stream):
        chunks.append(ch)
        if i == 2:
            s.proc.send_signal(signal.SIGTERM)
    finishes = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert finishes == ["length"], finishes  # the stream ran to its end after SIGTERM
    assert s.proc.wait(timeout=30) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{s.url}/health", timeout=2)
