"""Starts real `continuum serve` processes for the API tests (loopback only, temp ledgers)."""
import json
import os
import signal
import socket
import subprocess
import time
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "release" / "continuum"
MODELS = Path(os.environ.get("CONTINUUM_MODELS", Path.home() / ".cache/continuum/models"))
MODEL = MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, *extra: str):
        assert BINARY.exists(), f"{BINARY} missing: run `swift build -c release` (make test does)"
        assert MODEL.exists(), f"{MODEL} missing: run scripts/fetch-model.sh smollm2"
        self.port = free_port()
        self.ledger = tmp / "ledger.sqlite"
        self.log = tmp / "serve.log"
        self.args = [str(BINARY), "serve", "-m", str(MODEL), "--model-name", MODEL_NAME, "--port", str(self.port),
                     "--ledger", str(self.ledger), "-t", "2", "--ctx-size", "1024", *extra]
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"continuum serve exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("continuum serve did not start in 60 s")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cli(self, *args):
        return subprocess.run([str(BINARY), *args, "--ledger", str(self.ledger)], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI
    return OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=120)


def device_and_cloud(tmp: Path, models: str):
    """An upstream `continuum serve` (the cloud tier) and a gateway config with SmolLM2 in
    process as `phone` (device) and that upstream as `far` (cloud), serving `models` (YAML
    lines under `models:`). Returns (cloud server, config path); the caller starts the gateway."""
    (tmp / "cloud").mkdir()
    cloud = Server(tmp / "cloud")
    config = tmp / "serve.yaml"
    config.write_text(f"""
backends:
  phone: {{type: local, tier: device, model: "{MODEL}", threads: 2, context: 1024}}
  far: {{type: openai, tier: cloud, base_url: "{cloud.url}/v1", model: {MODEL_NAME}}}
models:
{models}""")
    return cloud, config


class Upstream(BaseHTTPRequestHandler):
    """Base of the OpenAI-wire stub upstreams (a paid cloud API cannot run here): quiet, with
    a JSON reply helper and `GET /v1/models` for health checks."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.reply({"object": "list", "data": []})

    def reply(self, obj, status=200):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def sse(self, events):
        """Sends `events` (objects) as one SSE stream ending with [DONE]."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for e in events:
            self.wfile.write(f"data: {json.dumps(e)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


def start_upstream(handler):
    """Serves `handler` on a free loopback port in a daemon thread; returns (server, base URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"
