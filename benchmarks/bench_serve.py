"""Latency of the web API under concurrent load, on loopback.

Run:  python benchmarks/bench_serve.py [--concurrency 50] [--requests N] [--frames 60] [--checkpoint PATH]
      python benchmarks/bench_serve.py --concurrency 200 --requests 500     # issue 24's load
Starts ``motionclip.web`` as ``motionclip serve`` runs it (uvicorn, the header-deadline protocol)
on 127.0.0.1 (a free port) in a child process (``--in-process``: a thread of this one, where the
client then competes with the server for the GIL), or loads ``--url``; sends ``--requests``
``POST /api/generate`` calls with distinct prompts from ``--concurrency`` clients at once (each an
httpx.AsyncClient with one keep-alive connection, one request after the other); and prints the
status counts, dropped connections (closed or reset with no response), 5xx (503s, and whether
they carried Retry-After), p50/p99/max latency of the 200s and throughput. Exit status 1 on any
dropped connection, client error or 5xx. The load phase is bounded by ``--timeout`` seconds.
Checkpoint: the given one, else the shipped one, else a tiny untrained model built on the spot
(same shapes as the test model, real MiniLM text encoder), so the numbers measure serving, not
motion quality.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import queue
import socket
import ssl
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx
import uvicorn

PROMPTS = (
    "a person walks forward", "a person runs in a circle", "a person jumps on the spot",
    "a person waves with the right hand", "an elderly person walks slowly", "a person kicks with the left leg",
    "a person sits down", "a person dances happily", "a person raises both hands", "a person turns around",
)  # fmt: skip


def load_model(checkpoint: str | None):  # noqa: ANN201
    """The requested checkpoint, else the shipped one, else a tiny untrained model."""
    from motionclip.generation import load_model
    from motionclip.model.checkpoint import shipped_checkpoint

    if checkpoint:
        return load_model(checkpoint), checkpoint
    if shipped_checkpoint().exists():
        return load_model(None), str(shipped_checkpoint())
    from motionclip.data.skeleton import Skeleton
    from motionclip.generation.text_to_motion import MotionCLIP
    from motionclip.model.config import ModelConfig, TransformerConfig

    names = ("Hips", "Spine", "Chest", "Neck", "Head", "UpperArm_L", "LowerArm_L", "Hand_L",
             "UpperArm_R", "LowerArm_R", "Hand_R", "UpperLeg_L", "LowerLeg_L", "Foot_L",
             "UpperLeg_R", "LowerLeg_R", "Foot_R")  # fmt: skip
    parents = (-1, 0, 1, 2, 3, 2, 5, 6, 2, 8, 9, 0, 11, 12, 0, 14, 15)
    offsets = [
        (0, 0, 0), (0, .1, 0), (0, .18, 0), (0, .22, 0), (0, .1, 0),
        (.17, .17, 0), (.28, 0, 0), (.25, 0, 0), (-.17, .17, 0), (-.28, 0, 0), (-.25, 0, 0),
        (.09, -.05, 0), (0, -.42, 0), (0, -.4, 0), (-.09, -.05, 0), (0, -.42, 0), (0, -.4, 0),
    ]  # fmt: skip
    cfg = ModelConfig(TransformerConfig(latent_dim=384, num_layers=1, num_heads=4, ff_size=64, dropout=0.0))
    return MotionCLIP(cfg, Skeleton(names, parents, offsets)).eval(), "tiny untrained model (no shipped checkpoint)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError, httpx.CloseError)
"""The connection was closed or reset before a response came back."""


@dataclass
class Outcome:
    status: int | None  # None: no response
    latency: float
    error: str = ""
    retry_after: str | None = None


async def fire(base: str, n: int, concurrency: int, frames: int, timeout: float) -> tuple[list[Outcome], float]:
    """n generate requests from ``concurrency`` clients, each with one keep-alive connection of its
    own, sending one request after the other; outcomes, wall time.

    (One shared client with a pool of ``concurrency`` connections measured its own pool as well:
    httpcore kept some requests queued for a connection ~10 s while others were free.)"""
    tls = ssl.create_default_context()  # made once: httpx would build one per client (slow)
    clients = [
        httpx.AsyncClient(base_url=base, timeout=timeout, verify=tls, limits=httpx.Limits(max_connections=1))
        for _ in range(concurrency)
    ]
    todo = iter(range(n))  # shared: each request is taken by one client
    outcomes: list[Outcome] = []

    async def one(client: httpx.AsyncClient, i: int) -> Outcome:
        body = {"text": f"{PROMPTS[i % len(PROMPTS)]} (take {i})", "frames": frames}
        start = time.perf_counter()
        try:
            r = await client.post("/api/generate", json=body)
        except DROPPED as exc:
            return Outcome(None, time.perf_counter() - start, f"dropped: {type(exc).__name__}: {exc}")
        except httpx.HTTPError as exc:
            return Outcome(None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        took = time.perf_counter() - start
        error = "" if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:100]}"
        return Outcome(r.status_code, took, error, r.headers.get("retry-after"))

    async def user(client: httpx.AsyncClient) -> None:
        async with client:
            for i in todo:
                outcomes.append(await one(client, i))

    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(user(c) for c in clients)), timeout)
    return outcomes, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary(outcomes: list[Outcome], wall: float) -> tuple[list[str], bool]:
    """Report lines, and whether the run was clean (no dropped connection, no 5xx, every 503 with Retry-After)."""
    statuses = Counter("no response" if o.status is None else str(o.status) for o in outcomes)
    dropped = sum(o.error.startswith("dropped") for o in outcomes)
    other = sum(o.status is None and not o.error.startswith("dropped") for o in outcomes)
    server_errors = sum(o.status is not None and o.status >= 500 for o in outcomes)
    busy = [o for o in outcomes if o.status == 503]
    no_retry_after = sum(o.retry_after is None for o in busy)
    ok = [o.latency for o in outcomes if o.status == 200]
    lines = ["status counts: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))]
    lines.append(f"dropped connections (closed/reset, no response): {dropped}; other client errors: {other}")
    lines.append(f"5xx: {server_errors} (503 busy: {len(busy)}, of which without Retry-After: {no_retry_after})")
    if ok:
        lines.append(
            f"latency of the 200s: p50 {percentile(ok, 50) * 1000:.0f} ms, p99 {percentile(ok, 99) * 1000:.0f} ms, "
            f"max {max(ok) * 1000:.0f} ms, mean {statistics.fmean(ok) * 1000:.0f} ms"
        )
    if busy:
        lines.append(f"503 answered in at most {max(o.latency for o in busy) * 1000:.0f} ms")
    lines.append(f"wall {wall:.2f} s, throughput {len(ok) / wall:.1f} req/s (200s)")
    seen: set[str] = set()
    for o in outcomes:
        kind = o.error.split(":", 1)[0] if o.status is None else str(o.status)
        if o.error and kind not in seen:  # one example of each kind of failure
            seen.add(kind)
            lines.append(f"   e.g. {o.error}")
    return lines, dropped == 0 and other == 0 and server_errors == 0


def _config(app, port: int) -> uvicorn.Config:  # noqa: ANN001
    """uvicorn as ``motionclip serve`` runs it: the header-deadline protocol and idle limit."""
    from motionclip.web.limits import DEFAULT_LIMITS
    from motionclip.web.protocol import header_deadline_protocol

    http = header_deadline_protocol(DEFAULT_LIMITS.header_timeout_s)
    return uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http=http)


def _serve_child(checkpoint: str | None, port: int, info) -> None:  # noqa: ANN001
    """Child process: load the model, build the app, report (source, startup s), serve until terminated."""
    from motionclip.web import create_app

    t0 = time.perf_counter()
    model, source = load_model(checkpoint)
    app = create_app(model)
    info.put((source, time.perf_counter() - t0))
    uvicorn.Server(_config(app, port)).run()


def _wait_until_up(base: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at once")
    parser.add_argument("--requests", type=int, default=None, help="requests in all (default: --concurrency)")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on the whole load phase (s)")
    parser.add_argument("--url", default=None, help="load an already running server instead (e.g. motionclip serve)")
    parser.add_argument("--in-process", action="store_true", help="serve from a thread of this process")
    args = parser.parse_args()
    requests = args.requests or args.concurrency
    if args.concurrency < 1 or requests < 1:
        parser.error("--concurrency and --requests must be at least 1")

    server = thread = child = None
    startup = 0.0
    source = "external server"
    if args.url:
        base = args.url.rstrip("/")
    elif args.in_process:
        from motionclip.web import create_app

        t0 = time.perf_counter()
        model, source = load_model(args.checkpoint)
        app = create_app(model)
        startup = time.perf_counter() - t0
        port = free_port()
        server = uvicorn.Server(_config(app, port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
    else:
        port = free_port()
        ctx = multiprocessing.get_context("spawn")
        info = ctx.Queue()
        child = ctx.Process(target=_serve_child, args=(args.checkpoint, port, info), daemon=True)
        child.start()
        try:
            source, startup = info.get(timeout=120)
        except queue.Empty:
            source = "?"
        base = f"http://127.0.0.1:{port}"
    try:
        if not args.url and not _wait_until_up(base, 60):
            print("server did not start", file=sys.stderr)
            return 1
        one = httpx.post(f"{base}/api/generate", json={"text": "warm-up request", "frames": args.frames}, timeout=60)
        one.raise_for_status()
        try:
            outcomes, wall = asyncio.run(fire(base, requests, args.concurrency, args.frames, args.timeout))
        except TimeoutError:
            print(f"load phase exceeded {args.timeout:.0f} s", file=sys.stderr)
            return 1
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
        if child is not None:
            child.terminate()
            child.join(timeout=10)

    where = "external" if args.url else ("this process" if args.in_process else "child process")
    print(f"model: {source}; server: {where}; startup (load + warm-up) {startup:.1f} s")
    print(
        f"{requests} POST /api/generate, {args.concurrency} concurrent, {args.frames} frames, "
        f"{len(one.content) / 1024:.0f} KiB each"
    )
    lines, clean = summary(outcomes, wall)
    print("\n".join(lines))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
