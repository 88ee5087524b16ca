#!/usr/bin/env python3
"""A delaying TCP proxy: the link between two hosts of the test topology
(scripts/netns-topology.sh). This kernel has no `netem`, so latency and loss are made here,
on the device, in front of each link.

    delay_proxy.py serve --listen 127.0.0.1:9001 --upstream 10.77.1.2:8080 --delay-ms 2.5 \\
        [--loss 0.01 --rto-ms 200 --seed 1] [--control PATH.sock] [--capture DIR]
    delay_proxy.py ctl PATH.sock cut [refuse|blackhole] | restore | stats | set delay_ms=20 loss=0.05 rto_ms=200
    delay_proxy.py rtt HOST:PORT [--count 20]      # HTTP round trips (GET /health) on one connection

The model, per connection and per direction:
- **Delay.** Each chunk read from one side is written to the other `delay_ms` after it
  arrived (one way; the round trip is twice that). Chunks keep their order and are not
  delayed one after another, so a stream's rate is unchanged: only its start shifts.
- **Handshake.** A new connection costs a round trip before its first byte can reach the
  other side (TCP's SYN / SYN-ACK), as on a real link.
- **Loss.** TCP never shows a lost packet to the application: the sender retransmits after
  its retransmission timeout and everything behind the lost segment waits (head-of-line
  blocking). So a "lost" chunk (probability `loss`) arrives `rto_ms` late, and the chunks
  after it wait for it. That is what loss looks like to an HTTP client or server.
- **Cut.** `cut refuse` closes the listening socket (new connections: connection refused)
  and resets the open ones, like a host that went away; `cut blackhole` accepts and
  forwards nothing (timeouts), like a link that silently drops. `restore` undoes either.
- **Capture.** Every byte that crosses is appended to DIR/NNNNNN.up (towards the upstream)
  and DIR/NNNNNN.down (back), one pair of files per connection, so a test can assert that
  some text never crossed the link.

The control socket is a Unix socket, so the harness reaches it from any network namespace:
one line of command in, one line of JSON out.
"""
import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import struct
import sys
import time
from pathlib import Path


class Link:
    """One proxied link: listener, open connections, settings, counters."""

    def __init__(self, listen, upstream, delay_ms, loss, rto_ms, seed, capture):
        self.listen, self.upstream = listen, upstream
        self.delay = delay_ms / 1000
        self.loss, self.rto = loss, rto_ms / 1000
        self.random = random.Random(seed)
        self.capture = Path(capture) if capture else None
        self.server = None
        self.late = 0.0005
        self.cut = None  # None | "refuse" | "blackhole"
        self.conns = set()
        self.stats = {"connections": 0, "refused_while_cut": 0, "bytes_up": 0, "bytes_down": 0, "chunks": 0, "lost_chunks": 0}
        if self.capture:
            self.capture.mkdir(parents=True, exist_ok=True)

    async def start(self):
        host, port = self.listen
        self.server = await asyncio.start_server(self.accept, host, port, reuse_address=True)

    async def accept(self, reader, writer):
        self.stats["connections"] += 1
        n = self.stats["connections"]
        if self.cut == "blackhole":
            self.stats["refused_while_cut"] += 1
            self.conns.add(writer)
            try:
                while await reader.read(65536):  # swallowed: nothing crosses
                    pass
            finally:
                self.conns.discard(writer)
                writer.close()
            return
        loop = asyncio.get_running_loop()
        not_before = loop.time() + 2 * self.delay  # the handshake's round trip
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.upstream), timeout=10)
        except (OSError, asyncio.TimeoutError):
            abort(writer)
            return
        files = [open(self.capture / f"{n:06d}.{d}", "ab", buffering=0) if self.capture else None for d in ("up", "down")]
        self.conns.update((writer, up_writer))
        try:
            await asyncio.gather(self.pump(reader, up_writer, files[0], "bytes_up", not_before, writer),
                                 self.pump(up_reader, writer, files[1], "bytes_down", not_before, up_writer))
        finally:
            for w in (writer, up_writer):
                self.conns.discard(w)
                w.close()
            for f in files:
                if f:
                    f.close()

    async def pump(self, reader, writer, capture, counter, not_before, other):
        """Reads one direction and writes each chunk `delay` later, in order."""
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()

        async def send():
            while True:
                item = await queue.get()
                if item is None:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                at, data = item
                wait = at - loop.time()
                if wait > 0:
                    # asyncio rounds epoll timeouts up to whole milliseconds, so sleeps end
                    # late; learn by how much and wake that much earlier.
                    await asyncio.sleep(max(0.0, wait - self.late))
                    self.late = min(0.002, max(0.0, self.late + 0.2 * (loop.time() - at)))
                if writer.is_closing():
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        last = not_before
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self.cut == "blackhole":
                    continue
                if capture:
                    capture.write(data)
                self.stats[counter] += len(data)
                self.stats["chunks"] += 1
                at = loop.time() + self.delay
                if self.loss and self.random.random() < self.loss:
                    self.stats["lost_chunks"] += 1
                    at += self.rto  # retransmitted after the RTO; what follows waits behind it
                last = max(last, at)
                queue.put_nowait((last, data))
            queue.put_nowait(None)
            await sender
        except (ConnectionError, OSError):
            sender.cancel()
            abort(other)

    async def command(self, line):
        words = line.split()
        if not words:
            return {"error": "empty command"}
        if words[0] == "cut":
            mode = words[1] if len(words) > 1 else "refuse"
            if mode not in ("refuse", "blackhole"):
                return {"error": f"cut mode must be refuse or blackhole, not {mode}"}
            self.cut = mode
            if mode == "refuse" and self.server:
                self.server.close()
                self.server = None
            for w in list(self.conns):
                abort(w)
        elif words[0] == "restore":
            self.cut = None
            if self.server is None:
                await self.start()
        elif words[0] == "set":
            for kv in words[1:]:
                k, _, v = kv.partition("=")
                if k == "delay_ms":
                    self.delay = float(v) / 1000
                elif k == "loss":
                    self.loss = float(v)
                elif k == "rto_ms":
                    self.rto = float(v) / 1000
                else:
                    return {"error": f"unknown setting {k}"}
        elif words[0] != "stats":
            return {"error": f"unknown command {words[0]}"}
        return {**self.stats, "open": len(self.conns), "cut": self.cut, "delay_ms": self.delay * 1000,
                "loss": self.loss, "rto_ms": self.rto * 1000}


