"""ASGI middleware: hard caps on request body size and read time (413/408 before the app parses
anything), and on the model requests admitted at once (503 + Retry-After beyond)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class _TooLarge:
    size: int  # bytes read so far
    more: bool  # the client is still sending


class BodySizeLimit:
    """Reject HTTP requests whose body exceeds ``max_bytes`` (413 JSON) or does not arrive
    within ``timeout_s`` of the request (408 JSON, connection closed).

    A declared Content-Length is checked first; then the body (declared or chunked) is
    read here, up to the cap and under one deadline, and replayed to the app, so nothing
    downstream sees more, and a slow or mis-framed body (e.g. conflicting
    Transfer-Encoding and Content-Length) cannot hold a connection open.

    A client sending an oversized body is still sending when the 413 is ready; closing then,
    with its bytes unread, resets the connection and the client sees no answer at all. So
    the rest of the body is read and dropped first (up to ``drain_bytes`` in all, under the
    same deadline): a 3 MiB chunked body gets its 413. A declared length over ``drain_bytes``,
    or one sent with ``Expect: 100-continue`` (the client waits for a go-ahead before sending
    it), is answered at once.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0, drain_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.drain_bytes = max(drain_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        size: int | None = None
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _reply(send, 400, "invalid Content-Length header")
                return
            if size < 0:
                await _reply(send, 400, "invalid Content-Length header")
                return
            waits = headers.get(b"expect", b"").lower() == b"100-continue"
            if size > self.max_bytes and (waits or size > self.drain_bytes):
                await _reply(send, 413, self._message(size))
                return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.timeout_s)
        except TimeoutError:
            await _reply(send, 408, f"request body not received within {self.timeout_s:g} s")
            return
        if body is None:  # client went away
            return
        if isinstance(body, _TooLarge):
            if body.more:  # drop the rest, in the time left, so that the client reads the 413
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._drain(receive, body.size), max(0.0, deadline - loop.time()))
            await _reply(send, 413, self._message(size))
            return
        replay = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay_receive() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replay_receive, send)

    async def _read_body(self, receive: Receive) -> bytes | _TooLarge | None:
        """The whole body; what was read once over the cap; None on disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return None
            body = msg.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                return _TooLarge(size, bool(msg.get("more_body", False)))
            chunks.append(body)
            if not msg.get("more_body", False):
                return b"".join(chunks)

    async def _drain(self, receive: Receive, size: int) -> None:
        """Read and drop the rest of an oversized body, up to ``drain_bytes`` in all."""
        while size <= self.drain_bytes:
            msg = await receive()
            if msg["type"] == "http.disconnect" or not msg.get("more_body", False):
                return
            size += len(msg.get("body", b""))

    def _message(self, size: int | None) -> str:
        got = f" ({size} bytes)" if size is not None else ""
        return f"request body too large{got}; the limit is {self.max_bytes // 1024} KiB"


class AdmissionLimit:
    """At most ``max_pending`` requests under ``prefix`` (but not ``exempt``) at once, running
    or waiting; the next ones get 503 JSON with ``Retry-After`` right away.

    The count covers a request from admission until its response is sent, so it bounds the
    queue in front of the model (and the memory of its bodies) and keeps a waiting client's
    latency bounded; a rejected client learns at once when to come back, and its connection
    stays open for that. Everything runs on the event loop: a plain counter is enough.
    """

    def __init__(
        self, app: ASGIApp, max_pending: int, retry_after_s: int, prefix: str = "/api/", exempt: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.max_pending = max_pending
        self.retry_after_s = retry_after_s
        self.prefix = prefix
        self.exempt = frozenset(exempt)
        self.pending = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.pending >= self.max_pending:
            detail = f"server busy ({self.max_pending} requests in progress); retry in {self.retry_after_s} s"
            await _reply(send, 503, detail, [(b"retry-after", str(self.retry_after_s).encode())], close=False)
            return
        self.pending += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.pending -= 1


async def _reply(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None, close: bool = True
) -> None:
    body = json.dumps({"detail": detail}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        head.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": head + (headers or [])})
    await send({"type": "http.response.body", "body": body})
