#!/usr/bin/env python3
"""Live device-vs-cloud evaluation of Continuum's tier cascade on ARC-Challenge.

  scripts/eval-cascade.py collect [--limit N]   # run every prompt on both tiers (resumable)
  scripts/eval-cascade.py report [--scores F]   # accuracy vs escalation share: table + SVG
  scripts/eval-cascade.py live --share S ...    # the real cascade at chosen thresholds

Device tier: SmolLM2-135M-Instruct Q4_1 in process (the gateway's own engine). Cloud tier:
Qwen2.5-Coder-0.5B-Instruct Q4_K_M in a second `continuum serve`, reached as an OpenAI
backend. Prompts: the ARC-Challenge rows of the RouterBench train split
(../shared/data/routing-quality/routerbench/arc_challenge_train.csv), as given (5-shot);
the gold answer is the letter the responses scored 1 agree on (rows where none scored 1
are skipped). Both tiers answer greedily with one token (the letter).

`collect` goes through the gateway's cascade model with min_confidence 0, so the device
answer and the confidence are the gateway's own (x-continuum-confidence), and asks the
cloud model directly through the same gateway. Results: bench/cascade/arc-outcomes.jsonl.
"""
import argparse, ast, csv, collections, json, os, re, signal, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "routing-quality", "routerbench", "arc_challenge_train.csv")
OUT = os.path.join(ROOT, "bench", "cascade")
BIN = os.path.join(ROOT, ".build", "release", "continuum")
CACHE = os.path.expanduser("~/.cache/continuum/models")
DEVICE_MODEL = os.path.join(CACHE, "SmolLM2-135M-Instruct.Q4_1.gguf")
CLOUD_MODEL = os.path.join(CACHE, "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")


def arc_rows():
    """(index, sample_id, prompt, gold letter) for every row with a gold answer."""
    csv.field_size_limit(1 << 30)
    rows = list(csv.DictReader(open(DATA, newline="")))
    meta = {"", "sample_id", "prompt", "eval_name", "oracle_model_to_route_to"}
    models = [k for k in rows[0] if "|" not in k and k not in meta]
    out = []
    for i, r in enumerate(rows):
        letters = []
        for m in models:
            if r[m] in ("1.0", "1"):
                try:
                    v = ast.literal_eval(r.get(m + "|model_response", ""))
                except (ValueError, SyntaxError):
                    v = [r.get(m + "|model_response", "")]
                t = v[0] if isinstance(v, list) and v else str(v)
                found = re.search(r"\b([ABCD])\b", str(t).strip())
                if found:
                    letters.append(found.group(1))
        votes = collections.Counter(letters)
        if not votes or len(votes) > 1:
            continue
        prompt = ast.literal_eval(r["prompt"])[0]
        out.append((i, r["sample_id"], prompt, votes.most_common(1)[0][0]))
    return out


def letter(text):
    m = re.search(r"[ABCD]", text or "")
    return m.group(0) if m else None


def post(url, body, timeout=600):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    t = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        data = json.loads(resp.read())
    return data, headers, time.monotonic() - t


def wait_ready(url, proc, what):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"error: {what} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"error: {what} did not start")


class Servers:
    """The cloud `continuum serve` (Qwen) and the gateway (SmolLM2 in process + cascade)."""

    def __init__(self, cascade_yaml_extra, port=18090, cloud_port=18091, threads=1):
        for p, what in [(BIN, "continuum (make release)"), (DEVICE_MODEL, "SmolLM2 (scripts/fetch-model.sh smollm2)"),
                        (CLOUD_MODEL, "Qwen2.5 (scripts/fetch-model.sh qwen2.5)")]:
            if not os.path.exists(p):
                sys.exit(f"error: {p} missing: {what}")
        os.makedirs(OUT, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}/v1"
        cfg = os.path.join(OUT, "gateway.yaml")
        with open(cfg, "w") as f:
            f.write(f"""port: {port}
privacy: {{enabled: false}}   # ARC questions hold no personal data; the detector's false alarms would pin some to the device
backends:
  phone: {{type: local, tier: device, model: {DEVICE_MODEL}, threads: {threads}, parallel: 1}}
  cloud: {{type: openai, tier: cloud, base_url: http://127.0.0.1:{cloud_port}/v1, model: qwen, first_byte_timeout_seconds: 900}}
models:
  smollm2: phone
  qwen: cloud
  auto:
    cascade: [smollm2, qwen]
{cascade_yaml_extra}""")
        self.cloud = subprocess.Popen([BIN, "serve", "-m", CLOUD_MODEL, "--model-name", "qwen", "--port", str(cloud_port), "-t",
                                       str(threads), "--parallel", "1", "--no-ledger"], stderr=open(os.path.join(OUT, "cloud.log"), "w"))
        wait_ready(f"http://127.0.0.1:{cloud_port}", self.cloud, "cloud serve")
        self.gateway = subprocess.Popen([BIN, "serve", "--config", cfg, "--ledger", os.path.join(OUT, "ledger.sqlite")],
                                        stderr=open(os.path.join(OUT, "gateway.log"), "w"))
        wait_ready(f"http://127.0.0.1:{port}", self.gateway, "gateway")

    def close(self):
        for p in (self.gateway, self.cloud):
            p.send_signal(signal.SIGTERM)
        for p in (self.gateway, self.cloud):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def ask(url, model, prompt):
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 1, "temperature": 0}
    data, headers, seconds = post(url + "/chat/completions", body)
    return data["choices"][0]["message"]["content"], headers, seconds


def collect(args):
    rows = arc_rows()[: args.limit or None]
    path = os.path.join(OUT, "arc-outcomes.jsonl")
    done = set()
    if os.path.exists(path):
        done = {json.loads(l)["row"] for l in open(path) if l.strip()}
    todo = [r for r in rows if r[0] not in done]
    print(f"{len(rows)} ARC-Challenge prompts with a gold answer; {len(done)} done, {len(todo)} to go", file=sys.stderr)
    if not todo:
        return
    servers = Servers("    after: {min_confidence: 0.0, buffer_tokens: 1}\n")
    from concurrent.futures import ThreadPoolExecutor
    started = time.monotonic()
    try:
        with open(path, "a") as out, ThreadPoolExecutor(2) as pool:
            for n, (row, sample, prompt, gold) in enumerate(todo):
                dev = pool.submit(ask, servers.url, "auto", prompt)
                cloud = pool.submit(ask, servers.url, "qwen", prompt)
                (dtext, dh, dsec), (ctext, ch, csec) = dev.result(), cloud.result()
                assert dh.get("x-continuum-tier") == "device", dh
                rec = {"row": row, "sample_id": sample, "gold": gold, "device": dtext, "device_correct": letter(dtext) == gold,
                       "confidence": float(dh["x-continuum-confidence"]), "cloud": ctext, "cloud_correct": letter(ctext) == gold,
                       "device_seconds": round(dsec, 3), "cloud_seconds": round(csec, 3)}
                out.write(json.dumps(rec) + "\n")
                out.flush()
                if (n + 1) % 25 == 0 or n + 1 == len(todo):
                    el = time.monotonic() - started
                    print(f"  {n + 1}/{len(todo)}  {el:.0f} s elapsed, ~{el / (n + 1) * (len(todo) - n - 1):.0f} s to go", file=sys.stderr)
    finally:
        servers.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    {"collect": collect}[args.cmd](args)


if __name__ == "__main__":
    main()
