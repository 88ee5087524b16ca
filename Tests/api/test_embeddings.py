"""POST /v1/embeddings through the official `openai` client against a real `continuum serve`
with all-MiniLM-L6-v2, checked against the sentence-transformers golden vectors."""
import base64
import json
import math
import sqlite3
import struct
import time

import openai
import pytest

from conftest import MODEL_NAME, MODELS, ROOT, Server
from test_openai_api import post

EMBED_DIR = MODELS / "all-MiniLM-L6-v2"
EMBED_NAME = "all-MiniLM-L6-v2"
GOLDEN = json.loads((ROOT / "Tests/golden/all-minilm-l6-v2.json").read_text())
CASES = {c["name"]: c for c in GOLDEN["cases"]}


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert (EMBED_DIR / "model.safetensors").exists(), f"{EMBED_DIR} missing: run scripts/fetch-model.sh minilm"
    s = Server(tmp_path_factory.mktemp("embed"), "--embedding-model", str(EMBED_DIR))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=120)


def test_models_list_the_embedding_model(client):
    assert sorted(m.id for m in client.models.list().data) == sorted([MODEL_NAME, EMBED_NAME])


def test_one_input_matches_the_reference(client):
    c = CASES["plain"]
    r = client.embeddings.create(model=EMBED_NAME, input=c["text"], encoding_format="float")
    assert r.object == "list" and r.model == EMBED_NAME and len(r.data) == 1
    assert r.data[0].index == 0 and len(r.data[0].embedding) == GOLDEN["dimension"]
    assert cosine(r.data[0].embedding, c["vector"]) >= 0.999
    assert r.usage.prompt_tokens == len(c["ids"]) and r.usage.total_tokens == len(c["ids"])


def test_several_inputs_in_order_with_the_clients_default_base64(client):
    names = ["accents", "cjk", "code", "long-truncated", "special-tokens", "emoji"]
    r = client.embeddings.create(model=EMBED_NAME, input=[CASES[n]["text"] for n in names])
    assert [d.index for d in r.data] == list(range(len(names)))
    for n, d in zip(names, r.data):
        assert cosine(d.embedding, CASES[n]["vector"]) >= 0.999, n
    assert r.usage.prompt_tokens == sum(len(CASES[n]["ids"]) for n in names)


def test_base64_is_the_float32_bytes_of_the_float_answer(server):
    body = {"model": EMBED_NAME, "input": [CASES["numbers"]["text"], CASES["question"]["text"]]}
    s1, h, floats = post(server, "/v1/embeddings", {**body, "encoding_format": "float"})
    s2, _, b64 = post(server, "/v1/embeddings", {**body, "encoding_format": "base64"})
    assert s1 == 200 and s2 == 200
    assert h["x-continuum-tier"] == "device" and h["x-continuum-backend"] == "embeddings" and h["x-request-id"].startswith("embd-")
    for f, b in zip(json.loads(floats)["data"], json.loads(b64)["data"]):
        raw = base64.b64decode(b["embedding"])
        decoded = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        assert decoded == pytest.approx(f["embedding"], abs=1e-7)


@pytest.mark.parametrize("body,status,param,needle", [
    ({"model": EMBED_NAME, "input": [[101, 7592, 102]]}, 400, "input", "token-id"),
    ({"model": EMBED_NAME, "input": [101, 7592, 102]}, 400, "input", "token-id"),
    ({"model": EMBED_NAME, "input": "hi", "dimensions": 128}, 400, "dimensions", "384"),
    ({"model": EMBED_NAME, "input": []}, 400, "input", "empty"),
    ({"model": EMBED_NAME, "input": ""}, 400, "input", "empty"),
    ({"model": EMBED_NAME, "input": ["ok"] * 2049}, 400, "input", "2048"),
    ({"model": EMBED_NAME, "input": "hi", "encoding_format": "int8"}, 400, "encoding_format", ""),
    ({"model": EMBED_NAME, "input": 42}, 400, "input", ""),
    ({"model": EMBED_NAME}, 400, "input", ""),
    ({"model": "no-such-model", "input": "hi"}, 404, None, "no-such-model"),
    ({"model": MODEL_NAME, "input": "hi"}, 400, "model", "text-generation"),
])
def test_bad_requests_get_openai_errors(server, body, status, param, needle):
    code, _, data = post(server, "/v1/embeddings", body)
    err = json.loads(data)["error"]
    assert code == status, err
    assert err["param"] == param and needle in err["message"], err


def test_bad_requests_through_the_client(client):
    with pytest.raises(openai.BadRequestError, match="dimensions"):
        client.embeddings.create(model=EMBED_NAME, input="hi", dimensions=64)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="nope", input="hi")


def test_every_request_has_a_ledger_row(server, client):
    client.embeddings.create(model=EMBED_NAME, input=["one", "two three"])
    time.sleep(0.5)
    con = sqlite3.connect(server.ledger)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM requests WHERE model = ?", (EMBED_NAME,))]
    con.close()
    last = max(rows, key=lambda r: r.get("started_at") or 0)
    assert last["status"] == "ok" and last["tier"] == "device" and last["backend"] == "embeddings"
    assert last["prompt_tokens"] == 3 + 4 and last["completion_tokens"] == 0


def test_config_file_names_the_embedding_model(tmp_path):
    config = tmp_path / "serve.yaml"
    config.write_text(
        f"backends:\n  phone: {{type: local, tier: device}}\nmodels:\n  {MODEL_NAME}: phone\n"
        f"embeddings: {{model: minilm, path: {EMBED_DIR}}}\n")
    s = Server(tmp_path, "--config", str(config))
    try:
        c = openai.OpenAI(base_url=f"{s.url}/v1", api_key="unused", max_retries=0, timeout=120)
        assert "minilm" in [m.id for m in c.models.list().data]
        r = c.embeddings.create(model="minilm", input=CASES["greek-cyrillic"]["text"])
        assert cosine(r.data[0].embedding, CASES["greek-cyrillic"]["vector"]) >= 0.999
    finally:
        s.stop()


def test_keys_must_allow_the_device_tier(tmp_path):
    s = Server(tmp_path, "--embedding-model", str(EMBED_DIR))
    try:
        s.stop()
        device = s.cli("keys", "create", "phone-only", "--tier", "device")
        cloud = s.cli("keys", "create", "cloud-only", "--tier", "cloud")
        assert device.returncode == 0 and cloud.returncode == 0, device.stderr + cloud.stderr
        s.start()
        text = CASES["plain"]["text"]
        ok = openai.OpenAI(base_url=f"{s.url}/v1", api_key=device.stdout.strip(), max_retries=0)
        assert cosine(ok.embeddings.create(model=EMBED_NAME, input=text).data[0].embedding, CASES["plain"]["vector"]) >= 0.999
        denied = openai.OpenAI(base_url=f"{s.url}/v1", api_key=cloud.stdout.strip(), max_retries=0)
        with pytest.raises(openai.PermissionDeniedError, match="device tier"):
            denied.embeddings.create(model=EMBED_NAME, input=text)
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{s.url}/v1", api_key="wrong", max_retries=0).embeddings.create(model=EMBED_NAME, input=text)
    finally:
        s.stop()
