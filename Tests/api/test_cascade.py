"""Tier cascades over real HTTP: a gateway with SmolLM2 in process (device) and an upstream
`continuum serve` as the cloud tier; cascade models that keep the device's answer, escalate
it after generating, keep personal data on the device, and honour key tiers. Decisions are
checked in the x-continuum-* headers and the ledger rows."""
import re
import sqlite3
import subprocess
import time

import openai
import pytest
from openai import OpenAI

from conftest import BINARY, MODEL_NAME, MODELS, ROOT, Server, device_and_cloud

ROUTER = ROOT / "routers" / "minilm-logistic.json"
MINILM = MODELS / "all-MiniLM-L6-v2"

QUESTION = [{"role": "user", "content": "Describe the sea in one sentence."}]
PII = [{"role": "user", "content": "Write a short thank-you note to jane.doe@example.com."}]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cascade")
    cloud, config = device_and_cloud(tmp, f"""
  small: phone
  big: far
  keep:                      # confidence is never below 0: the device always answers
    cascade: [small, big]
    after: {{min_confidence: 0.0, buffer_tokens: 4}}
  escalate:                  # an 8-token answer is never fully certain: always escalated
    cascade: [small, big]
    after: {{min_confidence: 1.0, buffer_tokens: 8}}
  routed:                    # the shipped router sends half of its calibration prompts up
    cascade: [small, big]
    before: {{router: "{ROUTER}", embedding_model: "{MINILM}", escalate_share: 0.5}}
""")
    def key(name, *tiers):  # made before the gateway starts (keys made later count after its key cache's TTL)
        out = subprocess.run([str(BINARY), "keys", "create", name, *[a for t in tiers for a in ("--tier", t)],
                              "--ledger", str(tmp / "ledger.sqlite")], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    keys = (key("phone-key", "device"), key("cloud-key", "cloud"), key("any-key"))
    gw = Server(tmp, "--config", str(config))
    yield (gw, cloud) + keys
    gw.stop()
    cloud.stop()


def rows(ledger, request_id):
    time.sleep(0.5)  # ledger rows are written off the request path
    con = sqlite3.connect(ledger)
    out = con.execute("SELECT request_id, model, tier, status, completion_tokens, route_reason FROM requests "
                      "WHERE request_id = ? OR request_id LIKE ? ORDER BY request_id", (request_id, request_id + ".%")).fetchall()
    con.close()
    return out


def test_confident_answer_is_kept_on_the_device(setup):
    gw, _, _, _, key = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key=key, max_retries=0)
    r = client.chat.completions.with_raw_response.create(model="keep", messages=QUESTION, max_tokens=12, temperature=0)
    assert r.headers["x-continuum-tier"] == "device" and r.headers["x-continuum-escalated"] == "no"
    confidence = float(r.headers["x-continuum-confidence"])
    assert 0 < confidence <= 1
    assert r.headers["x-continuum-route-code"].endswith("confidence_kept")
    kept = r.parse().choices[0].message.content
    direct = client.chat.completions.create(model="small", messages=QUESTION, max_tokens=12, temperature=0)
    assert kept == direct.choices[0].message.content  # the held-back tokens are the answer, unchanged
    # Streaming: the first tokens are held back, then the rest flows; same text.
    s = client.chat.completions.with_raw_response.create(model="keep", messages=QUESTION, max_tokens=12, temperature=0, stream=True)
    assert s.headers["x-continuum-tier"] == "device"
    assert "".join(c.choices[0].delta.content or "" for c in s.parse() if c.choices) == kept
    [(rid, model, tier, status, _, reason)] = rows(gw.ledger, r.headers["x-request-id"])
    assert (model, tier, status) == ("small", "device", "ok") and "kept" in reason


