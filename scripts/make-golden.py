#!/usr/bin/env python3
"""Make golden tokenizer and greedy-decoding vectors for a GGUF model with llama.cpp's server.

Usage:
  scripts/make-golden.py --model PATH.gguf --out FILE.json [options]

  --server PATH        llama-server binary (default: $LLAMACPP_DIR/bin/llama-server, where
                       LLAMACPP_DIR defaults to ~/.cache/continuum/llama.cpp; build it with
                       scripts/build-llamacpp.sh)
  --threads N          threads of the reference server (default 2)
  --ctx N              context size (default 2048)
  --verify-threads N   threads of the second, verifying server (default 1; 0 skips the check)
  --code / --no-code   add the extra code cases (default: on when the file name says "coder")
  --gemma / --no-gemma add Gemma's turn-marker and whitespace-token cases, the Gemma turn format
                       for chat cases and a prompt longer than its sliding window (default: on when the
                       file name says "gemma")
  --port N             port on 127.0.0.1 (default: a free one)
  --server-args "..."  extra llama-server arguments for both servers (e.g. "-fa off" for the
                       second-opinion files Tests/golden/*.fa-off.json)

Only the Python standard library is used; the server listens on 127.0.0.1 only and is stopped
when the script ends.

The JSON written has the structure of ../shared/golden/smollm2-135m-q4_1.json:
  reference   "llama.cpp server <build_info>" as reported by the server's /props
  model       "<file name> (sha256 <hex>)"
  tokenize    [{text, ids}]: /tokenize, no BOS/EOS added, special tokens parsed
  generate    [{name, prompt, prompt_ids, output_ids, output_text, steps, agree_steps, agree_text}]
    prompt       raw text for "raw-*"/"code-*" cases; for "chat-*" cases the model's own chat
                 template applied by the server (/apply-template: one user message, generation
                 prompt added, so the template's default system prompt is included)
    prompt_ids   tokens the server evaluates for the prompt (/tokenize with add_special)
    output_ids   greedy tokens from /completion (temperature 0, cache_prompt false); a final
                 end-of-generation token is included when generation stopped on it
    output_text  the server's "content" (end-of-generation token not rendered)
    steps        per output token: {id, top: 5 x {id, logprob}}; logprob is the log of the
                 softmax over the full vocabulary of the raw logits (the server's pre-sampling
                 probabilities, post_sampling_probs false), rounded to 5 decimals
    agree_steps  leading steps on which a second server (--verify-threads threads, prompt sent
                 as token ids) produced the same tokens; equals len(output_ids) when all agree
    agree_text   /detokenize of output_ids[:agree_steps], special tokens rendered
"""
import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOKENIZE_TEXTS = [
    "Hello, world!",
    "The capital of France is",
    "  leading spaces and   runs   of spaces  ",
    "tabs\tand\nnewlines\n\n\nend",
    "Numbers: 1234567890 3.14159 -42 1e-9",
    "don't won't I'm you're they'll",
    "na\u00efve caf\u00e9 r\u00e9sum\u00e9 fa\u00e7ade",
    "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439, \u043c\u0438\u0440",
    "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c",
    "\u4f60\u597d\uff0c\u4e16\u754c\uff01",
    "\U0001f642\U0001f680\U0001f469\u200d\U0001f4bb emoji sequence",
    "def square(x):\n    return x * x\n",
    "<|im_start|>user\nHi<|im_end|>\n",
    "URL: https://example.com/a?b=c&d=e#f",
    "",
    " ",
    "a",
    "ALLCAPS MixedCase camelCaseWord snake_case_word",
    "ma\u00f1ana \u2014 em dash \u2013 en dash \u2026 ellipsis",
    "\u00a0non-breaking\u00a0space",
    "x" * 300,
    "The quick brown fox jumps over the lazy dog. " * 5,
]

CODE_TOKENIZE_TEXTS = [
    "#include <stdio.h>\n\nint main(void) {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}\n",
    "const xs = [1, 2, 3].map((x) => x ** 2); // squares\n",
    "class Node:\n    def __init__(self, val=None):\n        self.val = val\n        self.next = None\n",
    "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n    return c<|fim_middle|>",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
]

