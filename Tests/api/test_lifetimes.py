"""What begins must end: a failure injected at each stage of a request (bad body, auth,
limits, privacy refusal, upstream connect, first byte, mid-stream, client disconnect, a
backend that fails over to a fallback) leaves every ledger row in a final state and every
replica's count of requests in flight back at 0, and the budget is never overspent."""
import concurrent.futures
import json
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from conftest import BINARY, MODEL, Server, free_port


class Broken(BaseHTTPRequestHandler):
    """An upstream that fails in the way its model name says."""
    def log_message(self, *args):
        pass

    def do_GET(self):
        data = b'{"object":"list","data":[]}'
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body["model"] == "no-head":  # closes before answering
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": "half"}, "finish_reason": None}]}
        for _ in range(2):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)  # mid-stream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lifetimes")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{upstream.server_address[1]}/v1"
    config = tmp / "serve.yaml"
    config.write_text(f"""
retries: 1
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 2, context: 1024}}
  dead: {{type: openai, tier: cloud, base_url: "http://127.0.0.1:{free_port()}/v1", connect_timeout_seconds: 1}}
  nohead: {{type: openai, tier: cloud, base_url: "{url}", model: no-head}}
  midway: {{type: openai, tier: cloud, base_url: "{url}", model: midway}}
models:
  small: phone
  unreachable: dead
  headless: nohead
  halfway: midway
  rescued:
    backends: [dead]
    fallbacks: [small]
""")
    ledger = tmp / "ledger.sqlite"
    out = subprocess.run([str(BINARY), "keys", "create", "u", "--rpm", "1000", "--ledger", str(ledger)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    admin = subprocess.run([str(BINARY), "keys", "create", "ops", "--admin", "--ledger", str(ledger)], capture_output=True, text=True)
    limited = subprocess.run([str(BINARY), "keys", "create", "slow", "--rpm", "1", "--ledger", str(ledger)], capture_output=True, text=True)
    gw = Server(tmp, "--config", str(config))
    yield gw, out.stdout.strip(), admin.stdout.strip(), limited.stdout.strip()
    gw.stop()
    upstream.shutdown()


def chat(gw, key, model, stream=False, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "Count to ten"}], "max_tokens": 24, "stream": stream, **extra}
    return httpx.post(gw.url + "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}, timeout=60)


def final_rows(gw):
    con = sqlite3.connect(gw.ledger)
    try:
        for _ in range(50):
            rows = con.execute("SELECT request_id, status, http_status FROM requests").fetchall()
            if not any(s == "in_progress" for _, s, _ in rows):
                return rows
            time.sleep(0.1)
        return rows
    finally:
        con.close()


def outstanding(gw, admin):
    text = httpx.get(gw.url + "/metrics", headers={"authorization": f"Bearer {admin}"}).text
    return {l.split("{")[1].split("}")[0]: float(l.split()[-1]) for l in text.splitlines() if l.startswith("continuum_replica_outstanding")}


def test_every_stage_ends_its_row_and_its_ticket(gateway):
    gw, key, admin, limited = gateway
    # bad body, auth, limits, privacy: refused before anything starts
    assert httpx.post(gw.url + "/v1/chat/completions", content=b"{", headers={"authorization": f"Bearer {key}"}).status_code == 400
    assert chat(gw, "ck-" + "z" * 40, "small").status_code == 401
    assert chat(gw, limited, "small").status_code == 200
    assert chat(gw, limited, "small").status_code == 429
    assert chat(gw, key, "unreachable", messages=[{"role": "user", "content": "mail jane@example.com"}]).status_code == 403
    # upstream connect, first byte, mid-stream
    assert chat(gw, key, "unreachable").status_code in (502, 503, 504)
    assert chat(gw, key, "headless").status_code in (502, 503)
    with httpx.stream("POST", gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                      json={"model": "halfway", "messages": [{"role": "user", "content": "hi"}], "stream": True}) as r:
        text = "".join(r.iter_text())
    assert "half" in text and "error" in text
    # client disconnects mid-stream, local and remote
    with httpx.stream("POST", gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                      json={"model": "small", "messages": [{"role": "user", "content": "Count to a hundred"}],
                            "max_tokens": 200, "stream": True}) as r:
        next(r.iter_lines())
    # a dead backend falls back to a local model: answered
    r = chat(gw, key, "rescued")
    assert r.status_code == 200 and r.headers["x-continuum-backend"] == "phone", r.text
    assert "fallback_failed" in r.headers["x-continuum-route-code"]
    time.sleep(1)
    rows = final_rows(gw)
    assert rows and not [r for r in rows if r[1] == "in_progress"], rows
    statuses = {s for _, s, _ in rows}
    assert {"ok", "backend_failed", "disconnected"} <= statuses, rows
    loads = outstanding(gw, admin)
    assert loads and all(v == 0 for v in loads.values()), loads
    by_reason = gw.cli("usage", "--by", "reason")
    assert by_reason.returncode == 0 and "fallback_failed" in by_reason.stdout, by_reason.stdout + by_reason.stderr
    by_policy = gw.cli("usage", "--by", "policy")
    assert by_policy.returncode == 0 and "only" in by_policy.stdout


def test_concurrent_requests_never_overspend_a_budget(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    out = subprocess.run([str(BINARY), "keys", "create", "b", "--budget", "3000", "--ledger", str(ledger)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    s = Server(tmp_path)
    try:
        def one(i):
            return chat(s, key, "smollm2", max_tokens=64, messages=[{"role": "user", "content": f"Tell me a story about {i}"}]).status_code
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            codes = list(pool.map(one, range(64)))
        assert set(codes) <= {200, 429} and 200 in codes and 429 in codes, codes
        time.sleep(1)
        con = sqlite3.connect(s.ledger)
        billed = con.execute("SELECT SUM(prompt_tokens + completion_tokens) FROM requests").fetchone()[0]
        con.close()
        assert billed <= 3000, billed
        listed = subprocess.run([str(BINARY), "keys", "list", "--ledger", str(ledger)], capture_output=True, text=True).stdout
        assert "3000" in listed
    finally:
        s.stop()


def test_a_dropped_stream_is_billed_for_what_was_computed(tmp_path):
    s = Server(tmp_path)
    try:
        with httpx.stream("POST", s.url + "/v1/chat/completions", json={"model": "smollm2", "stream": True, "max_tokens": 200,
                          "messages": [{"role": "user", "content": "Write a long poem about the sea"}]}) as r:
            request_id = r.headers["x-request-id"]
            lines = r.iter_lines()
            for _ in range(12):
                next(lines)
        time.sleep(1.5)
        con = sqlite3.connect(s.ledger)
        row = con.execute("SELECT status, prompt_tokens, completion_tokens FROM requests WHERE request_id = ?", (request_id,)).fetchone()
        con.close()
        assert row[0] == "disconnected" and row[1] > 5 and row[2] >= 5, row
    finally:
        s.stop()