def test_unconfident_answer_escalates_with_the_original_request(setup):
    gw, cloud, key, _, any_key = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key=key, max_retries=0)
    # A device-only key cannot escalate: the cascade stops at the device.
    r = client.chat.completions.with_raw_response.create(model="escalate", messages=QUESTION, max_tokens=12, temperature=0)
    assert r.headers["x-continuum-tier"] == "device", [(k, v) for k, v in r.headers.items() if k.startswith("x-")]
    admin = OpenAI(base_url=f"{gw.url}/v1", api_key=any_key, max_retries=0)
    for stream in (False, True):
        r = admin.chat.completions.with_raw_response.create(model="escalate", messages=QUESTION, max_tokens=12, temperature=0,
                                                            stream=stream)
        assert r.headers["x-continuum-tier"] == "cloud" and r.headers["x-continuum-escalated"] == "after"
        assert "confidence_escalated" in r.headers["x-continuum-route-code"]
        text = r.parse().choices[0].message.content if not stream else \
            "".join(c.choices[0].delta.content or "" for c in r.parse() if c.choices)
        upstream = OpenAI(base_url=f"{cloud.url}/v1", api_key="unused", max_retries=0).chat.completions.create(
            model=MODEL_NAME, messages=QUESTION, max_tokens=12, temperature=0)
        assert text == upstream.choices[0].message.content
        got = rows(gw.ledger, r.headers["x-request-id"])
        assert [(g[1], g[2], g[3]) for g in got] == [("big", "cloud", "ok"), ("small", "device", "escalated")], got
        assert got[1][4] == 8  # the device generated its buffer of 8 tokens before it was judged


def test_personal_data_is_not_escalated(setup):
    gw, _, _, _, any_key = setup
    admin = OpenAI(base_url=f"{gw.url}/v1", api_key=any_key, max_retries=0)
    r = admin.chat.completions.with_raw_response.create(model="escalate", messages=PII, max_tokens=8, temperature=0)
    assert r.headers["x-continuum-tier"] == "device" and r.headers["x-continuum-escalated"] == "no"
    assert "personal_data_kept" in r.headers["x-continuum-route-code"]


def test_cloud_only_key_skips_the_device_and_is_refused_personal_data(setup):
    gw, _, _, cloud_key, _ = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key=cloud_key, max_retries=0)
    r = client.chat.completions.with_raw_response.create(model="keep", messages=QUESTION, max_tokens=4, temperature=0)
    assert r.headers["x-continuum-tier"] == "cloud"
    with pytest.raises(openai.PermissionDeniedError) as e:
        client.chat.completions.create(model="keep", messages=PII, max_tokens=4)
    assert "personal data (email)" in e.value.message and "Nothing was sent" in e.value.message


def test_router_decides_before_generating(setup):
    gw, _, _, _, key = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key=key, max_retries=0)
    prompts = ["Hi!", "Janet has 3 apples and buys 17 bags of 24 apples each; she gives away 2/7 of them. How many are left?",
               "Write a Python function that returns the n-th prime.", "What colour is the sky?"]
    decisions = []
    for p in prompts:
        first = client.chat.completions.with_raw_response.create(model="routed", messages=[{"role": "user", "content": p}], max_tokens=2)
        again = client.chat.completions.with_raw_response.create(model="routed", messages=[{"role": "user", "content": p}], max_tokens=2)
        score = float(first.headers["x-continuum-router-score"])
        assert again.headers["x-continuum-router-score"] == first.headers["x-continuum-router-score"]  # deterministic
        route = first.headers["x-continuum-route"]
        assert route.startswith("cascade 'routed'; router minilm-logistic (escalates 50%) score")
        shown, sign, threshold = re.search(r"score ([0-9.]+) (≥|<) ([0-9.]+)", route).groups()
        assert float(shown) == pytest.approx(score, abs=1e-3)
        up = sign == "≥"
        assert first.headers["x-continuum-escalated"] == ("before" if up else "no")
        assert first.headers["x-continuum-tier"] == ("cloud" if up else "device")
        decisions.append(up)
        [(_, model, tier, status, _, reason)] = rows(gw.ledger, first.headers["x-request-id"])
        assert reason == route and tier == first.headers["x-continuum-tier"] and status == "ok"
    assert len(set(decisions)) == 2, "these prompts straddle the router's median threshold"


