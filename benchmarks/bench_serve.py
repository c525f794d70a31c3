"""Latency of the web API under concurrent load, on loopback.

Run:  python benchmarks/bench_serve.py [--checkpoint PATH] [--requests 50] [--frames 60]
Starts ``motionclip.web`` with uvicorn on 127.0.0.1 (a free port) in a background thread,
fires ``--requests`` concurrent ``POST /api/generate`` calls with distinct prompts
(httpx.AsyncClient), and prints p50/p99/max latency, throughput and the error count.
The whole run is bounded by ``--timeout`` seconds.  Checkpoint: the given one, else the
shipped one, else a tiny untrained model built on the spot (same shapes as the test model,
real MiniLM text encoder), so the numbers measure serving, not motion quality.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import threading
import time

import httpx
import uvicorn

PROMPTS = (
    "a person walks forward", "a person runs in a circle", "a person jumps on the spot",
    "a person waves with the right hand", "an elderly person walks slowly", "a person kicks with the left leg",
    "a person sits down", "a person dances happily", "a person raises both hands", "a person turns around",
)  # fmt: skip


def load_model(checkpoint: str | None):  # noqa: ANN201
    """The requested checkpoint, else the shipped one, else a tiny untrained model."""
    from motionclip.model.checkpoint import load_checkpoint, shipped_checkpoint

    if checkpoint:
        return load_checkpoint(checkpoint), checkpoint
    if shipped_checkpoint().exists():
        return load_checkpoint(None), str(shipped_checkpoint())
    from motionclip.config import ModelConfig, TransformerConfig
    from motionclip.data.skeleton import Skeleton
    from motionclip.model.autoencoder import MotionCLIP

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


async def fire(base: str, n: int, frames: int, timeout: float) -> tuple[list[float], list[str], float]:
    """n concurrent generate requests; latencies (s) of the successful ones, error strings, wall time."""
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:

        async def one(i: int) -> float | str:
            body = {"text": f"{PROMPTS[i % len(PROMPTS)]} (take {i})", "frames": frames}
            start = time.perf_counter()
            try:
                r = await client.post("/api/generate", json=body)
            except httpx.HTTPError as exc:
                return f"{type(exc).__name__}: {exc}"
            if r.status_code != 200:
                return f"HTTP {r.status_code}: {r.text[:100]}"
            return time.perf_counter() - start

        start = time.perf_counter()
        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout)
        wall = time.perf_counter() - start
    return [r for r in results if isinstance(r, float)], [r for r in results if isinstance(r, str)], wall


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=120.0, help="bound on the whole load phase (s)")
    args = parser.parse_args()

    from motionclip.web import create_app

    t0 = time.perf_counter()
    model, source = load_model(args.checkpoint)
    app = create_app(model)
    startup = time.perf_counter() - t0
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            print("server did not start", file=sys.stderr)
            return 1
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        one = httpx.post(f"{base}/api/generate", json={"text": "warm-up request", "frames": args.frames}, timeout=60)
        one.raise_for_status()
        try:
            ok, errors, wall = asyncio.run(fire(base, args.requests, args.frames, args.timeout))
        except TimeoutError:
            print(f"load phase exceeded {args.timeout:.0f} s", file=sys.stderr)
            return 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    print(f"model: {source}; startup (load + warm-up) {startup:.1f} s")
    print(
        f"{args.requests} concurrent POST /api/generate, {args.frames} frames, {len(one.content) / 1024:.0f} KiB each"
    )
    if ok:
        print(
            f"latency p50 {percentile(ok, 50) * 1000:.0f} ms, p99 {percentile(ok, 99) * 1000:.0f} ms, "
            f"max {max(ok) * 1000:.0f} ms, mean {statistics.fmean(ok) * 1000:.0f} ms"
        )
        print(f"wall {wall:.2f} s, throughput {len(ok) / wall:.1f} req/s")
    print(f"errors: {len(errors)}")
    for e in errors[:5]:
        print("  ", e)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
