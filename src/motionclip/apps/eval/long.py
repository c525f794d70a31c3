"""``motionclip eval long``: does a long generated motion keep moving, without seams?

For each prompt and duration it generates one motion (the user-facing ``generate`` path)
and reports, beside a real reference where the data has one:

- root speed of every whole second (m/s) and its ratio to the first second (a motion
  that dies or walks backwards shows ratios far below 1 or negative forward progress);
- limb speed (root-relative joint speed, m/s) of every second, and its ratio to the real
  windows of the prompt's content class when ``content`` is given;
- seam jerk: mean joint jerk at the frames around segment boundaries divided by the
  median jerk inside segments (1 = invisible seams).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from motionclip.apps.eval import realism
from motionclip.data.cache import MotionCache
from motionclip.generation import segments
from motionclip.generation.text_to_motion import MotionCLIP


def real_limb_speed(cache: MotionCache, content: str, split: str = "test") -> float | None:
    """Mean limb speed (m/s) of the split's windows of one content class, or None."""
    if content not in cache.contents:
        return None
    idx = cache.window_indices(split)
    idx = idx[cache.window_labels(idx)["content"] == cache.contents.index(content)]
    if len(idx) == 0:
        return None
    return float(realism.window_stats(cache.window_positions(idx), cache.fps, [])["limb_speed"].mean())


def long_report(
    model: MotionCLIP,
    prompt: str,
    seconds: Sequence[float],
    real_limb: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-duration statistics of ``model.generate(prompt, seconds * fps)``."""
    fps = model.fps
    out: dict[str, Any] = {"prompt": prompt, "seed": seed, "real_limb_speed": real_limb, "durations": []}
    for s in seconds:
        frames = round(s * fps)
        motion = model.generate([prompt], frames=frames, seed=seed)[0]
        with torch.no_grad():
            pos = motion.positions().double()
        root = pos[:, 0, [0, 2]]
        per_sec = int(frames // fps)
        root_speed, limb_speed, progress = [], [], []
        forward = None
        for k in range(per_sec):
            a, b = int(k * fps), int((k + 1) * fps)
            step = root[a + 1 : b] - root[a : b - 1]
            root_speed.append(float(step.norm(dim=-1).sum()))
            d = root[b - 1] - root[a]
            if forward is None and d.norm() > 1e-6:
                forward = d / d.norm()
            progress.append(float(d @ forward) if forward is not None else 0.0)
            rel = pos[a:b] - pos[a:b, :1]
            limb_speed.append(float((rel[1:, 1:] - rel[:-1, 1:]).norm(dim=-1).mean() * fps))
        d3 = pos[3:] - 3 * pos[2:-1] + 3 * pos[1:-2] - pos[:-3]
        jerk = d3.norm(dim=-1).mean(-1) * fps**3  # jerk at frames 1.5 .. T-1.5
        n_seg, hop, overlap = segments.plan(frames, model.window)
        seam = torch.zeros(len(jerk), dtype=torch.bool)
        for k in range(1, n_seg):
            lo, hi = k * hop - 2, k * hop + overlap + 1  # the blend and its edges
            seam[max(0, lo) : max(0, min(len(jerk), hi))] = True
        inside = jerk[~seam] if bool((~seam).any()) else jerk
        entry: dict[str, Any] = {
            "seconds": s,
            "frames": frames,
            "segments": n_seg,
            "root_speed_per_second": root_speed,
            "root_speed_ratio_to_first": [
                v / root_speed[0] if root_speed and root_speed[0] > 0 else None for v in root_speed
            ],
            "forward_progress_per_second_m": progress,
            "limb_speed_per_second": limb_speed,
            "limb_speed_ratio_to_real": [v / real_limb for v in limb_speed] if real_limb else None,
            "seam_jerk_ratio": float(jerk[seam].mean() / inside.median()) if bool(seam.any()) else None,
        }
        out["durations"].append(entry)
    return out