GEMMA_TOKENIZE_TEXTS = [
    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "one\n\ntwo\n\n\n\nthree    four\t\tfive",
    "<bos>text after a written bos",
    "\u00fcber \u0161\u010de \u2603 \U0001d54f \U00010348",
]

# A prompt longer than Gemma 3's 512-token sliding window, so its local layers mask keys.
LONG_PROMPT = "Here is a list of facts.\n" + "".join(
    f"Fact {i}: the number {i} squared is {i * i}.\n" for i in range(1, 61)) + "Fact 61: the number 61 squared is"

GEMMA_GENERATE_CASES = [
    ("raw-long", "raw", LONG_PROMPT, 24),
]

# (name, kind, text, n_predict); kind "raw" sends text as is, "chat" wraps it in the chat template.
GENERATE_CASES = [
    ("raw-france", "raw", "The capital of France is", 24),
    ("raw-story", "raw", "Once upon a time, in a small village by the sea,", 48),
    ("raw-code", "raw", "def fibonacci(n):\n", 48),
    ("raw-list", "raw", "Three primary colors are", 32),
    ("chat-hello", "chat", "Hello! Who are you?", 32),
    ("chat-math", "chat", "What is 12 plus 7?", 32),
    ("chat-poem", "chat", "Write a two-line poem about the moon.", 32),
    ("chat-translate", "chat", "Translate 'good morning' into Spanish.", 32),
]

