"""uvicorn's h11 HTTP protocol with a deadline on request headers.

uvicorn times out idle keep-alive connections, and :class:`~motionclip.web.middleware.BodySizeLimit`
bounds body reads, but nothing bounds the headers: a client that opens a connection and
then trickles (or stops sending) header bytes would hold it forever. This protocol closes
a connection whose next request's headers are not complete within ``header_timeout_s``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderDeadlineH11(H11Protocol):
    header_timeout_s: float = 10.0

    _header_task: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_task = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_task is not None:
            self._header_task.cancel()
            self._header_task = None

    def _headers_too_slow(self) -> None:
        self._header_task = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not None and self.cycle is not before:  # a request's headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # the next request's headers (a pipelined one found below disarms it again)
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def header_deadline_protocol(seconds: float) -> type[HeaderDeadlineH11]:
    """The protocol class for ``uvicorn.run(..., http=...)`` with a given header deadline."""
    return type("HeaderDeadlineH11", (HeaderDeadlineH11,), {"header_timeout_s": float(seconds)})
