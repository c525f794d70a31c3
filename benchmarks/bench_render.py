"""Renderer throughput on this machine (single process).

Run:  python benchmarks/bench_render.py
Prints frames/s of ``render_frames`` on a 60-frame procedural walk at 224x224 and 320x320
(setup included), and of one-off ``render_frame`` calls (the one-frame-per-training-window case).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from motionclip.render import RenderConfig, render_frame, render_frames

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import NAMES, PARENTS, make_motion  # noqa: E402  (the tests' procedural walk)

DEMO_NAMES, DEMO_PARENTS = list(NAMES), list(PARENTS)


def demo_walk(frames: int) -> np.ndarray:
    """(T, J, 3) joint positions of a procedural walk."""
    return make_motion("walk", frames).positions().numpy()


def _each_pose(poses: np.ndarray, cfg: RenderConfig) -> None:
    for pose in poses:
        render_frame(pose, DEMO_PARENTS, DEMO_NAMES, cfg)


def _best_of(repeats: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--supersample", type=int, default=2)
    args = parser.parse_args()
    clip = demo_walk(args.frames)
    for size in (224, 320):
        cfg = RenderConfig(width=size, height=size, supersample=args.supersample)
        render_frames(clip[:2], DEMO_PARENTS, DEMO_NAMES, cfg)  # warm caches
        poses = clip[:: max(1, args.frames // 20)]
        seconds = _best_of(args.repeats, partial(render_frames, clip, DEMO_PARENTS, DEMO_NAMES, cfg))
        single = _best_of(args.repeats, partial(_each_pose, poses, cfg))
        print(
            f"{size}x{size} supersample={args.supersample}: "
            f"render_frames {args.frames / seconds:6.1f} frames/s | "
            f"render_frame (one pose per call) {len(poses) / single:6.1f} frames/s"
        )


if __name__ == "__main__":
    main()
