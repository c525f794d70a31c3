"""ASGI middleware: hard caps on request body size and read time (413/408 before the app parses anything)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodySizeLimit:
    """Reject HTTP requests whose body exceeds ``max_bytes`` (413 JSON) or does not arrive
    within ``timeout_s`` of the request (408 JSON, connection closed).

    A declared Content-Length is checked first; then the body (declared or chunked) is
    read here, up to the cap and under one deadline, and replayed to the app, so nothing
    downstream sees more, and a slow or mis-framed body (e.g. conflicting
    Transfer-Encoding and Content-Length) cannot hold a connection open.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _reply(send, 400, "invalid Content-Length header")
                return
            if size < 0:
                await _reply(send, 400, "invalid Content-Length header")
                return
            if size > self.max_bytes:
                await _reply(send, 413, self._message(size))
                return
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.timeout_s)
        except TimeoutError:
            await _reply(send, 408, f"request body not received within {self.timeout_s:g} s")
            return
        if body is None:  # client went away
            return
        if isinstance(body, int):
            await _reply(send, 413, self._message(None))
            return
        replay = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay_receive() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replay_receive, send)

    async def _read_body(self, receive: Receive) -> bytes | int | None:
        """The whole body; its size so far (int) once over the cap; None on disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return None
            body = msg.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                return size
            chunks.append(body)
            if not msg.get("more_body", False):
                return b"".join(chunks)

    def _message(self, size: int | None) -> str:
        got = f" ({size} bytes)" if size is not None else ""
        return f"request body too large{got}; the limit is {self.max_bytes // 1024} KiB"


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
