"""OpenAI's Responses API (`POST /v1/responses`) against real `continuum serve` processes, with
the official client's `client.responses.create` / `.stream` / `.retrieve` / `.delete`:
text and streams, instructions, stored multi-turn conversations (key-scoped), storing off,
structured outputs and function calls (Qwen2.5), refused fields, provenance headers."""
import json
import sqlite3
import subprocess
import time

import httpx
import jsonschema
import openai
import pytest
from openai import OpenAI

from conftest import BINARY, MODEL, MODELS, Server, Upstream, start_upstream

QWEN = MODELS / "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"


def create_key(ledger, name):
    out = subprocess.run([str(BINARY), "keys", "create", name, "--ledger", str(ledger)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """SmolLM2 with two keys (the store is scoped by key)."""
    tmp = tmp_path_factory.mktemp("responses")
    keys = {name: create_key(tmp / "ledger.sqlite", name) for name in ("alice", "bob")}
    s = Server(tmp)
    yield s, keys
    s.stop()


def client_for(server, key, timeout=120):
    return OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=timeout)


@pytest.fixture(scope="module")
def alice(keyed):
    return client_for(keyed[0], keyed[1]["alice"])


@pytest.fixture(scope="module")
def bob(keyed):
    return client_for(keyed[0], keyed[1]["bob"])


def error_of(excinfo):
    return excinfo.value.response.json()["error"]


def ledger_rows(server, sql, args, want=1, ready=lambda rows: True):
    """Rows are written off the request path (a request's row starts `in_progress` and is
    finished after the answer went out): poll until `want` rows are there and `ready`."""
    deadline = time.time() + 10
    while True:
        with sqlite3.connect(server.ledger) as db:
            rows = db.execute(sql, args).fetchall()
        if (len(rows) >= want and ready(rows)) or time.time() > deadline:
            return rows
        time.sleep(0.05)


def test_text_answer_and_provenance(keyed, alice):
    raw = alice.responses.with_raw_response.create(model="smollm2", input="Say hello.", max_output_tokens=16, temperature=0,
                                                   metadata={"run": "t1"})
    r = raw.parse()
    assert r.id.startswith("resp_") and r.object == "response" and r.model == "smollm2"
    assert r.status in ("completed", "incomplete")
    assert r.metadata == {"run": "t1"} and r.store is True and r.max_output_tokens == 16
    message = r.output[0]
    assert message.type == "message" and message.role == "assistant" and message.id.startswith("msg_")
    assert message.content[0].type == "output_text" and message.content[0].annotations == []
    assert r.output_text and r.output_text == message.content[0].text
    u = r.usage
    assert u.input_tokens > 0 and 0 < u.output_tokens <= 16 and u.total_tokens == u.input_tokens + u.output_tokens
    assert u.input_tokens_details.cached_tokens >= 0 and u.output_tokens_details.reasoning_tokens == 0
    h = raw.headers
    assert h["x-continuum-tier"] == "device" and h["x-continuum-backend"] == "local"
    assert h["x-continuum-route"] and h["x-continuum-route-code"]
    assert h["x-request-id"] == r.id
    # The request's ledger row (usage charged to the key), and the stored response, kept 30 days.
    server, _ = keyed
    [(model, status, prompt, completion, key_id)] = ledger_rows(
        server, "SELECT model, status, prompt_tokens, completion_tokens, key_id FROM requests WHERE request_id = ?", (r.id,),
        ready=lambda rows: rows[0][1] != "in_progress")
    assert (model, status, prompt, completion) == ("smollm2", "ok", u.input_tokens, u.output_tokens) and key_id
    [(stored_key, created, expires, items)] = ledger_rows(server, "SELECT key_id, created_at, expires_at, items FROM responses WHERE id = ?", (r.id,))
    assert stored_key == key_id and abs(expires - created - 30 * 86400) < 1
    assert json.loads(items) == [{"type": "message", "role": "user", "content": "Say hello."},
                                 {"type": "message", "role": "assistant", "content": r.output_text}]


def test_max_output_tokens_is_incomplete(alice):
    r = alice.responses.create(model="smollm2", input="Write a long story about a dragon.", max_output_tokens=3, temperature=0)
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"
    assert r.usage.output_tokens == 3


def test_instructions_reach_the_prompt(alice):
    plain = alice.responses.create(model="smollm2", input="Hi", max_output_tokens=4, temperature=0)
    told = alice.responses.create(model="smollm2", input="Hi", instructions="Answer like a pirate, in ten words or fewer.",
                                  max_output_tokens=4, temperature=0)
    assert told.instructions == "Answer like a pirate, in ten words or fewer."
    # SmolLM2's template adds its own system message when there is none: ours replaces it.
    assert told.usage.input_tokens != plain.usage.input_tokens


def test_stream_events(alice):
    events = list(alice.responses.create(model="smollm2", input="Name three colours.", max_output_tokens=24, temperature=0,
                                         stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          types[-1]] and types[-1] in ("response.completed", "response.incomplete")
    assert set(types[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    final = events[-1].response
    assert deltas and deltas == final.output_text == events[-4].text
    assert final.usage.output_tokens > 0 and final.usage.input_tokens > 0
    assert events[0].response.status == "in_progress" and final.id == events[0].response.id


def test_stream_helper_and_event_lines(keyed, alice):
    with alice.responses.stream(model="smollm2", input="Reply with just the word yes.", max_output_tokens=64, temperature=0) as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == final.output_text
    # `event:` lines name each event, as OpenAI sends them.
    server, keys = keyed
    with httpx.stream("POST", f"{server.url}/v1/responses", headers={"Authorization": f"Bearer {keys['alice']}"}, timeout=60,
                      json={"model": "smollm2", "input": "Hi", "max_output_tokens": 2, "stream": True}) as r:
        lines = [l for l in r.iter_lines() if l]
    names = [l[len("event: "):] for l in lines if l.startswith("event: ")]
    datas = [json.loads(l[len("data: "):]) for l in lines if l.startswith("data: ")]
    assert names == [d["type"] for d in datas] and names[0] == "response.created"


def test_previous_response_id_continues_the_conversation(alice, bob):
    # The first turn streams: a streamed answer is stored too.
    first = list(alice.responses.create(model="smollm2", input="My name is Zebediah and I live in Lisbon.",
                                        max_output_tokens=12, temperature=0, stream=True))[-1].response
    second = alice.responses.create(model="smollm2", previous_response_id=first.id, input="What is my name?",
                                    max_output_tokens=8, temperature=0)
    alone = alice.responses.create(model="smollm2", input="What is my name?", max_output_tokens=8, temperature=0, store=False)
    assert second.previous_response_id == first.id
    # The stored turn (its question and its answer) reached the prompt.
    assert second.usage.input_tokens > alone.usage.input_tokens + first.usage.output_tokens
    # The same conversation sent by the client itself (the first answer's items passed back) costs the same.
    manual = alice.responses.create(model="smollm2", input=[{"role": "user", "content": "My name is Zebediah and I live in Lisbon."},
                                                            *first.output, {"role": "user", "content": "What is my name?"}],
                                    max_output_tokens=8, temperature=0, store=False)
    assert manual.usage.input_tokens == second.usage.input_tokens and manual.output_text == second.output_text
    # A third turn carries both earlier ones.
    third = alice.responses.create(model="smollm2", previous_response_id=second.id, input="And where do I live?",
                                   max_output_tokens=4, temperature=0)
    assert third.usage.input_tokens > second.usage.input_tokens + second.usage.output_tokens

    # Stored responses are the key's own: retrieve, and 404 / 400 for another key.
    got = alice.responses.retrieve(first.id)
    assert got.id == first.id and got.output_text == first.output_text and got.status == first.status
    with pytest.raises(openai.NotFoundError):
        bob.responses.retrieve(first.id)
    with pytest.raises(openai.BadRequestError) as e:
        bob.responses.create(model="smollm2", previous_response_id=first.id, input="Hi", max_output_tokens=2)
    assert error_of(e)["param"] == "previous_response_id" and error_of(e)["code"] == "previous_response_not_found"
    with pytest.raises(openai.NotFoundError):
        bob.responses.delete(first.id)
    alice.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        alice.responses.retrieve(first.id)


def test_store_false_is_not_kept(alice):
    r = alice.responses.create(model="smollm2", input="Hi", max_output_tokens=2, store=False)
    assert r.store is False
    with pytest.raises(openai.BadRequestError) as e:
        alice.responses.create(model="smollm2", previous_response_id=r.id, input="Hi", max_output_tokens=2)
    assert error_of(e)["code"] == "previous_response_not_found"
    with pytest.raises(openai.NotFoundError):
        alice.responses.retrieve(r.id)


@pytest.mark.parametrize("extra, param", [
    ({"reasoning": {"effort": "low"}}, "reasoning"),
    ({"background": True}, "background"),
    ({"include": ["file_search_call.results"]}, "include"),
    ({"truncation": "auto"}, "truncation"),
    ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]}]},
     "input[0].content[0].type"),
    ({"max_output_tokens": 0}, "max_output_tokens"),
    ({"text": {"format": {"type": "json_schema", "name": "bad name!", "schema": {"type": "object"}}}}, "text.format.name"),
])
def test_unsupported_or_invalid_fields_are_named(alice, extra, param):
    kw = {"model": "smollm2", "input": "Hi", "max_output_tokens": 4, **extra}
    with pytest.raises(openai.BadRequestError) as e:
        alice.responses.create(**kw)
    err = error_of(e)
    assert err["param"] == param, err
    assert err["type"] == "invalid_request_error" and param.split("[")[0].split(".")[0] in err["message"]


