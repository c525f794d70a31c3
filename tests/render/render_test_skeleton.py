"""A small procedural 21-joint skeleton (Bandai Namco topology) for the renderer tests, independent of the package."""

from __future__ import annotations

import numpy as np

NAMES = [
    "Hips", "Spine", "Chest", "Neck", "Head",
    "Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L",
    "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R",
    "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
    "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R",
]  # fmt: skip
PARENTS = [-1, 0, 1, 2, 3, 2, 5, 6, 7, 2, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19]
J = {name: i for i, name in enumerate(NAMES)}


def t_pose_offsets() -> np.ndarray:
    """Offsets from each parent in metres; faces +Z, left = +X, arms horizontal."""
    off = np.zeros((21, 3))
    off[J["Hips"]] = [0.0, 0.95, 0.0]
    off[J["Spine"]] = [0.0, 0.10, 0.0]
    off[J["Chest"]] = [0.0, 0.18, 0.0]
    off[J["Neck"]] = [0.0, 0.22, 0.0]
    off[J["Head"]] = [0.0, 0.10, 0.01]
    for s, side in ((1.0, "L"), (-1.0, "R")):
        off[J[f"Shoulder_{side}"]] = [s * 0.04, 0.17, 0.0]
        off[J[f"UpperArm_{side}"]] = [s * 0.13, 0.0, 0.0]
        off[J[f"LowerArm_{side}"]] = [s * 0.28, 0.0, 0.0]
        off[J[f"Hand_{side}"]] = [s * 0.25, 0.0, 0.0]
        off[J[f"UpperLeg_{side}"]] = [s * 0.09, -0.05, 0.0]
        off[J[f"LowerLeg_{side}"]] = [0.0, -0.42, 0.0]
        off[J[f"Foot_{side}"]] = [0.0, -0.40, 0.0]
        off[J[f"Toes_{side}"]] = [0.0, -0.06, 0.13]
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
