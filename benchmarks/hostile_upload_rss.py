"""Peak RSS of the web server process for one hostile /api/classify upload.

Usage: ``python benchmarks/hostile_upload_rss.py CASE`` with CASE one of ``long-frame-time``,
``many-joints``, ``huge-frame-time``, ``gzip-bomb``.  Runs the app in-process (TestClient,
shipped model, no network) and prints the HTTP status, the seconds taken and the peak RSS
(ru_maxrss) before and after the request.  One case per process, so peaks do not mix.
"""

from __future__ import annotations

import io
import resource
import sys
import time
import zlib


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bvh(model, frames: int, frame_time: float, extra_joints: int = 0) -> bytes:  # noqa: ANN001
    import torch

    from motionclip.data.bvh import bvh_text
    from motionclip.data.motion import Motion

    sk = model.skeleton
    motion = Motion(sk, torch.eye(3).repeat(frames, sk.num_joints, 1, 1), torch.zeros(frames, 3), 1.0 / frame_time)
    text = bvh_text(motion)
    if extra_joints:  # channel-less joints: tiny in the file, frames x joints in memory
        head, _, rest = text.partition("MOTION")
        close = head.rstrip().rfind("}")
        extra = "".join(f"JOINT x{i}\n{{\nOFFSET 0 0 0\n}}\n" for i in range(extra_joints))
        head = head[:close] + extra + head[close:]
        text = head + "MOTION" + rest
    return text.encode()


def main(case: str) -> None:
    from fastapi.testclient import TestClient

    from motionclip.generation import load_model
    from motionclip.web import create_app

    model = load_model(None)
    app = create_app(model, warm_up=False)
    if case == "long-frame-time":  # ~360 KB; 100 s per frame: 600 frames resample to 1.8 M
        data = _bvh(model, 600, 100.0)
    elif case == "huge-frame-time":
        data = _bvh(model, 600, 1e6)
    elif case == "many-joints":
        # 20000 joints without channels x 1500 frames: ~1.4 MB of text, 30 M frames x joints
        data = _bvh(model, 1500, 1 / 30, extra_joints=20000)
    elif case == "gzip-bomb":
        z = zlib.compressobj(9, wbits=31)  # gzip container, built in pieces (no 400 MB string here)
        block = b" " * 2**20
        data = z.compress(b"HIERARCHY\n") + b"".join(z.compress(block) for _ in range(400)) + z.flush()
    else:
        raise SystemExit(f"unknown case {case}")
    with TestClient(app) as client:
        client.get("/api/health")
        before = _peak_mb()
        t0 = time.perf_counter()
        r = client.post(
            "/api/classify", files={"file": ("x.bvh", io.BytesIO(data), "text/plain")}, data={"classes": "walk, run"}
        )
        took = time.perf_counter() - t0
    print(
        f"{case}: upload {len(data) / 1024:.0f} KiB -> HTTP {r.status_code} in {took:.2f} s; "
        f"peak RSS {before:.0f} MB before, {_peak_mb():.0f} MB after; {r.text[:160]}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
