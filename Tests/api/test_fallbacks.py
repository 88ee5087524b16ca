"""Spill-over: a full local engine (one slot, a queue of one) sends the rest to its
configured fallback instead of a 429, and every answer is the one the request gets alone
at temperature 0 (the kernels are batch-invariant)."""
import concurrent.futures

import httpx
import pytest

from conftest import MODEL, Server

PROMPTS = [f"Name a colour and a number. Case {i}." for i in range(8)]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fallbacks")
    config = tmp / "serve.yaml"
    config.write_text(f"""
backends:
  tight: {{type: local, tier: device, model: "{MODEL}", threads: 1, context: 512, parallel: 1, queue: 1}}
  spare: {{type: local, tier: device, model: "{MODEL}", threads: 1, context: 2048, parallel: 8}}
models:
  small:
    backends: [tight]
    fallbacks: [roomy]
  roomy: spare
""")
    gw = Server(tmp, "--config", str(config))
    yield gw
    gw.stop()


def ask(gw, model, prompt, max_tokens=12):
    r = httpx.post(gw.url + "/v1/chat/completions", timeout=120, json={
        "model": model, "temperature": 0, "max_tokens": max_tokens, "messages": [{"role": "user", "content": prompt}]})
    return r.status_code, r.json(), r.headers


def test_a_full_engine_spills_over_to_its_fallback(gateway):
    alone = {p: ask(gateway, "roomy", p)[1]["choices"][0]["message"]["content"] for p in PROMPTS}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: (p, ask(gateway, "small", p)), PROMPTS))
    assert all(status == 200 for _, (status, _, _) in results), [(s, b) for _, (s, b, _) in results]
    for p, (_, body, _) in results:
        assert body["choices"][0]["message"]["content"] == alone[p], p
    spilled = [h for _, (_, _, h) in results if h["x-continuum-backend"] == "spare"]
    assert spilled and all("fallback_full" in h["x-continuum-route-code"] for h in spilled)


def test_a_prompt_too_long_goes_to_the_longer_context(gateway):
    long = "Repeat after me: " + "red green blue yellow " * 150  # > 512 tokens, < 2048
    status, body, headers = ask(gateway, "small", long, max_tokens=2)
    assert status == 200, body
    assert headers["x-continuum-backend"] == "spare" and "fallback_prompt_too_long" in headers["x-continuum-route-code"]
