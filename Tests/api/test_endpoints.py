"""The small endpoints users expect: llama-server's /tokenize and /detokenize, GET
/v1/models/{id}, and CORS for browser clients (off by default, an allow-list when set)."""
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import BINARY, MODEL, MODEL_NAME, Server, free_port

APP = "https://app.example.com"
LLAMA_SERVER = Path.home() / ".cache/continuum/llama.cpp/bin/llama-server"
TEXT = "Hello <|im_start|> wörld, 東京 🙂"


@pytest.fixture(scope="module")
def cors_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("cors"), "--cors-origin", APP, "--cors-origin", "http://localhost:5173")
    yield s
    s.stop()


def post(url, path, body, **kw):
    return httpx.post(url + path, json=body, timeout=60, **kw)


def test_tokenize_counts_what_the_engine_counts(server):
    r = post(server.url, "/tokenize", {"content": "The capital of France is"})
    assert r.status_code == 200, r.text
    ids = r.json()["tokens"]
    assert ids and all(isinstance(i, int) for i in ids)
    c = post(server.url, "/v1/completions", {"model": MODEL_NAME, "prompt": "The capital of France is", "max_tokens": 1})
    assert c.json()["usage"]["prompt_tokens"] == len(ids)
    assert post(server.url, "/detokenize", {"tokens": ids}).json() == {"content": "The capital of France is"}


def test_tokenize_with_pieces_gives_bytes_for_partial_characters(server):
    r = post(server.url, "/tokenize", {"content": TEXT, "with_pieces": True})
    assert r.status_code == 200, r.text
    tokens = r.json()["tokens"]
    assert all(set(t) == {"id", "piece"} for t in tokens)
    raw = b"".join(t["piece"].encode() if isinstance(t["piece"], str) else bytes(t["piece"]) for t in tokens)
    assert raw == TEXT.encode()
    assert any(isinstance(t["piece"], list) for t in tokens), "the emoji or CJK text should split inside a character"
    # parse_special (default true) reads the control token as one id; false spells it out.
    special = [t for t in tokens if t["piece"] == "<|im_start|>"]
    assert len(special) == 1
    plain = post(server.url, "/tokenize", {"content": TEXT, "parse_special": False}).json()["tokens"]
    assert special[0]["id"] not in plain and len(plain) > len(tokens)


def test_tokenize_mixed_content(server):
    hi = post(server.url, "/tokenize", {"content": "Hi"}).json()["tokens"]
    there = post(server.url, "/tokenize", {"content": " there"}).json()["tokens"]
    # SmolLM2 adds no BOS (add_bos_token false), so add_special adds nothing here, as in llama-server.
    for add in (False, True):
        mixed = post(server.url, "/tokenize", {"content": ["Hi", 5, " there"], "add_special": add}).json()["tokens"]
        assert mixed == hi + [5] + there


def test_detokenize_writes_control_tokens(server):
    ids = post(server.url, "/tokenize", {"content": "<|im_start|>user"}).json()["tokens"]
    assert post(server.url, "/detokenize", {"tokens": ids}).json()["content"] == "<|im_start|>user"


