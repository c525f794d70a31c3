"""Request limits of the web API, in one place so the page, docs and tests agree."""

from __future__ import annotations

from dataclasses import dataclass

from motionclip.limits import Limits


@dataclass(frozen=True)
class ServingLimits(Limits):
    """The application limits (:class:`motionclip.limits.Limits`, checked by the same code) made
    stricter for a shared server, plus caps only a server has (uploads, bodies, renders)."""

    max_text_chars: int = 300
    max_steps: int = 12
    max_classes: int = 50
    max_frames: int = 300
    max_seed: int = 2**31 - 1  # JSON clients (JavaScript) hold integers exactly only to 2**53
    default_frames: int = 60
    max_upload_bytes: int = 2 * 1024 * 1024
    max_upload_inflated_bytes: int = 32 * 1024 * 1024
    """A gzip upload may inflate to this much (real takes are a few MB); more is a 400."""
    max_upload_cells: int = 1_000_000
    """Frames x joints of an upload, checked on its MOTION header before parsing."""
    max_body_bytes: int = 2 * 1024 * 1024 + 64 * 1024
    """Whole request body (upload plus multipart framing); larger requests get 413."""
    max_drain_bytes: int = 16 * 1024 * 1024
    """An oversized body (chunked, or a declared Content-Length up to this) is read and dropped
    up to this many bytes before its 413 goes out, so that the client, still sending, reads the
    413 instead of a connection reset; a larger one gets its 413 at once."""
    header_timeout_s: float = 10.0
    """A request's headers must be complete within this many seconds of the connection (or of
    the request's first byte on a kept-alive connection); otherwise the connection is closed
    (``motionclip serve``). Never applies while a request is being served."""
    keep_alive_s: float = 15.0
    """A kept-alive connection idle this long after a response is closed (``motionclip serve``):
    longer than HTTP clients keep an idle pooled connection (httpx: 5 s), so that they drop it
    first and never send a request into a connection the server is closing."""
    max_pending: int = 256
    """Model requests (generate, interpolate, edit, compose, classify, downloads) admitted at
    once, running or waiting for the model; more get 503 with Retry-After at once instead of
    waiting ever longer (the queue's back-pressure)."""
    retry_after_s: int = 2
    """The Retry-After (seconds) of that 503."""
    body_timeout_s: float = 30.0
    """A request body must arrive within this many seconds of the request (slow bodies,
    conflicting Transfer-Encoding/Content-Length framing); otherwise 408 and the
    connection is closed."""
    video_size: int = 320
    max_renders: int = 1
    """MP4 renders allowed at once (CPU heavy); others wait their turn."""


DEFAULT_LIMITS = ServingLimits()
