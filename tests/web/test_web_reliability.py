"""Reliability of the web API (issue 24): JSON types taken strictly, the documented schema and the
validation in agreement, a 413 (not a reset) for an oversized chunked body, back-pressure when the
queue is full (503 + Retry-After, no dropped connection), and deadlines that close only clients
that do not send."""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from motionclip.web.limits import DEFAULT_LIMITS, ServingLimits


def _classify(client, data: bytes, name: str = "clip.bvh"):  # noqa: ANN001, ANN202
    return client.post(
        "/api/classify", files={"file": (name, io.BytesIO(data), "text/plain")}, data={"classes": "walk, run"}
    )


def _locs(r) -> list[list[str]]:  # noqa: ANN001
    return [e["loc"] for e in r.json()["detail"]]


# -- JSON types ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/generate", {"text": "walk", "seed": False}, "seed"),
        ("/api/generate", {"text": "walk", "seed": True}, "seed"),
        ("/api/generate", {"text": "walk", "frames": True}, "frames"),
        ("/api/generate", {"text": "walk", "frames": "30"}, "frames"),
        ("/api/edit", {"text": "walk", "add": "proud", "scale": False}, "scale"),
        ("/api/edit", {"text": "walk", "add": "proud", "scale": "1"}, "scale"),
        ("/api/compose", {"upper": "a person waves", "lower": "a person walks", "scale": False}, "scale"),
        ("/api/compose", {"upper": "a person waves", "lower": "a person walks", "frames": True}, "frames"),
        ("/api/interpolate", {"a": "walk", "b": "run", "frames": True}, "frames"),
        ("/api/interpolate", {"a": "walk", "b": "run", "steps": "3"}, "steps"),
    ],
)
def test_booleans_and_strings_are_not_numbers(client, path: str, body: dict, field: str) -> None:  # noqa: ANN001
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", field]]


def test_json_numbers_are_taken(client) -> None:  # noqa: ANN001
    """5.0 is an integer to JSON Schema; an int is a number."""
    r = client.post("/api/generate", json={"text": "a person walks", "frames": 5.0, "seed": 0})
    assert r.status_code == 200, r.text
    assert r.json()["frames"] == 5
    r = client.post("/api/edit", json={"text": "a person walks", "add": "proud", "scale": 0, "frames": 5})
    assert r.status_code == 200, r.text


# -- text: lengths, whitespace and control characters ----------------------------------------
def test_length_is_checked_on_the_text_as_sent(client) -> None:  # noqa: ANN001
    """The documented maxLength is of the string sent, not of what is left once stripped."""
    most = DEFAULT_LIMITS.max_text_chars
    padded = " " * 10 + "w" * (most - 5)  # over the limit as sent, under it once stripped
    r = client.post("/api/interpolate", json={"a": "walk", "b": padded, "steps": 2, "frames": 5})
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", "b"]]
    r = client.post("/api/interpolate", json={"a": padded, "b": "walk", "steps": 2, "frames": 5})
    assert _locs(r) == [["body", "a"]]
    r = client.post("/api/generate", json={"text": padded, "frames": 5})
    assert _locs(r) == [["body", "text"]]
    r = client.post("/api/edit", json={"text": "walk", "add": "proud", "sub": padded, "frames": 5})
    assert _locs(r) == [["body", "sub"]]
    r = client.post("/api/interpolate", json={"a": "walk", "b": " " + "w" * (most - 1), "steps": 2, "frames": 5})
    assert r.status_code == 200, r.text  # exactly the limit as sent
    assert r.json()["b"] == "w" * (most - 1)


def _openapi_text_pattern(client, component: str, field: str) -> str:  # noqa: ANN001
    schema = client.get("/openapi.json").json()["components"]["schemas"][component]["properties"][field]
    return schema["pattern"]