@pytest.mark.parametrize("path, body, status, param", [
    ("/tokenize", {"content": "x", "bogus": 1}, 400, "bogus"),
    ("/tokenize", {}, 400, "content"),
    ("/tokenize", {"content": [1.5]}, 400, None),
    ("/tokenize", {"content": "x", "model": "nope"}, 404, None),
    ("/detokenize", {"tokens": [99999999]}, 400, "tokens[0]"),
    ("/detokenize", {"tokens": "abc"}, 400, "tokens"),
    ("/detokenize", {"tokens": [1], "model": "nope"}, 404, None),
])
def test_bad_tokenize_requests_are_named(server, path, body, status, param):
    r = post(server.url, path, body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    if param:
        assert err["param"] == param, err
    if status == 404:
        assert err["code"] == "model_not_found"


def test_tokenize_takes_the_model_by_name(server):
    a = post(server.url, "/tokenize", {"content": "abc", "model": MODEL_NAME}).json()["tokens"]
    assert a == post(server.url, "/tokenize", {"content": "abc"}).json()["tokens"]


@pytest.mark.skipif(not LLAMA_SERVER.exists(), reason="llama-server not built (scripts/build-llamacpp.sh)")
def test_tokenize_answers_as_llama_server_does(server, tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(LLAMA_SERVER), "-m", str(MODEL), "--port", str(port), "-c", "512", "-t", "1"],
                            stdout=open(tmp_path / "llama.log", "wb"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        for body in ({"content": TEXT}, {"content": TEXT, "with_pieces": True}, {"content": ["Hi", 5, " there"], "add_special": True},
                     {"content": TEXT, "parse_special": False}):
            assert post(server.url, "/tokenize", body).json() == post(url, "/tokenize", body).json(), body
        ids = post(url, "/tokenize", {"content": TEXT}).json()["tokens"]
        assert post(server.url, "/detokenize", {"tokens": ids}).json() == post(url, "/detokenize", {"tokens": ids}).json()
    finally:
        proc.kill()
        proc.wait()


def test_model_by_id(server, client):
    m = client.models.retrieve(MODEL_NAME)
    assert m.id == MODEL_NAME and m.object == "model" and m.owned_by == "continuum"
    r = httpx.get(f"{server.url}/v1/models/org/not-served", timeout=10)
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"


def test_model_by_id_follows_the_key(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    def create(*args):
        out = subprocess.run([str(BINARY), "keys", "create", *args, "--ledger", str(ledger)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    mine, other = create("mine"), create("other", "--model", "other")
    s = Server(tmp_path)
    try:
        get = lambda secret: httpx.get(f"{s.url}/v1/models/{MODEL_NAME}", headers={"authorization": f"Bearer {secret}"}, timeout=10)
        assert get(mine).status_code == 200
        assert get(other).status_code == 404
        assert httpx.get(f"{s.url}/tokenize", timeout=10).status_code == 401
        assert post(s.url, "/tokenize", {"content": "x"}).status_code == 401
        assert post(s.url, "/tokenize", {"content": "x"}, headers={"x-api-key": mine}).status_code == 200
        assert post(s.url, "/tokenize", {"content": "x", "model": MODEL_NAME}, headers={"x-api-key": other}).status_code == 404
    finally:
        s.stop()


def test_cors_is_off_by_default(server):
    r = httpx.options(f"{server.url}/v1/chat/completions", headers={"Origin": APP, "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(f"{server.url}/v1/models", headers={"Origin": APP}, timeout=10)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_cors_preflight_from_an_allowed_origin(cors_server):
    r = httpx.options(f"{cors_server.url}/v1/chat/completions", timeout=10, headers={
        "Origin": APP, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os"})
    assert r.status_code == 204, r.text
    assert r.headers["access-control-allow-origin"] == APP
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "x-stainless-os" in r.headers["access-control-allow-headers"]
    assert "Origin" in r.headers["vary"]


def test_cors_refuses_other_origins(cors_server):
    r = httpx.options(f"{cors_server.url}/v1/chat/completions", timeout=10,
                      headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    r = post(cors_server.url, "/v1/chat/completions", {"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2},
             headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_answers_expose_provenance(cors_server):
    r = post(cors_server.url, "/v1/chat/completions", {"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2},
             headers={"Origin": "http://localhost:5173"})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "http://localhost:5173"
    exposed = r.headers["access-control-expose-headers"]
    assert "x-continuum-tier" in exposed and "x-request-id" in exposed
    # Errors carry the headers too, so a page can read why it was refused.
    e = post(cors_server.url, "/v1/chat/completions", {"model": "nope", "messages": []}, headers={"Origin": APP})
    assert e.status_code in (400, 404) and e.headers["access-control-allow-origin"] == APP


def test_bad_cors_origin_is_refused_at_start(tmp_path):
    out = subprocess.run([str(BINARY), "serve", "-m", str(MODEL), "--port", "0", "--no-ledger", "--cors-origin", "app.example.com"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "--cors-origin 'app.example.com' is not an origin" in out.stderr
