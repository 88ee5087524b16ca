"""Structured outputs, grammars and tool calls against real `continuum serve` processes,
with the official openai client; every output is checked with Python's jsonschema."""
import json

import httpx
import jsonschema
import pytest

from conftest import MODELS, Server

QWEN = MODELS / "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "age": {"type": "integer", "minimum": 0, "maximum": 130},
        "email": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"enum": ["friend", "work", "family"]}, "minItems": 1, "maxItems": 3},
        "address": {"$ref": "#/$defs/address"},
    },
    "required": ["name", "age", "tags", "address"],
    "additionalProperties": False,
    "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
                          "required": ["city", "zip"], "additionalProperties": False}},
}

TREE = {  # recursion through $ref
    "$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
                       "required": ["value", "children"], "additionalProperties": False}},
    "$ref": "#/$defs/node",
}


def schema_format(schema, name="answer"):
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def stream_text(client, **kw):
    text, finish = "", None
    for chunk in client.chat.completions.create(stream=True, **kw):
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
    return text, finish


@pytest.mark.parametrize("schema, ask", [(PERSON, "Describe a person as JSON."),
                                         (TREE, "A tree as JSON: a root with value 1 and two leaves with values 2 and 3, which have no children.")],
                         ids=["person", "tree"])
@pytest.mark.parametrize("streaming", [False, True])
def test_json_schema_outputs_validate(client, schema, ask, streaming):
    for seed in range(3):
        kw = dict(model="smollm2", messages=[{"role": "user", "content": ask}],
                  response_format=schema_format(schema), max_tokens=400, temperature=0.8, seed=seed)
        if streaming:
            text, finish = stream_text(client, **kw)
        else:
            r = client.chat.completions.create(**kw)
            text, finish = r.choices[0].message.content, r.choices[0].finish_reason
        assert finish == "stop", text
        jsonschema.validate(json.loads(text), schema)


def test_json_object_and_gbnf_grammar(client, server):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Give me JSON."}],
                                       response_format={"type": "json_object"}, max_tokens=200, temperature=0.7, seed=3)
    assert r.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(r.choices[0].message.content), dict)
    # llama-server's `grammar` extension, on both endpoints
    g = 'root ::= ("yes" | "no") "."'
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Is water wet?"}],
                                       max_tokens=10, extra_body={"grammar": g})
    assert r.choices[0].message.content in ("yes.", "no.")
    c = client.completions.create(model="smollm2", prompt="Is the sky blue? Answer:", max_tokens=10, extra_body={"grammar": g})
    assert c.choices[0].text in ("yes.", "no.")


def test_a_grammar_that_cannot_finish_ends_with_length(client):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "List numbers."}],
                                       response_format=schema_format({"type": "array", "items": {"type": "integer"}, "minItems": 50}),
                                       max_tokens=12)
    assert r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 12


@pytest.mark.parametrize("body, param, words", [
    ({"response_format": schema_format({"type": "object", "not": {"required": ["a"]}})}, "response_format.json_schema.schema", ["not"]),
    ({"response_format": schema_format({"type": "string", "pattern": "(a)\\1"})}, "response_format.json_schema.schema", ["pattern"]),
    ({"response_format": schema_format({"$ref": "#/$defs/missing"})}, "response_format.json_schema.schema", ["missing"]),
    ({"response_format": schema_format({"enum": [f"v{i}" for i in range(6000)]})}, "response_format.json_schema.schema", ["enum"]),
    ({"grammar": "root ::= undefined-rule"}, "grammar", ["undefined-rule"]),
    ({"grammar": "root ::= \"a\" ["}, "grammar", []),
    ({"grammar": "x ::= \"a\""}, "grammar", ["root"]),
    ({"grammar": "root ::= \"a\"{1000000}"}, "grammar", []),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "strin"}}}}}]},
     "tools[0].function.parameters", ["strin"]),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]}, "tools[0].function.name", []),
    ({"tool_choice": {"type": "function", "function": {"name": "nope"}},
      "tools": [{"type": "function", "function": {"name": "f"}}]}, "tool_choice", ["nope"]),
])
def test_what_cannot_be_enforced_is_a_400_naming_it(server, body, param, words):
    r = httpx.post(server.url + "/v1/chat/completions", timeout=60,
                   json={"model": "smollm2", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, **body})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param, err
    for w in words:
        assert w in err["message"], err


def test_control_tokens_in_a_completion_prompt_are_parsed_unless_turned_off(server):
    prompt = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
    def usage(extra):
        r = httpx.post(server.url + "/v1/completions", timeout=60,
                       json={"model": "smollm2", "prompt": prompt, "max_tokens": 1, "temperature": 0, **extra})
        assert r.status_code == 200, r.text
        return r.json()["usage"]["prompt_tokens"]
    parsed, plain = usage({}), usage({"parse_special": False})
    # 3 control tokens each spelled as ~6 plain-text tokens when not parsed
    assert plain - parsed >= 12, (parsed, plain)