@pytest.mark.parametrize("text", ["\x85", " \x85 ", "\u3000\u2028", "\x1c\x1f", "walk\x00", "a\x85b"])
def test_texts_the_schema_refuses_are_a_422(client, text: str) -> None:  # noqa: ANN001
    """U+0085 is whitespace to str.strip(): the documented pattern says so, and the 422 says why."""
    pattern = _openapi_text_pattern(client, "GenerateRequest", "text")
    assert re.search(pattern, text) is None  # the schema does not allow it...
    r = client.post("/api/generate", json={"text": text, "frames": 5})
    assert r.status_code == 422, r.text  # ...and the server refuses it the same way
    assert _locs(r) == [["body", "text"]]
    msg = r.json()["detail"][0]["msg"]
    assert "whitespace" in msg and "control" in msg and "\\u" not in msg  # words, not the pattern
    r = client.get("/api/download/bvh", params={"text": text, "frames": 5})
    assert r.status_code == 422 and _locs(r) == [["query", "text"]]


@pytest.mark.parametrize("text", ["\ufeffwalk", "\ufeff", " \t walk\n"])
def test_texts_the_schema_allows_are_served(client, text: str) -> None:  # noqa: ANN001
    assert re.search(_openapi_text_pattern(client, "GenerateRequest", "text"), text)
    r = client.post("/api/generate", json={"text": text, "frames": 5})
    assert r.status_code == 200, r.text
    assert r.json()["text"] == text.strip()


def test_text_patterns_agree_with_python_and_pydantic() -> None:
    """The patterns are spelled out character by character: JSON Schema's, pydantic's and Python's
    regex engines, and str.strip(), must all read them alike."""
    from pydantic import TypeAdapter, ValidationError

    from motionclip.web.schemas import PROMPT_PATTERN, TEXT_PATTERN, OptionalPrompt, Prompt

    control = {chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]}
    prompt, text = re.compile(PROMPT_PATTERN), re.compile(TEXT_PATTERN)
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue  # not a Unicode scalar value: no JSON string holds one
        assert bool(prompt.search(c)) == (not c.isspace() and c not in control), hex(code)
        assert bool(text.search(c)) == (c not in control), hex(code)
    pydantic_prompt, pydantic_text = TypeAdapter(Prompt), TypeAdapter(OptionalPrompt)
    for c in [*control, *(chr(x) for x in range(0x3001) if chr(x).isspace()), "\ufeff", "w", "\u00e9"]:
        try:
            assert pydantic_prompt.validate_python(c) == c.strip()
            taken = True
        except ValidationError:
            taken = False
        assert taken == bool(prompt.search(c)), hex(ord(c))
        try:
            pydantic_text.validate_python(c)
            taken = True
        except ValidationError:
            taken = False
        assert taken == bool(text.search(c)), hex(ord(c))


