"""Replica routing over real HTTP: a gateway in front of two `continuum serve` replicas with
the `continuum` policy, fed by the replicas' /v1/kv-events. A request that shares a long
prefix with an earlier one goes where that prefix is cached; a dead replica is dropped."""
import signal
import time

from openai import OpenAI

from conftest import MODEL, MODEL_NAME, Server

DOC = " ".join(f"Fact {i}: the {['red', 'green', 'blue', 'amber'][i % 4]} lamp number {i} is on shelf {i * 7 % 13}." for i in range(40))


def ask(client, question):
    raw = client.chat.completions.with_raw_response.create(
        model="pair", messages=[{"role": "system", "content": DOC}, {"role": "user", "content": question}],
        temperature=0, max_tokens=4)
    return raw.headers, raw.parse()


def test_prefix_goes_where_it_is_cached_and_dead_replicas_are_dropped(tmp_path):
    dirs = [tmp_path / n for n in ("a", "b", "gw")]
    for d in dirs:
        d.mkdir()
    a, b = Server(dirs[0]), Server(dirs[1])
    config = dirs[2] / "serve.yaml"
    config.write_text(f"""
health_check_interval_seconds: 0.5
backends:
  a: {{type: openai, tier: edge, base_url: "{a.url}/v1", model: {MODEL_NAME}}}
  b: {{type: openai, tier: edge, base_url: "{b.url}/v1", model: {MODEL_NAME}}}
models:
  pair: {{backends: [a, b], routing: continuum, tokenizer: "{MODEL}"}}
""")
    gw = Server(dirs[2], "--config", str(config))
    try:
        client = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0, timeout=120)
        time.sleep(1)  # the gateway subscribes to both replicas' KV events
        h1, r1 = ask(client, "Where is lamp 3?")
        first = h1["x-continuum-backend"]
        assert "continuum: predicted TTFT" in h1["x-continuum-route"] and "0 cached tokens" in h1["x-continuum-route"]
        time.sleep(0.5)  # the replica's stored-block events reach the gateway
        for q in ("Where is lamp 17?", "Which lamps are amber?", "Is lamp 30 on?"):
            h, r = ask(client, q)
            assert h["x-continuum-backend"] == first, h["x-continuum-route"]
            assert "(KV events)" in h["x-continuum-route"] and "0 cached tokens" not in h["x-continuum-route"]
            assert r.usage.prompt_tokens_details.cached_tokens >= 300, r.usage
        # The replica holding the prefix dies: requests go to the other one, which then caches the prefix.
        (a if first == "a" else b).stop(signal.SIGKILL)
        other = "b" if first == "a" else "a"
        seen = [ask(client, f"Where is lamp {i}?")[0]["x-continuum-backend"] for i in (5, 6, 7)]
        assert seen == [other] * 3, seen
    finally:
        gw.stop()
        a.stop(signal.SIGKILL)
        b.stop(signal.SIGKILL)