@pytest.mark.parametrize("models, message", [
    ("a: x\n  c: {cascade: [a]}", "at least two served models"),
    ("a: x\n  c: {cascade: [a, b]}", "no served model named 'b'"),
    ("a: x\n  b: x\n  c: {cascade: [a, b], after: {min_confidence: 2}}", "min_confidence must be in 0.0...1.0"),
    ("a: x\n  b: x\n  c: {cascade: [a, b], before: {escalate_share: 0.2}}", "before.router (a router file) is required"),
    ("a: x\n  b: x\n  c: {cascade: [a, b], after: {min_confidence: 0.5, buffer: 3}}", "unknown key 'models.c.after.buffer'"),
    ("a: x\n  b: x\n  c: {cascade: [a, b], before: {router: /nonexistent.json, escalate_share: 0.2}}", "cannot use /nonexistent.json"),
    ("a: x\n  b: x\n  c: {cascade: [a, b], before: {router: r.json, escalate_share: 0.2, threshold: 0.5}}", "exactly one of"),
])
def test_cascade_config_errors(tmp_path, models, message):
    config = tmp_path / "bad.yaml"
    config.write_text(f"backends: {{x: {{type: openai, base_url: 'http://127.0.0.1:9/v1'}}}}\nmodels:\n  {models}\n")
    out = subprocess.run([str(BINARY), "serve", "--config", str(config), "--port", "0", "--no-ledger"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert message in out.stderr, out.stderr


# The other client protocols run the same pipeline: the cascade, its escalation and the
# personal-data rule apply to Anthropic Messages and OpenAI Responses requests as to chat.

def anthropic_client(gw, key):
    import anthropic
    return anthropic.Anthropic(base_url=gw.url, api_key=key, max_retries=0, timeout=120)


def test_messages_and_responses_escalate_like_chat(setup):
    gw, cloud, _, _, any_key = setup
    expected = OpenAI(base_url=f"{cloud.url}/v1", api_key="unused", max_retries=0).chat.completions.create(
        model=MODEL_NAME, messages=QUESTION, max_tokens=12, temperature=0).choices[0].message.content
    ac = anthropic_client(gw, any_key)
    m = ac.messages.with_raw_response.create(model="escalate", max_tokens=12, messages=QUESTION, extra_body={"temperature": 0})
    assert m.headers["x-continuum-tier"] == "cloud" and m.headers["x-continuum-escalated"] == "after"
    assert m.parse().content[0].text == expected
    with ac.messages.stream(model="escalate", max_tokens=12, messages=QUESTION, extra_body={"temperature": 0}) as s:
        assert "".join(s.text_stream) == expected
        assert s.response.headers["x-continuum-tier"] == "cloud"
    got = rows(gw.ledger, m.headers["x-request-id"])
    assert [(g[1], g[2], g[3]) for g in got] == [("big", "cloud", "ok"), ("small", "device", "escalated")], got
    oc = OpenAI(base_url=f"{gw.url}/v1", api_key=any_key, max_retries=0)
    r = oc.responses.with_raw_response.create(model="escalate", input=QUESTION[0]["content"], max_output_tokens=12,
                                              temperature=0, store=False)
    assert r.headers["x-continuum-tier"] == "cloud" and r.headers["x-continuum-escalated"] == "after"
    assert r.parse().output_text == expected
    got = rows(gw.ledger, r.headers["x-request-id"])
    assert [(g[1], g[2], g[3]) for g in got] == [("big", "cloud", "ok"), ("small", "device", "escalated")], got


def test_messages_and_responses_keep_personal_data_home(setup):
    gw, _, _, cloud_key, any_key = setup
    m = anthropic_client(gw, any_key).messages.with_raw_response.create(model="escalate", max_tokens=8, messages=PII)
    assert m.headers["x-continuum-tier"] == "device" and "personal_data_kept" in m.headers["x-continuum-route-code"]
    r = OpenAI(base_url=f"{gw.url}/v1", api_key=any_key, max_retries=0).responses.with_raw_response.create(
        model="escalate", input=PII[0]["content"], max_output_tokens=8, store=False)
    assert r.headers["x-continuum-tier"] == "device" and "personal_data_kept" in r.headers["x-continuum-route-code"]
    # A key that may only use the cloud is refused, in each protocol's own error shape.
    import anthropic
    with pytest.raises(anthropic.PermissionDeniedError) as e:
        anthropic_client(gw, cloud_key).messages.create(model="keep", max_tokens=4, messages=PII)
    assert e.value.body["type"] == "error" and e.value.body["error"]["type"] == "permission_error"
    assert "personal data (email)" in e.value.body["error"]["message"]
    with pytest.raises(openai.PermissionDeniedError) as e:
        OpenAI(base_url=f"{gw.url}/v1", api_key=cloud_key, max_retries=0).responses.create(
            model="keep", input=PII[0]["content"], max_output_tokens=4, store=False)
    assert "personal data (email)" in e.value.message
