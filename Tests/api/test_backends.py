"""Backends and tiers over real HTTP: one `continuum serve` fronting others through `openai`
backends declared in a YAML config (two-node), retries and the circuit breaker around a dead
replica, an upstream killed mid-stream, key tiers, config errors."""
import json
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest
from openai import OpenAI

from conftest import BINARY, MODEL_NAME, Server, free_port

MESSAGES = [{"role": "user", "content": "Name three colours."}]


def write_config(path, text):
    path.write_text(text)
    return path


def rows(ledger):
    con = sqlite3.connect(ledger)
    con.row_factory = sqlite3.Row
    out = [dict(r) for r in con.execute("SELECT * FROM requests")]
    con.close()
    return out


def wait_for_row(ledger, request_id, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        mine = [r for r in rows(ledger) if r["request_id"] == request_id and r["status"] != "in_progress"]
        if mine:
            return mine[0]
        time.sleep(0.05)
    raise AssertionError(f"no final ledger row for {request_id}: {rows(ledger)}")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("upstream"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, upstream):
    tmp = tmp_path_factory.mktemp("gateway")
    dead = free_port()  # nothing listens there
    config = write_config(tmp / "serve.yaml", f"""
health_check_interval_seconds: 0.5
retries: 2
backends:
  near:
    type: openai
    tier: edge
    base_url: {upstream.url}/v1
    model: {MODEL_NAME}
  gone:
    type: openai
    tier: edge
    base_url: http://127.0.0.1:{dead}/v1
    model: {MODEL_NAME}
    connect_timeout_seconds: 1
models:
  edge-smollm2: near
  pair: [gone, near]
  nowhere: gone
""")
    s = Server(tmp, "--config", str(config))
    yield s
    s.stop()


def test_two_node_equals_direct(upstream, gateway):
    direct = OpenAI(base_url=f"{upstream.url}/v1", api_key="unused", max_retries=0)
    front = OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    want = direct.chat.completions.create(model=MODEL_NAME, messages=MESSAGES, temperature=0, max_tokens=24)
    raw = front.chat.completions.with_raw_response.create(model="edge-smollm2", messages=MESSAGES, temperature=0, max_tokens=24)
    got = raw.parse()
    assert got.choices[0].message.content == want.choices[0].message.content
    assert got.usage.completion_tokens == want.usage.completion_tokens
    assert raw.headers["x-continuum-tier"] == "edge" and raw.headers["x-continuum-backend"] == "near"
    assert raw.headers["x-continuum-route-code"] == "only_backend"
    row = wait_for_row(gateway.ledger, raw.headers["x-request-id"])
    assert row["backend"] == "near" and row["tier"] == "edge" and row["status"] == "ok"
    assert row["completion_tokens"] == want.usage.completion_tokens and row["prompt_tokens"] == want.usage.prompt_tokens

    chunks = list(front.chat.completions.create(model="edge-smollm2", messages=MESSAGES, temperature=0, max_tokens=24,
                                                stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == want.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == want.usage.completion_tokens

    # The legacy text API goes through too.
    t = front.completions.create(model="edge-smollm2", prompt="The sky is", temperature=0, max_tokens=8)
    assert t.choices[0].text == direct.completions.create(model=MODEL_NAME, prompt="The sky is", temperature=0, max_tokens=8).choices[0].text


def find_row_id(ledger, model):
    mine = [r for r in rows(ledger) if r["model"] == model]
    return mine[-1]["request_id"]


def test_errors_through_the_gateway(gateway):
    front = OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        front.chat.completions.create(model="no-such-model", messages=MESSAGES, max_tokens=2)
    # The upstream's own 400 comes back as it is, not retried.
    with pytest.raises(openai.BadRequestError) as e:
        front.chat.completions.create(model="edge-smollm2", messages=MESSAGES, max_tokens=2, extra_body={"n": 0})
    assert e.value.status_code == 400
    assert sorted(m.id for m in front.models.list().data) == ["edge-smollm2", "nowhere", "pair"]
    # A model whose only backend is down: 503 with Retry-After, in OpenAI's shape, and /ready says so.
    time.sleep(1)  # the first health check has opened its breaker
    with pytest.raises(openai.APIStatusError) as e:
        front.chat.completions.create(model="nowhere", messages=MESSAGES, max_tokens=2)
    assert e.value.status_code == 503 and e.value.response.headers["retry-after"]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(gateway.url + "/ready")
    assert e.value.code == 503 and "nowhere" in e.value.read().decode()


def test_dead_replica_is_retried_then_skipped(tmp_path, upstream):
    (tmp_path / "doomed").mkdir()
    doomed = Server(tmp_path / "doomed")
    config = write_config(tmp_path / "serve.yaml", f"""
health_check_interval_seconds: 600
backends:
  doomed: {{type: openai, tier: edge, base_url: "{doomed.url}/v1", model: {MODEL_NAME}, failure_threshold: 3}}
  near: {{type: openai, tier: edge, base_url: "{upstream.url}/v1", model: {MODEL_NAME}}}
models:
  pair: [doomed, near]
""")
    gw = Server(tmp_path, "--config", str(config))
    try:
        front = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0)
        first = [front.chat.completions.with_raw_response.create(model="pair", messages=MESSAGES, temperature=0, max_tokens=2)
                 for _ in range(2)]
        assert sorted(r.headers["x-continuum-backend"] for r in first) == ["doomed", "near"]  # round-robin
        doomed.stop(signal.SIGKILL)  # the next health check is 10 minutes away: requests find out
        routes = []
        for _ in range(8):
            raw = front.chat.completions.with_raw_response.create(model="pair", messages=MESSAGES, temperature=0, max_tokens=2)
            assert raw.parse().choices[0].message.content is not None
            assert raw.headers["x-continuum-backend"] == "near"
            routes.append(raw.headers["x-continuum-route"])
        retried = [r for r in routes if "attempt 2 after: backend 'doomed' is unreachable" in r]
        assert len(retried) == 3, routes  # failure_threshold 3 opens the breaker ...
        assert "1 healthy of 2" in routes[-1], routes  # ... and from then on the dead replica is skipped
        deadline = time.time() + 5  # rows are written off the request path
        while len([r for r in rows(gw.ledger) if r["status"] == "ok" and r["backend"] == "near"]) < 9 and time.time() < deadline:
            time.sleep(0.05)
        ok = [r for r in rows(gw.ledger) if r["status"] == "ok" and r["backend"] == "near"]
        assert len(ok) == 9 and sum(r["reason_code"] == "retry" for r in ok) == 3, ok
        with urllib.request.urlopen(gw.url + "/ready") as r:  # one replica per model is enough to be ready
            assert r.status == 200
    finally:
        gw.stop()
        doomed.stop(signal.SIGKILL)


def test_upstream_killed_mid_stream(tmp_path):
    (tmp_path / "up").mkdir()
    (tmp_path / "gw").mkdir()
    up = Server(tmp_path / "up")
    config = write_config(tmp_path / "serve.yaml", f"""
health_check_interval_seconds: 0.5
backends:
  far: {{type: openai, tier: cloud, base_url: "{up.url}/v1", model: {MODEL_NAME}}}
models:
  far-smollm2: far
""")
    gw = Server(tmp_path / "gw", "--config", str(config))
    try:
        front = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0, timeout=60)
        stream = front.chat.completions.create(
            model="far-smollm2", messages=[{"role": "user", "content": "Write a very long story about the sea."}],
            temperature=0, max_tokens=900, stream=True)
        received = 0
        with pytest.raises(openai.APIError) as e:
            for chunk in stream:
                received += 1
                if received == 5:
                    up.stop(signal.SIGKILL)
        assert "backend 'far'" in str(e.value), str(e.value)
        assert received >= 5
        row = wait_for_row(gw.ledger, stream.response.headers["x-request-id"])
        assert row["status"] == "backend_failed" and row["backend"] == "far", row
        # The gateway lives on and says clearly that the backend is gone.
        with pytest.raises(openai.APIStatusError) as e:
            front.chat.completions.create(model="far-smollm2", messages=MESSAGES, max_tokens=2)
        assert e.value.status_code in (502, 503, 504)
        with urllib.request.urlopen(gw.url + "/health") as r:
            assert r.status == 200
    finally:
        gw.stop()
        up.stop(signal.SIGKILL)


def test_key_tiers(tmp_path, upstream):
    config = write_config(tmp_path / "serve.yaml", f"""
backends:
  far: {{type: openai, tier: cloud, base_url: "{upstream.url}/v1", model: {MODEL_NAME}}}
models:
  far-smollm2: far
""")
    ledger = tmp_path / "ledger.sqlite"
    def create(name, *args):
        out = subprocess.run([str(BINARY), "keys", "create", name, *args, "--ledger", str(ledger)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    device_only = create("phone", "--tier", "device")
    cloud_ok = create("laptop", "--tier", "cloud")
    gw = Server(tmp_path, "--config", str(config))
    try:
        with pytest.raises(openai.PermissionDeniedError) as e:
            OpenAI(base_url=f"{gw.url}/v1", api_key=device_only, max_retries=0).chat.completions.create(
                model="far-smollm2", messages=MESSAGES, max_tokens=2)
        assert "tiers" in e.value.message
        r = OpenAI(base_url=f"{gw.url}/v1", api_key=cloud_ok, max_retries=0).chat.completions.create(
            model="far-smollm2", messages=MESSAGES, max_tokens=2)
        assert r.usage.completion_tokens >= 1
    finally:
        gw.stop()


@pytest.mark.parametrize("yaml, message", [
    ("backends: {a: {type: openai, base_url: 'http://x/v1', treads: 2}}\nmodels: {m: a}", "unknown key 'backends.a.treads'"),
    ("backends: {a: {type: openai, base_url: 'http://x/v1'}}\nmodels: {m: b}", "no backend named 'b'"),
    ("backends: {a: {type: openai, base_url: 'ftp://x'}}\nmodels: {m: a}", "is not an http(s) URL"),
    ("backends: {a: {type: openai, tier: moon, base_url: 'http://x/v1'}}\nmodels: {m: a}", "tier must be one of"),
    ("backends: {a: {type: openai, base_url: 'http://x/v1', api_key_env: CONTINUUM_TEST_UNSET}}\nmodels: {m: a}", "CONTINUUM_TEST_UNSET, which is not set"),
    ("backends: [", "not valid YAML"),
])
def test_config_errors(tmp_path, yaml, message):
    config = write_config(tmp_path / "bad.yaml", yaml)
    out = subprocess.run([str(BINARY), "serve", "--config", str(config), "--port", "0", "--no-ledger"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert message in out.stderr, out.stderr