def test_keys_apply(keyed):
    server, _ = keyed
    with pytest.raises(openai.AuthenticationError):
        client_for(server, "ck-" + "x" * 43).responses.create(model="smollm2", input="Hi", max_output_tokens=2)


def test_storing_off(tmp_path):
    s = Server(tmp_path, "--no-store-responses")
    try:
        c = client_for(s, "unused")
        r = c.responses.create(model="smollm2", input="Hi", max_output_tokens=2)
        assert r.store is False
        with pytest.raises(openai.BadRequestError) as e:
            c.responses.create(model="smollm2", input="Hi", max_output_tokens=2, store=True)
        assert error_of(e)["param"] == "store" and "off" in error_of(e)["message"]
        with pytest.raises(openai.BadRequestError) as e:
            c.responses.create(model="smollm2", input="Hi", max_output_tokens=2, previous_response_id=r.id)
        assert error_of(e)["param"] == "previous_response_id"
    finally:
        s.stop()


# Qwen2.5: structured outputs and function calls.

@pytest.fixture(scope="module")
def qclient(tmp_path_factory):
    assert QWEN.exists(), f"{QWEN} missing: run scripts/fetch-model.sh qwen2.5"
    s = Server(tmp_path_factory.mktemp("qwen-responses"), "-m", str(QWEN), "--model-name", "qwen")
    yield client_for(s, "unused", timeout=300)
    s.stop()


