"""Poses on the tests' 21-joint skeleton (``synthetic``) as position arrays, for the renderer tests."""

from __future__ import annotations

import numpy as np
import synthetic

NAMES = list(synthetic.NAMES)
PARENTS = list(synthetic.PARENTS)
J = synthetic.J


def t_pose_offsets() -> np.ndarray:
    """Offsets from each parent in metres (the tests' one skeleton), hips 0.95 m up."""
    off = np.array(synthetic.skeleton().offsets, dtype=np.float64)
    off[J["Hips"]] = [0.0, 0.95, 0.0]
    return off


def pose_from_offsets(off: np.ndarray) -> np.ndarray:
    pos = np.zeros_like(off)
    for j, p in enumerate(PARENTS):
        pos[j] = off[j] if p < 0 else pos[p] + off[j]
    return pos


def rest_pose() -> np.ndarray:
    return pose_from_offsets(t_pose_offsets())


def arm_raised_pose(side: str) -> np.ndarray:
    """T-pose with one arm pointing straight up from the shoulder."""
    off = t_pose_offsets()
    off[J[f"LowerArm_{side}"]] = [0.0, 0.28, 0.0]
    off[J[f"Hand_{side}"]] = [0.0, 0.25, 0.0]
    return pose_from_offsets(off)


def travelling(num_frames: int, dx: float = 0.0, dz: float = 0.0) -> np.ndarray:
    """Rest pose translated linearly by (dx, 0, dz) over the clip, with a small leg swing."""
    pos = np.repeat(rest_pose()[None], num_frames, axis=0)
    t = np.linspace(0.0, 1.0, num_frames)
    pos[..., 0] += dx * t[:, None]
    pos[..., 2] += dz * t[:, None]
    swing = 0.15 * np.sin(2 * np.pi * 2 * t)[:, None]
    for name in ("Foot_L", "Toes_L"):
        pos[:, J[name], 2] += swing[:, 0]
    for name in ("Foot_R", "Toes_R"):
        pos[:, J[name], 2] -= swing[:, 0]
    return pos