# --- Tool calls on Qwen2.5 ---------------------------------------------------------------

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
                   "required": ["city", "unit"], "additionalProperties": False}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "Current time in a timezone",
                                         "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}}


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    assert QWEN.exists(), f"{QWEN} missing: run scripts/fetch-model.sh qwen2.5"
    s = Server(tmp_path_factory.mktemp("qwen"), "-m", str(QWEN), "--model-name", "qwen")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def qclient(qwen):
    from openai import OpenAI
    return OpenAI(base_url=f"{qwen.url}/v1", api_key="unused", max_retries=0, timeout=300)


def collect_stream(stream):
    """Rebuilds a message from chunks as an OpenAI client would."""
    content, calls, finish = "", {}, None
    for chunk in stream:
        if not chunk.choices:
            continue
        d = chunk.choices[0].delta
        content += d.content or ""
        for tc in d.tool_calls or []:
            slot = calls.setdefault(tc.index, {"id": None, "name": None, "arguments": ""})
            if tc.id:
                assert slot["id"] is None, "a call's id comes once"
                slot["id"] = tc.id
            if tc.function and tc.function.name:
                slot["name"] = tc.function.name
            if tc.function and tc.function.arguments:
                assert slot["name"], "the name comes before the arguments"
                slot["arguments"] += tc.function.arguments
        finish = chunk.choices[0].finish_reason or finish
    return content, [calls[i] for i in sorted(calls)], finish


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize("choice", ["required", "auto"])
def test_two_turn_agent_loop(qclient, streaming, choice):
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What's the weather in Paris in celsius?"}]
    # One call per turn: with parallel calls allowed this small model calls again and again.
    kw = dict(model="qwen", messages=messages, tools=[WEATHER, TIME], tool_choice=choice, max_tokens=120, temperature=0,
              parallel_tool_calls=False)
    if streaming:
        content, calls, finish = collect_stream(qclient.chat.completions.create(stream=True, **kw))
    else:
        m = qclient.chat.completions.create(**kw)
        finish = m.choices[0].finish_reason
        calls = [{"id": c.id, "name": c.function.name, "arguments": c.function.arguments} for c in m.choices[0].message.tool_calls or []]
    assert finish == "tool_calls", (finish, calls)
    assert calls and calls[0]["name"] == "get_weather" and calls[0]["id"].startswith("call_")
    args = json.loads(calls[0]["arguments"])
    jsonschema.validate(args, WEATHER["function"]["parameters"])
    messages.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]})
    for c in calls:
        messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps({"temperature": 18, "sky": "clear"})})
    # The final answer: tools still listed, calling them turned off (this 0.5B model would call again).
    kw = dict(model="qwen", messages=messages, tools=[WEATHER, TIME], tool_choice="none", max_tokens=60, temperature=0)
    if streaming:
        content, calls2, finish = collect_stream(qclient.chat.completions.create(stream=True, **kw))
    else:
        m = qclient.chat.completions.create(**kw)
        content, finish, calls2 = m.choices[0].message.content, m.choices[0].finish_reason, m.choices[0].message.tool_calls
    assert finish in ("stop", "length") and not calls2, (finish, calls2, content)
    assert "18" in content, content


def test_a_named_function_is_called_with_valid_arguments(qclient):
    m = qclient.chat.completions.create(model="qwen", messages=[{"role": "user", "content": "What time is it in Tokyo?"}],
                                        tools=[WEATHER, TIME], tool_choice={"type": "function", "function": {"name": "get_time"}},
                                        max_tokens=60, temperature=0)
    calls = m.choices[0].message.tool_calls
    assert m.choices[0].finish_reason == "tool_calls" and len(calls) == 1 and calls[0].function.name == "get_time"
    jsonschema.validate(json.loads(calls[0].function.arguments), TIME["function"]["parameters"])


def test_tool_choice_none_answers_in_text(qclient):
    m = qclient.chat.completions.create(model="qwen", messages=[{"role": "user", "content": "Say hi."}],
                                        tools=[WEATHER], tool_choice="none", max_tokens=20, temperature=0)
    assert m.choices[0].message.tool_calls is None and m.choices[0].message.content


# --- Real schemas (scripts/eval-structured.py runs the full 250; the suite runs a share) ----

def _eval_module():
    import importlib.util
    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("eval_structured", ROOT / "scripts/eval-structured.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


@pytest.mark.parametrize("streaming", [False, True])
def test_real_schemas_validate_smollm2(client, streaming):
    ev = _eval_module()
    rows = ev.select(60)
    import concurrent.futures as cf
    with cf.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda ir: ev.run_one(client, "smollm2", ir[1], streaming, 256, ir[0]), enumerate(rows)))
    bad = [r for r in results if not r["ok"]]
    assert not bad, bad[:3]


@pytest.mark.parametrize("streaming", [False, True])
def test_real_schemas_validate_qwen(qclient, streaming):
    ev = _eval_module()
    rows = ev.select(20)
    import concurrent.futures as cf
    with cf.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda ir: ev.run_one(qclient, "qwen", ir[1], streaming, 256, ir[0]), enumerate(rows)))
    bad = [r for r in results if not r["ok"]]
    assert not bad, bad[:3]