PERSON = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 30}, "age": {"type": "integer", "minimum": 0}},
          "required": ["name", "age"], "additionalProperties": False}

WEATHER = {"type": "function", "name": "get_weather", "description": "The current weather in a city.", "strict": True,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
                          "required": ["city", "unit"], "additionalProperties": False}}


@pytest.mark.parametrize("streaming", [False, True])
def test_json_schema_format(qclient, streaming):
    kw = dict(model="qwen", input="Describe a person as JSON.", max_output_tokens=80, temperature=0.7,
              text={"format": {"type": "json_schema", "name": "person", "schema": PERSON, "strict": True}})
    if streaming:
        with qclient.responses.stream(**kw) as s:
            r = s.get_final_response()
    else:
        r = qclient.responses.create(**kw)
    assert r.status == "completed" and r.text.format.type == "json_schema"
    jsonschema.validate(json.loads(r.output_text), PERSON)


def test_function_call_round_trip(qclient):
    # Turn 1, streamed: the model calls the function.
    events = list(qclient.responses.create(model="qwen", input="What's the weather in Paris in celsius?", tools=[WEATHER],
                                           tool_choice="required", parallel_tool_calls=False, max_output_tokens=60,
                                           temperature=0, stream=True))
    types = [e.type for e in events]
    assert "response.function_call_arguments.delta" in types and "response.function_call_arguments.done" in types
    first = events[-1].response
    calls = [o for o in first.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and calls[0].call_id
    args = json.loads(calls[0].arguments)
    assert args["city"].lower().startswith("paris") and args["unit"] == "celsius"
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert done.arguments == calls[0].arguments
    output = {"type": "function_call_output", "call_id": calls[0].call_id, "output": json.dumps({"temperature": 31, "sky": "clear"})}

    # Turn 2, stored conversation: the output answers the call.
    chained = qclient.responses.create(model="qwen", previous_response_id=first.id, input=[output], tools=[WEATHER],
                                       max_output_tokens=40, temperature=0)
    # Turn 2, stateless: the first answer's output items passed back as they came (OpenAI's
    # cookbook pattern: `input += response.output`), then the call's output.
    stateless = qclient.responses.create(
        model="qwen", tools=[WEATHER], max_output_tokens=40, temperature=0,
        input=[{"role": "user", "content": "What's the weather in Paris in celsius?"}, *first.output, output])
    for r in (chained, stateless):
        assert r.output[0].type == "message", r.output
        assert "31" in r.output_text, r.output_text
    assert chained.usage.input_tokens == stateless.usage.input_tokens, "the stored turn is the same conversation"


# A remote backend (a stub speaking OpenAI's chat wire: a paid cloud API cannot run here).

class Chat(Upstream):
    """Records the chat bodies it gets; answers "fine"; `"model": "flaky"` fails mid-stream."""
    bodies: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        Chat.bodies.append(body)
        base = {"id": "chatcmpl-up", "created": 0, "model": body["model"]}
        usage = {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}
        if not body.get("stream"):
            self.reply({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}]})
            return
        chunk = {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "fi"}, "finish_reason": None}]}
        if body["model"] == "flaky":
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b'data: {"error": {"message": "upstream overloaded", "type": "server_error", "code": "overloaded"}}\n\n')
            return
        self.sse([chunk, {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "ne"}, "finish_reason": "stop"}]},
                  {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}])


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("responses-remote")
    upstream, url = start_upstream(Chat)
    config = tmp / "serve.yaml"
    config.write_text(f"""
privacy: {{enabled: false}}
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 2, context: 1024}}
  far: {{type: openai, tier: cloud, base_url: "{url}", model: upstream-name}}
  flaky: {{type: openai, tier: cloud, base_url: "{url}", model: flaky}}
models:
  small: phone
  remote: far
  flaky: flaky
""")
    gw = Server(tmp, "--config", str(config))
    yield client_for(gw, "unused")
    gw.stop()
    upstream.shutdown()


