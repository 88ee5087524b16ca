"""privacy.mode: redact over real HTTP. The cloud tier is an OpenAI-wire upstream that
answers by quoting the user's message (a paid cloud model cannot run here; this one speaks
the same protocol, streams in 3-byte pieces so placeholders split across chunks, and lets
the test see exactly what left the gateway). Personal data must not reach it, and the
client must get its own values back, whole and streamed, directly and through a cascade."""
import json
import time

import pytest
from openai import OpenAI

from conftest import MODEL, Server, Upstream, start_upstream

EMAIL, CARD = "jane.doe@example.com", "4111 1111 1111 1111"
PII = [{"role": "system", "content": "Be brief."},
       {"role": "user", "content": f"Mail {EMAIL} about card {CARD}, then mail {EMAIL} again."}]


class Quoting(Upstream):
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        Quoting.seen.append(body)
        text = "You said: " + body["messages"][-1]["content"]
        base = {"id": "chatcmpl-q", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            self.reply({**base, "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
            return
        chunk = lambda delta, finish=None: {**base, "object": "chat.completion.chunk",
                                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": text[i:i + 3]}) for i in range(0, len(text), 3)]
        events.append(chunk({}, "stop"))
        self.sse(events)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redact")
    upstream, url = start_upstream(Quoting)
    config = tmp / "serve.yaml"
    config.write_text(f"""
privacy: {{mode: redact}}
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 2, context: 1024}}
  far: {{type: openai, tier: cloud, base_url: "{url}"}}
models:
  small: phone
  quote: far
  auto:
    cascade: [small, quote]
    after: {{min_confidence: 1.0, buffer_tokens: 4}}
""")
    gw = Server(tmp, "--config", str(config))
    yield gw
    gw.stop()
    upstream.shutdown()


def sent_text():
    return json.dumps(Quoting.seen[-1]["messages"])


@pytest.mark.parametrize("model", ["quote", "auto"])
def test_placeholders_leave_and_values_come_back(gateway, model):
    client = OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    r = client.chat.completions.with_raw_response.create(model=model, messages=PII, max_tokens=8)
    assert r.headers["x-continuum-tier"] == "cloud"
    assert "personal_data_redacted" in r.headers["x-continuum-route-code"]
    sent = sent_text()
    assert EMAIL not in sent and CARD not in sent and "4111" not in sent, sent
    assert sent.count("[EMAIL_1]") == 2 and "Be brief." in sent  # one placeholder per value, across messages
    answer = r.parse().choices[0].message.content
    assert answer == "You said: " + PII[-1]["content"]
    # Streamed in 3-byte pieces: every placeholder is split across chunks somewhere.
    stream = client.chat.completions.create(model=model, messages=PII, max_tokens=8, stream=True)
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == answer
    assert EMAIL not in sent_text()


def test_without_personal_data_nothing_is_rewritten(gateway):
    client = OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    r = client.chat.completions.with_raw_response.create(model="quote", messages=[{"role": "user", "content": "Say [EMAIL_1]."}])
    assert r.parse().choices[0].message.content == "You said: Say [EMAIL_1]."  # a lookalike with no mapping passes through
    assert "personal_data_redacted" not in r.headers["x-continuum-route-code"]
