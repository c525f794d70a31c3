"""Hostile uploads and connections: size and time limits are checked before work, outside the
model lock, and a slow or mis-framed body does not hold the server."""

from __future__ import annotations

import gzip
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from motionclip.web.limits import ServingLimits


def _classify(client, data: bytes, name: str = "clip.bvh"):  # noqa: ANN001, ANN202
    return client.post(
        "/api/classify", files={"file": (name, io.BytesIO(data), "text/plain")}, data={"classes": "walk, run"}
    )


def _with_frame_time(bvh: bytes, frame_time: str) -> bytes:
    return re.sub(rb"Frame Time: \S+", b"Frame Time: " + frame_time.encode(), bvh)


@pytest.mark.parametrize("frame_time", ["1e6", "100", "1e-9"])
def test_extreme_frame_time_is_refused_on_the_header(client, walk_bvh: Path, frame_time: str) -> None:  # noqa: ANN001
    # 100 s per frame: 60 frames would have been resampled to 180 000 before any length check
    t0 = time.perf_counter()
    r = _classify(client, _with_frame_time(walk_bvh.read_bytes(), frame_time))
    assert r.status_code == 400, r.text
    assert "Frame Time" in r.json()["detail"] and "clip.bvh" in r.json()["detail"]
    assert time.perf_counter() - t0 < 5


def test_slow_frame_rate_upload_is_cropped_before_resampling(client, walk_bvh: Path) -> None:  # noqa: ANN001
    r = _classify(client, _with_frame_time(walk_bvh.read_bytes(), "10"))  # the slowest accepted rate
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fps"] == pytest.approx(0.1)
    assert body["frames"] <= 60


@pytest.fixture(scope="module")
def strict_client(web_model) -> Iterator:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from motionclip.web import create_app

    app = create_app(
        web_model, limits=ServingLimits(max_upload_cells=1000, max_upload_inflated_bytes=64 * 1024), warm_up=False
    )
    with TestClient(app) as c:
        yield c


def test_frames_times_joints_limit_checked_on_the_header(strict_client, walk_bvh: Path) -> None:  # noqa: ANN001
    r = _classify(strict_client, walk_bvh.read_bytes())  # 60 frames x 21 joints > 1000
    assert r.status_code == 400, r.text
    assert "frames x" in r.json()["detail"] and "1000" in r.json()["detail"]


def test_inflated_size_limit_of_gzip_uploads(strict_client, walk_bvh: Path) -> None:  # noqa: ANN001
    data = gzip.compress(walk_bvh.read_bytes() + b"\n" * 100_000)
    assert len(data) < 64 * 1024
    r = _classify(strict_client, data, "clip.bvh.gz")
    assert r.status_code == 400, r.text
    assert "inflates to more than 64 KiB" in r.json()["detail"]


def test_bad_uploads_are_answered_while_the_model_is_busy(client, web_app, walk_bvh: Path) -> None:  # noqa: ANN001
    """Parsing, skeleton check, crop and resampling run before the model lock is taken."""
    import itertools
    import re

    text = walk_bvh.read_text()
    count = itertools.count()
    # parses, but no joint name says what it is: the canonical body cannot map it
    foreign = re.sub(r"^(\s*(?:ROOT|JOINT)\s+)\S+", lambda m: f"{m.group(1)}b{next(count)}", text, flags=re.M)
    service = web_app.state.service
    results: list = []
    with service._lock:  # a long generation holds the model
        worker = threading.Thread(target=lambda: results.append(_classify(client, foreign.encode())))
        worker.start()
        worker.join(timeout=20)
        finished = not worker.is_alive()
    worker.join()
    assert finished, "a bad upload waited for the model lock"
    assert results[0].status_code == 400 and "skeleton" in results[0].json()["detail"]


@pytest.fixture(scope="module")
def impatient_server(web_model) -> Iterator[tuple[str, int]]:  # noqa: ANN001
    import uvicorn
    from web_helpers import free_port

    from motionclip.web import create_app
    from motionclip.web.protocol import header_deadline_protocol

    app = create_app(web_model, limits=ServingLimits(body_timeout_s=1.0), warm_up=False)
    port = free_port()
    http = header_deadline_protocol(1.5)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", http=http))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(timeout=10)


def _raw(addr: tuple[str, int], head: str, body: bytes, wait_s: float = 15.0) -> tuple[bytes, float]:
    """Send a raw request (the body possibly incomplete); return what came back and when."""
    t0 = time.monotonic()
    with socket.create_connection(addr, timeout=wait_s) as s:
        s.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        reply = b""
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except TimeoutError:
            pass
    return reply, time.monotonic() - t0


@pytest.mark.parametrize(
    "head, body",
    [
        # slow body: 10 of the declared 1000 bytes, then nothing
        (
            "POST /api/generate HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 1000\n",
            b'{"text": "w',
        ),
        # conflicting framing: chunked and a Content-Length, chunk never finished
        (
            "POST /api/generate HTTP/1.1\nHost: x\nContent-Type: application/json\n"
            "Transfer-Encoding: chunked\nContent-Length: 5\n",
            b'ff\r\n{"text"',
        ),
    ],
)
def test_slow_or_misframed_bodies_are_not_held_open(impatient_server, head: str, body: bytes) -> None:  # noqa: ANN001
    reply, took = _raw(impatient_server, head, body)
    assert took < 10, f"connection held {took:.1f} s"
    status = reply.split(b"\r\n", 1)[0]
    assert status.startswith(b"HTTP/1.1 4"), reply[:200]


def test_slow_headers_are_not_held_open(impatient_server) -> None:  # noqa: ANN001
    """Headers that never complete (slowloris) end with the connection closed."""
    t0 = time.monotonic()
    with socket.create_connection(impatient_server, timeout=15) as s:
        s.sendall(b"POST /api/generate HTTP/1.1\r\nHost: x\r\n")
        assert s.recv(100) == b""  # closed by the server, no answer
    assert time.monotonic() - t0 < 10


def test_keep_alive_connections_still_work(impatient_server) -> None:  # noqa: ANN001
    """Two requests on one connection: the header deadline re-arms between them without cutting either."""
    with socket.create_connection(impatient_server, timeout=15) as s:
        for _ in range(2):
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while b"}" not in reply:
                reply += s.recv(4096)
            assert reply.startswith(b"HTTP/1.1 200")
            time.sleep(1.0)  # under the 1.5 s header deadline


def test_a_real_take_longer_than_480_frames_is_classified(client, shared_dir: Path) -> None:  # noqa: ANN001
    """The upload that answered HTTP 500 every time (`--up auto` on a long take, issue 24)."""
    take = shared_dir / "data/bandai-namco/Bandai-Namco-Research-Motiondataset-1/data"
    data = (take / "dataset-1_dance-short_normal_001.bvh.gz").read_bytes()  # gzip upload, 0.56 MB
    r = _classify(client, data, "dance.bvh.gz")
    assert r.status_code == 200, r.text
    assert len(r.json()["top"]) == 2
