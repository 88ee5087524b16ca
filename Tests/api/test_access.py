"""Who may see what: every route × every kind of caller, against a real `continuum serve`
with real keys in its ledger. Authentication comes first: a caller without a valid key
learns nothing (not whether a path or a model exists); /metrics and /v1/kv-events need the
admin scope; /v1/models lists only the models a key may use."""
import subprocess

import httpx
import pytest

from conftest import BINARY, MODEL_NAME, Server

CHAT = {"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
COMPLETION = {"model": MODEL_NAME, "prompt": "Hi", "max_tokens": 1}
EMBED = {"model": "minilm", "input": "hi"}

ROUTES = [
    ("GET", "/health", None), ("GET", "/ready", None), ("GET", "/v1/models", None), ("GET", "/openapi.json", None),
    ("GET", "/metrics", None), ("GET", "/v1/kv-events", None), ("POST", "/v1/chat/completions", CHAT),
    ("POST", "/v1/completions", COMPLETION), ("POST", "/v1/embeddings", EMBED), ("GET", "/v1/no-such-path", None),
]
CALLERS = ["none", "unknown", "revoked", "no_model", "no_tier", "user", "admin"]

# Expected status per route and caller.
OPEN = {c: 200 for c in CALLERS}
DENIED = {"none": 401, "unknown": 401, "revoked": 401}
EXPECTED = {
    "/health": OPEN, "/ready": OPEN,
    "/v1/models": {**DENIED, "no_model": 200, "no_tier": 200, "user": 200, "admin": 200},
    "/openapi.json": {**DENIED, "no_model": 200, "no_tier": 200, "user": 200, "admin": 200},
    "/metrics": {**DENIED, "no_model": 403, "no_tier": 403, "user": 403, "admin": 200},
    "/v1/kv-events": {**DENIED, "no_model": 403, "no_tier": 403, "user": 403, "admin": 200},
    "/v1/chat/completions": {**DENIED, "no_model": 404, "no_tier": 403, "user": 200, "admin": 200},
    "/v1/completions": {**DENIED, "no_model": 404, "no_tier": 403, "user": 200, "admin": 200},
    "/v1/embeddings": {**DENIED, "no_model": 404, "no_tier": 404, "user": 404, "admin": 404},
    "/v1/no-such-path": {**DENIED, "no_model": 404, "no_tier": 404, "user": 404, "admin": 404},
}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    ledger = tmp / "ledger.sqlite"

    def create(name, *args):
        out = subprocess.run([str(BINARY), "keys", "create", name, *args, "--ledger", str(ledger)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    secrets = {
        "none": None, "unknown": "ck-" + "x" * 40,
        "revoked": create("revoked"), "no_model": create("other-model", "--model", "other"),
        "no_tier": create("cloud-only", "--tier", "cloud"), "user": create("user"), "admin": create("admin", "--admin"),
    }
    out = subprocess.run([str(BINARY), "keys", "revoke", "1", "--ledger", str(ledger)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    s = Server(tmp)
    yield s, secrets
    s.stop()


def call(url, method, path, body, secret):
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    with httpx.Client(timeout=60) as c:
        with c.stream(method, url + path, json=body, headers=headers) as r:
            status, kind = r.status_code, r.headers.get("content-type", "")
            text = "" if "event-stream" in kind else r.read().decode()
    return status, text


@pytest.mark.parametrize("method, path, body", ROUTES, ids=[p for _, p, _ in ROUTES])
def test_route_by_caller(keyed, method, path, body):
    server, secrets = keyed
    got = {c: call(server.url, method, path, body, secrets[c]) for c in CALLERS}
    statuses = {c: s for c, (s, _) in got.items()}
    assert statuses == EXPECTED[path], got
    for c in ("none", "unknown", "revoked"):
        if path not in ("/health", "/ready"):
            assert MODEL_NAME not in got[c][1] and "does not exist" not in got[c][1], got[c]


def test_models_lists_only_what_the_key_may_use(keyed):
    server, secrets = keyed
    def ids(secret):
        s, text = call(server.url, "GET", "/v1/models", None, secret)
        assert s == 200
        return [m["id"] for m in httpx.Response(200, content=text).json()["data"]]
    assert ids(secrets["user"]) == [MODEL_NAME]
    assert ids(secrets["no_model"]) == []


def test_unknown_model_and_forbidden_model_look_alike(keyed):
    server, secrets = keyed
    s1, t1 = call(server.url, "POST", "/v1/chat/completions", {**CHAT, "model": "nope"}, secrets["user"])
    s2, t2 = call(server.url, "POST", "/v1/chat/completions", {**CHAT, "model": MODEL_NAME}, secrets["no_model"])
    assert s1 == s2 == 404
    assert httpx.Response(404, content=t1).json()["error"]["code"] == httpx.Response(404, content=t2).json()["error"]["code"] == "model_not_found"


def test_x_api_key_header_is_accepted(keyed):
    server, secrets = keyed
    r = httpx.post(server.url + "/v1/chat/completions", json=CHAT, headers={"x-api-key": secrets["user"]}, timeout=60)
    assert r.status_code == 200 and r.headers["x-request-id"].startswith("chatcmpl-")


def test_metric_scope_keys_cannot_infer(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    out = subprocess.run([str(BINARY), "keys", "create", "scraper", "--scope", "admin", "--ledger", str(ledger)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    s = Server(tmp_path)
    try:
        secret = out.stdout.strip()
        assert call(s.url, "GET", "/metrics", None, secret)[0] == 200
        status, text = call(s.url, "POST", "/v1/chat/completions", CHAT, secret)
        assert status == 403 and "inference" in text
    finally:
        s.stop()


def test_an_unknown_method_on_a_known_path_is_405_with_allow(keyed):
    server, secrets = keyed
    headers = {"authorization": f"Bearer {secrets['user']}"}
    r = httpx.request("DELETE", server.url + "/v1/chat/completions", headers=headers)
    assert r.status_code == 405 and r.headers["allow"] == "POST" and r.json()["error"]["type"] == "invalid_request_error"
    r = httpx.post(server.url + "/v1/models", headers=headers)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert httpx.request("DELETE", server.url + "/v1/chat/completions").status_code == 401  # still nothing without a key