def test_remote_backend_gets_the_chat_request(remote):
    Chat.bodies.clear()
    raw = remote.responses.with_raw_response.create(model="remote", instructions="Be brief.", input="How are you?",
                                                    max_output_tokens=5, temperature=0.3)
    r = raw.parse()
    assert r.output_text == "fine" and r.model == "remote" and r.usage.input_tokens == 9 and r.usage.output_tokens == 1
    assert raw.headers["x-continuum-tier"] == "cloud" and raw.headers["x-continuum-backend"] == "far"
    sent = Chat.bodies[-1]
    assert sent["model"] == "upstream-name" and sent["max_completion_tokens"] == 5 and sent["temperature"] == 0.3
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How are you?"}]
    events = list(remote.responses.create(model="remote", input="How are you?", stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.output_text == "fine"
    assert events[-1].response.usage.total_tokens == 10
    assert Chat.bodies[-1]["stream_options"] == {"include_usage": True}


def test_error_mid_stream_is_an_error_event(remote):
    events = list(remote.responses.create(model="flaky", input="Hi", stream=True))
    types = [e.type for e in events]
    assert "response.output_text.delta" in types
    assert types[-2:] == ["error", "response.failed"], types
    assert "upstream overloaded" in events[-2].message
    assert events[-1].response.status == "failed" and events[-1].response.error.message == events[-2].message