def abort(writer):
    """Closes with a reset (SO_LINGER 0), as a host that went away."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    except OSError:
        pass


def address(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


async def serve(args):
    link = Link(address(args.listen), address(args.upstream), args.delay_ms, args.loss, args.rto_ms, args.seed, args.capture)
    await link.start()

    async def control(reader, writer):
        try:
            line = (await reader.readline()).decode().strip()
            reply = await link.command(line)
        except Exception as e:  # a bad command must not take the link down
            reply = {"error": repr(e)}
        writer.write((json.dumps(reply) + "\n").encode())
        await writer.drain()
        writer.close()

    if args.control:
        if os.path.exists(args.control):
            os.unlink(args.control)
        await asyncio.start_unix_server(control, path=args.control)
    print(f"delay_proxy: {args.listen} -> {args.upstream}, {args.delay_ms} ms each way, loss {args.loss}", flush=True)
    await asyncio.Event().wait()


def control(path, command, timeout=10):
    """Sends one command to a proxy's control socket; returns its JSON reply."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(command.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data)
    if "error" in reply:
        raise RuntimeError(f"delay_proxy {path}: {reply['error']}")
    return reply


def rtt(target, count, path="/health", timeout=10.0):
    """Times `count` HTTP GETs on one kept-alive connection (after a warm-up); milliseconds."""
    host, port = address(target)
    samples = []
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        buffered = b""
        for i in range(count + 1):
            start = time.perf_counter()
            s.sendall(request)
            while b"\r\n\r\n" not in buffered:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed before a response")
                buffered += chunk
            head, _, rest = buffered.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in a response body")
                rest += chunk
            buffered = rest[length:]
            if i:
                samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "samples": samples}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--listen", required=True)
    s.add_argument("--upstream", required=True)
    s.add_argument("--delay-ms", type=float, default=0.0, help="one-way delay")
    s.add_argument("--loss", type=float, default=0.0, help="share of chunks delivered one RTO late")
    s.add_argument("--rto-ms", type=float, default=200.0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--control", help="Unix socket for cut / restore / stats / set")
    s.add_argument("--capture", help="folder for the bytes that cross")
    c = sub.add_parser("ctl")
    c.add_argument("socket")
    c.add_argument("words", nargs="+")
    r = sub.add_parser("rtt")
    r.add_argument("target")
    r.add_argument("--count", type=int, default=20)
    r.add_argument("--timeout", type=float, default=10.0, help="seconds for each read")
    args = p.parse_args()
    if args.cmd == "serve":
        asyncio.run(serve(args))
    elif args.cmd == "ctl":
        print(json.dumps(control(args.socket, " ".join(args.words))))
    else:
        print(json.dumps(rtt(args.target, args.count, timeout=args.timeout)))


if __name__ == "__main__":
    main()
