#!/usr/bin/env python3
"""A fast fake OpenAI chat-completions server: the upstream that every gateway under test in
scripts/bench-shared-limits.py fronts, so that only the gateway differs between runs.

It speaks the real wire protocol (HTTP/1.1 keep-alive, JSON answers, SSE streams in chunked
transfer encoding ending in `data: [DONE]`, `usage` on the answer and, when the client asks
with `stream_options.include_usage`, on a last chunk with empty `choices`) and its token
counts are exact by construction, so a gateway's accounting can be checked against them:

- prompt_tokens = the number of whitespace-separated words in the messages' text content
  (a message of "a b c" is 3 tokens), at least 1;
- completion_tokens = min(max_tokens or max_completion_tokens, --completion-tokens); every
  completion token is one word, so the answer is that many words, and finish_reason is
  "length" when max_tokens cut it short.

--token-delay-ms spaces the tokens (streamed one per chunk) like a real decoder.
GET /stats answers what it served ({"requests", "prompt_tokens", "completion_tokens"}),
a cross-check on what the gateways let through; POST /stats/reset zeroes it.
Standard library only (asyncio), so it runs from any venv.

    python3 scripts/fake_openai_upstream.py --port 9000 --completion-tokens 32 --token-delay-ms 2
"""
import argparse
import asyncio
import json
import time

STATS = {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "streams": 0}


def count_prompt(messages):
    words = 0
    for m in messages or []:
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, str):
            words += len(content.split())
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    words += len(part["text"].split())
    return max(words, 1)


class Upstream:
    def __init__(self, completion_tokens: int, token_delay: float):
        self.completion_tokens = completion_tokens
        self.token_delay = token_delay
        self.next_id = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await self.read_body(reader, headers)
                keep = await self.route(method, path.split("?")[0], body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    @staticmethod
    async def read_body(reader, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            out = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers until the empty line
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    return bytes(out)
                out += await reader.readexactly(size)
                await reader.readexactly(2)
        n = int(headers.get("content-length", "0") or 0)
        return await reader.readexactly(n) if n else b""

    @staticmethod
    async def send(writer, status, obj, extra=b""):
        data = json.dumps(obj).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "OK")
        writer.write(f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                     f"content-length: {len(data)}\r\n".encode() + extra + b"\r\n" + data)
        await writer.drain()

    async def route(self, method, path, body, writer):
        if method == "GET" and path in ("/v1/models", "/models"):
            await self.send(writer, 200, {"object": "list", "data": [
                {"id": "fake", "object": "model", "created": 0, "owned_by": "fake"}]})
            return True
        if method == "GET" and path in ("/health", "/stats"):
            await self.send(writer, 200, STATS)
            return True
        if method == "POST" and path == "/stats/reset":
            for k in STATS:
                STATS[k] = 0
            await self.send(writer, 200, STATS)
            return True
        if method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
            try:
                req = json.loads(body)
                assert isinstance(req, dict) and isinstance(req.get("messages"), list)
            except Exception:
                await self.send(writer, 400, {"error": {"message": "body must be a chat completion request",
                                                        "type": "invalid_request_error", "param": None, "code": None}})
                return True
            return await self.chat(req, writer)
        await self.send(writer, 404, {"error": {"message": f"no route {method} {path}", "type": "invalid_request_error",
                                                "param": None, "code": None}})
        return True

    async def chat(self, req, writer):
        self.next_id += 1
        cid = f"chatcmpl-fake{self.next_id}"
        model = req.get("model") or "fake"
        limit = req.get("max_completion_tokens") or req.get("max_tokens")
        n = self.completion_tokens if not limit else min(int(limit), self.completion_tokens)
        finish = "length" if limit and int(limit) < self.completion_tokens else "stop"
        prompt = count_prompt(req.get("messages"))
        usage = {"prompt_tokens": prompt, "completion_tokens": n, "total_tokens": prompt + n}
        created = int(time.time())
        STATS["requests"] += 1
        STATS["prompt_tokens"] += prompt
        STATS["completion_tokens"] += n
        if not req.get("stream"):
            if self.token_delay:
                await asyncio.sleep(self.token_delay * n)
            await self.send(writer, 200, {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": " ".join(["tok"] * n)},
                             "logprobs": None, "finish_reason": finish}],
                "usage": usage})
            return True
        STATS["streams"] += 1
        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                     b"transfer-encoding: chunked\r\n\r\n")

        def chunk(delta, finish_reason=None, choices=True, with_usage=False):
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
                   if choices else []}
            if include_usage:
                obj["usage"] = usage if with_usage else None
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        def frame(payload):
            return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"

        writer.write(frame(chunk({"role": "assistant", "content": ""})))
        for i in range(n):
            if self.token_delay:
                await writer.drain()
                await asyncio.sleep(self.token_delay)
            writer.write(frame(chunk({"content": ("tok" if i == 0 else " tok")})))
        writer.write(frame(chunk({}, finish)))
        if include_usage:
            writer.write(frame(chunk(None, choices=False, with_usage=True)))
        writer.write(frame(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await writer.drain()
        return True


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port; the chosen one is printed")
    ap.add_argument("--completion-tokens", type=int, default=32, help="answer length when max_tokens allows it")
    ap.add_argument("--token-delay-ms", type=float, default=0.0, help="time per completion token")
    a = ap.parse_args()
    up = Upstream(a.completion_tokens, a.token_delay_ms / 1000)
    server = await asyncio.start_server(up.handle, a.host, a.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"listening http://{a.host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