CODE_GENERATE_CASES = [
    ("code-js", "raw", "// Returns true when n is a prime number.\nfunction isPrime(n) {\n", 32),
    ("code-fim", "raw", "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n    return c<|fim_middle|>", 24),
    ("chat-code", "chat", "Write a Python function that reverses a string.", 32),
]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Server:
    """A llama-server on 127.0.0.1, started and stopped by this script."""

    def __init__(self, binary, model, threads, ctx, port=None, extra=()):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logf = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)
        cmd = [binary, "-m", model, "--host", "127.0.0.1", "--port", str(self.port),
               "-t", str(threads), "-c", str(ctx), *extra]
        log("starting:", " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 180
        while True:
            if self.proc.poll() is not None:
                self._fail(f"llama-server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.time() > deadline:
                self._fail("llama-server did not become healthy in 180 s")
            time.sleep(0.3)

    def _fail(self, msg):
        self.stop()
        with open(self.logf.name, errors="replace") as f:
            tail = f.readlines()[-15:]
        sys.exit(f"error: {msg}; last lines of {self.logf.name}:\n" + "".join(tail))

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            sys.exit(f"error: {path} answered {e.code}: {e.read()[:500]!r}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        if exc[0] is None:
            os.unlink(self.logf.name)


def complete(srv, prompt, n_predict):
    r = srv.call("/completion", {
        "prompt": prompt, "n_predict": n_predict, "temperature": 0, "n_probs": 5,
        "cache_prompt": False, "return_tokens": True, "post_sampling_probs": False,
        "stream": False,
    })
    probs = r["completion_probabilities"]
    ids = r["tokens"]
    if [p["id"] for p in probs] != ids:
        sys.exit(f"error: token ids and probabilities disagree for prompt {prompt!r}")
    steps = []
    for p in probs:
        top = [{"id": t["id"], "logprob": round(t["logprob"], 5)} for t in p["top_logprobs"][:5]]
        if top[0]["id"] != p["id"]:
            log(f"warning: greedy token {p['id']} is not the top-1 {top[0]['id']} (tie?)")
        steps.append({"id": p["id"], "top": top})
    return r, ids, steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    default_dir = os.environ.get("LLAMACPP_DIR", os.path.expanduser("~/.cache/continuum/llama.cpp"))
    ap.add_argument("--server", default=os.path.join(default_dir, "bin", "llama-server"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--verify-threads", type=int, default=1)
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--code", dest="code", action="store_true", default=None)
    ap.add_argument("--no-code", dest="code", action="store_false")
    ap.add_argument("--gemma", dest="gemma", action="store_true", default=None)
    ap.add_argument("--no-gemma", dest="gemma", action="store_false")
    ap.add_argument("--server-args", default="")
    a = ap.parse_args()

    if not os.path.isfile(a.model):
        sys.exit(f"error: model {a.model} not found (scripts/fetch-model.sh fetches it)")
    if not os.access(a.server, os.X_OK):
        sys.exit(f"error: {a.server} not found (scripts/build-llamacpp.sh builds it)")
    code = a.code if a.code is not None else "coder" in os.path.basename(a.model).lower()
    gemma = a.gemma if a.gemma is not None else "gemma" in os.path.basename(a.model).lower()
    extra = a.server_args.split()
    texts = TOKENIZE_TEXTS + (CODE_TOKENIZE_TEXTS if code else []) + (GEMMA_TOKENIZE_TEXTS if gemma else [])
    cases = GENERATE_CASES + (CODE_GENERATE_CASES if code else []) + (GEMMA_GENERATE_CASES if gemma else [])

    out = {"reference": None,
           "model": f"{os.path.basename(a.model)} (sha256 {sha256(a.model)})",
           "tokenize": [], "generate": []}

    with Server(a.server, a.model, a.threads, a.ctx, a.port, extra) as srv:
        props = srv.call("/props")
        out["reference"] = f"llama.cpp server {props.get('build_info', 'unknown')}"
        log(out["reference"])
        for t in texts:
            ids = srv.call("/tokenize", {"content": t, "add_special": False})["tokens"]
            out["tokenize"].append({"text": t, "ids": ids})
        for name, kind, text, n_predict in cases:
            if kind == "chat" and gemma:
                # this GGUF carries no chat template (the server would fall back to ChatML):
                # Gemma's own turn format, its BOS added by tokenization
                prompt = f"<start_of_turn>user\n{text}<end_of_turn>\n<start_of_turn>model\n"
            elif kind == "chat":
                prompt = srv.call("/apply-template", {
                    "messages": [{"role": "user", "content": text}],
                    "add_generation_prompt": True})["prompt"]
            else:
                prompt = text
            prompt_ids = srv.call("/tokenize", {"content": prompt, "add_special": True})["tokens"]
            r, ids, steps = complete(srv, prompt, n_predict)
            if r.get("tokens_evaluated") not in (None, len(prompt_ids)):
                log(f"warning: {name}: server evaluated {r['tokens_evaluated']} prompt tokens, "
                    f"/tokenize gave {len(prompt_ids)}")
            margin = min((s["top"][0]["logprob"] - s["top"][1]["logprob"] for s in steps), default=0)
            log(f"{name}: {len(ids)} tokens ({r.get('stop_type')}), smallest top-2 margin {margin:.5f}")
            out["generate"].append({"name": name, "prompt": prompt, "prompt_ids": prompt_ids,
                                    "output_ids": ids, "output_text": r["content"], "steps": steps})

    # Second opinion: another server with a different thread count, prompts sent as token ids.
    verifier = None
    if a.verify_threads > 0:
        verifier = Server(a.server, a.model, a.verify_threads, a.ctx, extra=extra)
    try:
        for g, (_, _, _, n_predict) in zip(out["generate"], cases):
            n = len(g["output_ids"])
            if verifier is not None:
                _, ids2, _ = complete(verifier, g["prompt_ids"], n_predict)
                n = 0
                while n < min(len(ids2), len(g["output_ids"])) and ids2[n] == g["output_ids"][n]:
                    n += 1
                if n != len(g["output_ids"]) or len(ids2) != n:
                    log(f"warning: {g['name']}: verifier agrees on {n} of {len(g['output_ids'])} steps")
            g["agree_steps"] = n
            srv2 = verifier
            if srv2 is None:
                srv2 = Server(a.server, a.model, a.threads, a.ctx, extra=extra)
                verifier = srv2
            g["agree_text"] = srv2.call("/detokenize", {"tokens": g["output_ids"][:n]})["content"]
    finally:
        if verifier is not None:
            verifier.__exit__(None, None, None)

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    log(f"wrote {a.out}: {len(out['tokenize'])} tokenize cases, {len(out['generate'])} generate cases")


if __name__ == "__main__":
    main()
