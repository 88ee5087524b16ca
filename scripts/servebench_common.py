"""Shared helpers for scripts/bench-serving.py and scripts/bench-prefix.py (Python stdlib only).

Starts and stops servers (`continuum serve`, llama.cpp's `llama-server`) on 127.0.0.1, sends
streaming `/v1/completions` requests over raw HTTP/1.1 and times the SSE events exactly, and
records the machine, date, commit and how busy the machine was.
"""

import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME = Path.home()
DEFAULT_MODEL = HOME / ".cache/continuum/models/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_CONTINUUM = REPO / ".build/release/continuum"
DEFAULT_LLAMA_SERVER = Path(os.environ.get("LLAMACPP_DIR", HOME / ".cache/continuum/llama.cpp")) / "bin/llama-server"
# SmolLM2's special tokens are ids 0..16; random prompts draw from well inside the vocabulary.
TOKEN_LO, TOKEN_HI = 1000, 48000


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds the `with Server(...)` blocks so servers are stopped


signal.signal(signal.SIGTERM, _terminate)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_busy(seconds=1.0):
    """Share of all CPU time that was busy over `seconds` (0..1), from /proc/stat."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return sum(v), idle
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_idle(max_wait, threshold=0.10):
    """Wait up to max_wait seconds for the machine to be < threshold busy over 2 s; returns the last reading."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy(2.0)
    while busy >= threshold and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    return busy


def machine_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def git(*args):
        try:
            return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:
            return "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": git("rev-parse", "--short", "HEAD") + (" (dirty)" if git("status", "--porcelain", "--untracked-files=no") else ""),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


def llama_version(binary):
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=20)
        lines = [l for l in (out.stdout + out.stderr).splitlines() if l.startswith("version")]
        return lines[0].split(":", 1)[1].strip() if lines else "?"
    except Exception:
        return "?"


class Server:
    """A server process on 127.0.0.1 that answers /health with 200 once ready."""

    def __init__(self, name, argv, port, log_path, ready_timeout=180):
        self.name, self.argv, self.port, self.log_path = name, argv, port, log_path
        self.proc = None
        self.ready_timeout = ready_timeout

    def __enter__(self):
        log(f"[{self.name}] starting: {' '.join(map(str, self.argv))}")
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(a) for a in self.argv], stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not healthy within {self.ready_timeout}s; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if getattr(self, "logf", None):
            self.logf.close()

    def __exit__(self, *exc):
        self.stop()


def continuum_server(binary, model, port, threads, parallel, ctx, log_path, kv_mib=None):
    argv = [binary, "serve", "-m", model, "--model-name", "bench", "--port", port, "-t", threads,
            "--ctx-size", ctx, "--parallel", parallel, "--no-ledger"]
    if kv_mib:
        argv += ["--kv-cache-mib", kv_mib]
    return Server("continuum", argv, port, log_path)


def llama_server(binary, model, port, threads, parallel, ctx, log_path):
    argv = [binary, "-m", model, "--port", port, "--host", "127.0.0.1", "-np", parallel, "-t", threads, "-c", ctx]
    return Server("llama.cpp", argv, port, log_path)


def stream_completion(port, prompt_ids, max_tokens, extra=None, timeout=600):
    """One streaming /v1/completions request. Returns a dict with ttft (s, to the first chunk with
    text, or to the first finish chunk if no text came), latency (s, to [DONE] / end of stream),
    completion_tokens (usage if the server sent it, else the number of text chunks), chunks,
    cached_tokens (usage.prompt_tokens_details.cached_tokens, or llama.cpp's timings.cache_n),
    prompt_n (llama.cpp's timings.prompt_n: prompt tokens actually evaluated), finish_reason, error."""
    body = {"model": "bench", "prompt": prompt_ids, "max_tokens": max_tokens, "temperature": 0,
            "stream": True, "stream_options": {"include_usage": True}}
    if extra:
        body.update(extra)
    data = json.dumps(body).encode()
    res = {"ttft": None, "latency": None, "completion_tokens": None, "chunks": 0, "cached_tokens": None,
           "prompt_n": None, "prompt_tokens": None, "finish_reason": None, "error": None}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.perf_counter()
    first_finish = None
    try:
        conn.request("POST", "/v1/completions", body=data,
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            res["error"] = f"HTTP {r.status}: {r.read()[:300]!r}"
            return res
        while True:
            line = r.readline()
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                break
            now = time.perf_counter()
            ev = json.loads(payload)
            if "error" in ev:
                res["error"] = str(ev["error"])[:300]
                break
            for ch in ev.get("choices") or []:
                if ch.get("text"):
                    res["chunks"] += 1
                    if res["ttft"] is None:
                        res["ttft"] = now - t0
                if ch.get("finish_reason"):
                    res["finish_reason"] = ch["finish_reason"]
                    if first_finish is None:
                        first_finish = now - t0
            u = ev.get("usage")
            if u:
                res["completion_tokens"] = u.get("completion_tokens")
                res["prompt_tokens"] = u.get("prompt_tokens")
                d = u.get("prompt_tokens_details") or {}
                if d.get("cached_tokens") is not None:
                    res["cached_tokens"] = d["cached_tokens"]
            tm = ev.get("timings")
            if tm:
                if tm.get("cache_n") is not None and res["cached_tokens"] is None:
                    res["cached_tokens"] = tm["cache_n"]
                if tm.get("prompt_n") is not None:
                    res["prompt_n"] = tm["prompt_n"]
                if tm.get("predicted_n") is not None and res["completion_tokens"] is None:
                    res["completion_tokens"] = tm["predicted_n"]
        res["latency"] = time.perf_counter() - t0
        if res["ttft"] is None:
            res["ttft"] = first_finish
        if res["completion_tokens"] is None:
            res["completion_tokens"] = res["chunks"]
    except Exception as e:  # noqa: BLE001 - a benchmark records failures and goes on
        res["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    return res


def percentile(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def median(xs):
    return percentile(xs, 50)


def fmt_ms(s):
    return "n/a" if s is None else f"{s * 1000:.0f} ms"