# -- uploads -----------------------------------------------------------------------------------
def test_empty_upload_is_the_documented_422(client) -> None:  # noqa: ANN001
    r = _classify(client, b"", name="empty.bvh")
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", "file"]]
    assert "empty.bvh" in r.json()["detail"][0]["msg"] and "empty" in r.json()["detail"][0]["msg"]
    spec = client.get("/openapi.json").json()
    ref = spec["paths"]["/api/classify"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["properties"]["file"]["minLength"] == 1  # the schema says an empty file is not valid
    assert "422" in spec["paths"]["/api/classify"]["post"]["responses"]


def test_blank_class_list_is_refused_by_the_schema(client, walk_bvh) -> None:  # noqa: ANN001
    r = client.post(
        "/api/classify", files={"file": ("w.bvh", walk_bvh.read_bytes(), "text/plain")}, data={"classes": " , ,"}
    )
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", "classes"]]


# -- a live server: chunked bodies, back-pressure, deadlines ------------------------------------
def _send_oversized(port: int, chunked: bool, total: int = 3 * 1024 * 1024, pause: float = 0.001) -> bytes:
    """POST ``total`` bytes as a client does (64 KiB at a time), then read the reply; any send or
    receive error (broken pipe, connection reset) fails the test."""
    head = "POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total}\r\n\r\n"
    piece = 64 * 1024
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head.encode())
        for _ in range(total // piece):
            s.sendall(b"%x\r\n%s\r\n" % (piece, b"x" * piece) if chunked else b"x" * piece)
            time.sleep(pause)  # a client on a real link: still sending when the cap is reached
        if chunked:
            s.sendall(b"0\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_3mib_body_gets_its_413_not_a_reset(live_server: str, chunked: bool) -> None:
    """The client is still sending when the 413 is ready: the server reads (and drops) the rest of
    the body first, so that the client can send it all and read a 413, not a broken pipe or reset."""
    reply = _send_oversized(int(live_server.rsplit(":", 1)[1]), chunked)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:100]
    head, _, body = reply.partition(b"\r\n\r\n")
    assert json.loads(body)["detail"].startswith("request body too large")
    assert b"content-type: application/json" in head.lower()


def test_huge_declared_body_is_refused_at_once(live_server: str) -> None:
    """A declared length beyond what is worth reading gets its 413 before any body is sent."""
    size = DEFAULT_LIMITS.max_drain_bytes + 1
    with socket.create_connection(("127.0.0.1", int(live_server.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(
            f"POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:100]


class _Live:
    def __init__(self, app, server, port: int) -> None:  # noqa: ANN001
        self.app, self.server, self.port = app, server, port
        self.base = f"http://127.0.0.1:{port}"

    def protocol_of(self, sock: socket.socket) -> Any:
        """The server's protocol object for a client socket."""
        me = sock.getsockname()[:2]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for proto in list(self.server.server_state.connections):
                if tuple(proto.client or ()) == me:
                    return proto
            time.sleep(0.01)
        raise AssertionError("connection not seen by the server")


HEADER_S, KEEP_ALIVE_S = 1.0, 2.0


@pytest.fixture(scope="module")
def small_server(web_model) -> Iterator[_Live]:  # noqa: ANN001
    """A queue of 3 model requests, a 1 s header deadline and a 2 s idle limit, as ``motionclip serve``."""
    import uvicorn
    from web_helpers import free_port

    from motionclip.web import create_app
    from motionclip.web.protocol import header_deadline_protocol

    app = create_app(web_model, limits=ServingLimits(max_pending=3, retry_after_s=1), warm_up=False)
    port = free_port()
    http = header_deadline_protocol(HEADER_S, keep_alive_s=KEEP_ALIVE_S)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", http=http))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield _Live(app, server, port)
    server.should_exit = True
    thread.join(timeout=10)


def test_full_queue_answers_503_with_retry_after(small_server: _Live) -> None:
    """20 requests at once on a queue of 3 while the model is busy: 3 wait and are served, 17 get
    503 with Retry-After at once; no connection is dropped; health still answers."""
    lock = small_server.app.state.service._lock

    async def load() -> tuple[list[Any], int]:
        limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
        async with httpx.AsyncClient(base_url=small_server.base, timeout=60, limits=limits) as client:
            body = {"frames": 5}
            tasks = [
                asyncio.create_task(client.post("/api/generate", json={**body, "text": f"a person walks {i}"}))
                for i in range(20)
            ]
            deadline = time.monotonic() + 30
            while sum(t.done() for t in tasks) < 17 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            health = (await client.get("/api/health")).status_code
            lock.release()  # the model is free: the 3 queued requests run
            return await asyncio.gather(*tasks, return_exceptions=True), health

    lock.acquire()
    try:
        results, health = asyncio.run(load())
    finally:
        if lock.locked():
            lock.release()
    dropped = [r for r in results if isinstance(r, BaseException)]
    assert not dropped, dropped[:3]
    assert Counter(r.status_code for r in results) == {200: 3, 503: 17}
    for r in results:
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1"
            assert "busy" in r.json()["detail"]
    assert health == 200
    # the queue is free again
    assert httpx.post(f"{small_server.base}/api/generate", json={"text": "walk", "frames": 5}).status_code == 200


def test_503_is_documented(client) -> None:  # noqa: ANN001
    spec = client.get("/openapi.json").json()
    busy = spec["paths"]["/api/generate"]["post"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]


def test_a_request_waiting_past_the_deadlines_is_served(small_server: _Live) -> None:
    """The deadlines are for clients that do not send: a request that waits for the model longer
    than both is answered on its connection."""
    lock = small_server.app.state.service._lock
    lock.acquire()
    try:
        with httpx.Client(base_url=small_server.base, timeout=30) as http:
            box: list[Any] = []
            worker = threading.Thread(
                target=lambda: box.append(http.post("/api/generate", json={"text": "walk", "frames": 5}))
            )
            worker.start()
            time.sleep(HEADER_S + KEEP_ALIVE_S + 0.5)
            lock.release()
            worker.join(timeout=30)
    finally:
        if lock.locked():
            lock.release()
    assert box and box[0].status_code == 200


def _get(sock: socket.socket, path: str = "/api/health") -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    reply = b""
    while b"}" not in reply:
        chunk = sock.recv(65536)
        if not chunk:
            break
        reply += chunk
    return reply


def _closed_after(sock: socket.socket) -> float:
    t0 = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server, without an answer
    return time.monotonic() - t0


def test_idle_kept_alive_connection_is_closed_after_the_idle_limit(small_server: _Live) -> None:
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=10) as s:
        assert _get(s).startswith(b"HTTP/1.1 200")
        took = _closed_after(s)
    assert KEEP_ALIVE_S - 0.3 < took < KEEP_ALIVE_S + 2  # the idle limit, not the header deadline


def test_trickled_headers_on_a_kept_alive_connection_are_cut(small_server: _Live) -> None:
    """Slow-loris after a response: the header deadline runs from the next request's first byte."""
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=10) as s:
        assert _get(s).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /api/health HTTP/1.1\r\n")
        t0 = time.monotonic()
        for _ in range(20):  # a header byte every 0.2 s would go on for 4 s
            try:
                s.sendall(b"X")
            except OSError:
                break
            time.sleep(0.2)
            if time.monotonic() - t0 > HEADER_S + 1:
                break
        s.settimeout(5)
        try:
            data = s.recv(100)
        except OSError:  # reset: closed with our bytes unread
            data = b""
        took = time.monotonic() - t0
    assert data == b""
    assert took < HEADER_S + 1.5


def _block_loop_at(proto: Any, handle: Any) -> tuple[threading.Event, threading.Event]:
    """Block the server's event loop from just before ``handle`` is due until ``release`` is set:
    the deadline then runs late, right after the block, with what the client sent meanwhile
    still unread."""
    blocked, release = threading.Event(), threading.Event()

    def block() -> None:
        blocked.set()
        release.wait(10)
        time.sleep(0.05)  # the bytes are in the kernel by now

    proto.loop.call_soon_threadsafe(lambda: proto.loop.call_at(handle.when() - 1e-6, block))
    return blocked, release


@pytest.mark.parametrize("timer", ["header deadline", "idle limit"])
def test_a_late_deadline_spares_a_client_whose_request_is_already_here(small_server: _Live, timer: str) -> None:
    """A server busy past a deadline must not close a connection whose request it simply has not
    read yet: the client sent, the server is behind."""
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=15) as s:
        proto = small_server.protocol_of(s)
        if timer == "idle limit":
            assert _get(s).startswith(b"HTTP/1.1 200")
        name = "timeout_keep_alive_task" if timer == "idle limit" else "_header_timer"
        deadline = time.monotonic() + 5
        while getattr(proto, name) is None and time.monotonic() < deadline:
            time.sleep(0.01)  # the server thread arms it right after writing the response
        handle = getattr(proto, name)
        assert handle is not None
        blocked, release = _block_loop_at(proto, handle)
        assert blocked.wait(10)  # the deadline is due, the loop is busy
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        release.set()
        reply = b""
        while b"}" not in reply and (chunk := s.recv(65536)):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:100]
