"""A hostile client on raw sockets against a real `continuum serve` (issue 10): slow heads and
bodies time out with 408, broken framing is a 400 (414, 431 for over-long request lines and
headers) in OpenAI's error shape, HTTP/1.0 is answered in HTTP/1.0 and closed, connections over
the cap get 503, and the server keeps answering normal requests afterwards."""
import json
import select
import socket
import time
import urllib.request

import pytest

from conftest import MODEL_NAME, Server

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
IDLE_TIMEOUT = 1.5
MAX_CONNECTIONS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("abuse"),
               "--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT),
               "--idle-timeout", str(IDLE_TIMEOUT), "--max-connections", str(MAX_CONNECTIONS))
    yield s
    s.stop()


def connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def read_until_close(sock, timeout=6.0):
    """Everything the server sends until it closes (True) or `timeout` passes (False)."""
    data, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return lines[0], headers, body


def read_response(sock, timeout=5.0):
    """One response framed by Content-Length, leaving the connection open."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a whole head: {data!r}"
        data += chunk
    status, headers, body = parse(data)
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "closed inside the body"
        body += chunk
    return status, headers, body


def send_quietly(sock, data):
    """Sends what the server still reads; it may have closed already."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def assert_openai_error(status_line, headers, body, status, code):
    assert status_line.startswith(f"HTTP/1.1 {status} "), status_line
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    error = json.loads(body)["error"]
    assert error["code"] == code and error["param"] is None and error["message"]
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")


def health(server):
    return urllib.request.urlopen(f"{server.url}/health", timeout=5).read()


def test_slowloris_head_is_closed_after_the_header_timeout(server):
    with connect(server) as s:
        start = time.monotonic()
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        data, closed = b"", False
        while time.monotonic() - start < 6:
            send_quietly(s, b"a")  # one byte at a time, never the end of the head
            if select.select([s], [], [], 0.2)[0]:
                data, closed = read_until_close(s)
                break
        elapsed = time.monotonic() - start
    assert closed, "the server held a trickling head open"
    assert HEADER_TIMEOUT - 0.1 <= elapsed <= HEADER_TIMEOUT + 4, elapsed
    assert_openai_error(*parse(data), 408, "header_timeout")


def test_a_silent_connection_is_closed_after_the_header_timeout(server):
    with connect(server) as s:
        start = time.monotonic()
        data, closed = read_until_close(s)
        assert closed and time.monotonic() - start <= HEADER_TIMEOUT + 4
    assert_openai_error(*parse(data), 408, "header_timeout")


def test_partial_body_gets_408_after_the_body_timeout(server):
    with connect(server) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n" + b'{"model": "smollm2", "messages": [')
        start = time.monotonic()
        data, closed = read_until_close(s)
        elapsed = time.monotonic() - start
    assert closed
    assert BODY_TIMEOUT - 0.1 <= elapsed <= BODY_TIMEOUT + 4, elapsed
    assert_openai_error(*parse(data), 408, "body_timeout")


def test_bad_chunked_framing_is_a_400_in_openai_shape(server):
    with connect(server) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        data, closed = read_until_close(s)
    assert closed
    assert_openai_error(*parse(data), 400, "malformed_request")


def test_body_shorter_than_its_content_length_then_half_close_is_a_400(server):
    with connect(server) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n" + b'{"model":')
        s.shutdown(socket.SHUT_WR)
        data, closed = read_until_close(s)
    assert closed
    assert_openai_error(*parse(data), 400, "truncated_request")
    assert health(server) == b'{"status":"ok"}'


def test_http10_is_answered_in_http10_and_closed(server):
    with connect(server) as s:
        s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        data, closed = read_until_close(s, timeout=3)
    assert closed, "an HTTP/1.0 request without keep-alive must close the connection"
    status, headers, body = parse(data)
    assert status.startswith("HTTP/1.0 200"), status
    assert headers.get("connection") == "close"
    assert body == b'{"status":"ok"}'


def test_http10_keep_alive_stays_open(server):
    with connect(server) as s:
        for _ in range(2):
            s.sendall(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, headers, body = read_response(s)
            assert status.startswith("HTTP/1.0 200") and headers["connection"] == "keep-alive"
            assert body == b'{"status":"ok"}'


def test_idle_keep_alive_connection_is_closed_quietly(server):
    with connect(server) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _ = read_response(s)
        assert status.startswith("HTTP/1.1 200")
        start = time.monotonic()
        data, closed = read_until_close(s)
        assert closed and data == b""
        assert IDLE_TIMEOUT - 0.1 <= time.monotonic() - start <= IDLE_TIMEOUT + 4


def test_huge_header_is_431(server):
    with connect(server) as s:
        send_quietly(s, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        data, closed = read_until_close(s)
    assert closed
    assert_openai_error(*parse(data), 431, "headers_too_large")


def test_huge_request_line_is_414(server):
    with connect(server) as s:
        send_quietly(s, b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        data, closed = read_until_close(s)
    assert closed
    assert_openai_error(*parse(data), 414, "request_line_too_long")


def test_connections_over_the_cap_get_503(server):
    held = [connect(server) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.1)  # accepted and counted
        with connect(server) as extra:
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            data, closed = read_until_close(extra, timeout=3)
        assert closed
        status, headers, body = parse(data)
        assert_openai_error(status, headers, body, 503, "too_many_connections")
        assert headers["retry-after"] == "1"
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 5  # the held connections are released when they close
    while True:
        try:
            assert health(server) == b'{"status":"ok"}'
            break
        except (OSError, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_normal_requests_still_work_after_the_abuse(server):
    assert health(server) == b'{"status":"ok"}'
    body = json.dumps({"model": MODEL_NAME, "max_tokens": 4, "temperature": 0,
                       "messages": [{"role": "user", "content": "Say hi."}]}).encode()
    request = urllib.request.Request(f"{server.url}/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    answer = json.loads(urllib.request.urlopen(request, timeout=60).read())
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert answer["usage"]["completion_tokens"] >= 1
