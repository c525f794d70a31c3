"""uvicorn's h11 HTTP protocol with deadlines for clients that do not send, and only for those.

uvicorn times out idle keep-alive connections, and :class:`~motionclip.web.middleware.BodySizeLimit`
bounds body reads, but nothing bounds the headers: a client that opens a connection and
then trickles (or stops sending) header bytes would hold it forever. This protocol closes:

- a new connection whose first request's headers are not complete within ``header_timeout_s``;
- a kept-alive connection that stays idle ``keep_alive_s`` after a response (uvicorn's keep-alive
  timer, set here), or whose next request's headers are not complete within ``header_timeout_s``
  of that request's first byte.

No deadline runs while a request is being served, however long it waits for the model: that is
the server being slow, not the client.  And before closing, each deadline looks whether the
client's bytes are already here, unread (an event loop busy with hundreds of requests can be
late reading them): then the client did send, the server is behind, and the deadline waits.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

RECHECK_S = 0.25
"""When a deadline finds unread bytes, it looks again after this long."""
_PEEK = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)


class HeaderDeadlineH11(H11Protocol):
    header_timeout_s: float = 10.0
    keep_alive_s: float | None = None
    """Idle limit between requests; None keeps uvicorn's ``timeout_keep_alive``."""

    _header_timer: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.keep_alive_s is not None:
            self.timeout_keep_alive = self.keep_alive_s  # type: ignore[assignment]

    # -- the header deadline ---------------------------------------------------------------
    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(seconds, self._headers_due)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_due(self) -> None:
        self._header_timer = None
        if not self._between_requests() or self.transport.is_closing():
            return
        if self._unread_bytes_waiting():  # sent, but not read yet: the server is behind
            self._arm(RECHECK_S)
            return
        self.transport.close()

    def _unread_bytes_waiting(self) -> bool:
        """Whether the kernel holds bytes from the client that this protocol has not read."""
        if self.flow is not None and self.flow.read_paused:
            return False  # paused on purpose: not a sign of lag
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return False
        try:
            with socket.fromfd(sock.fileno(), sock.family, sock.type) as peek:  # a duplicate of the fd
                return bool(peek.recv(1, _PEEK))  # peeking takes nothing away
        except OSError:  # nothing to read (BlockingIOError) or the socket is gone
            return False

    # -- hooks -----------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self._between_requests():
            self._arm(self.header_timeout_s)  # the next request's first bytes: its headers are due
        super().data_received(data)  # handle_events disarms once they are complete

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not None and self.cycle is not before:  # a request's headers are complete
            self._disarm()

    def timeout_keep_alive_handler(self) -> None:
        self.timeout_keep_alive_task = None
        if self._unread_bytes_waiting():  # the next request is here, unread: not idle
            self.timeout_keep_alive_task = self.loop.call_later(RECHECK_S, self.timeout_keep_alive_handler)
            return
        super().timeout_keep_alive_handler()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def header_deadline_protocol(seconds: float, keep_alive_s: float | None = None) -> type[HeaderDeadlineH11]:
    """The protocol class for ``uvicorn.run(..., http=...)`` with a given header deadline and
    idle limit between requests (default: :attr:`ServingLimits.keep_alive_s`)."""
    if keep_alive_s is None:
        from motionclip.web.limits import DEFAULT_LIMITS

        keep_alive_s = DEFAULT_LIMITS.keep_alive_s
    attrs = {"header_timeout_s": float(seconds), "keep_alive_s": float(keep_alive_s)}
    return type("HeaderDeadlineH11", (HeaderDeadlineH11,), attrs)
