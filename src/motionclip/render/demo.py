"""A procedural 21-joint (Bandai Namco topology) skeleton and walk, for smoke tests and benchmarks.

Kept in the renderer so benchmarks and quick visual checks need no dataset.
"""

from __future__ import annotations

import numpy as np

DEMO_NAMES: list[str] = [
    "Hips", "Spine", "Chest", "Neck", "Head",
    "Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L",
    "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R",
    "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
    "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R",
]  # fmt: skip
DEMO_PARENTS: list[int] = [-1, 0, 1, 2, 3, 2, 5, 6, 7, 2, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19]


def demo_offsets() -> np.ndarray:
    """(21, 3) rest offsets from each parent in metres: faces +Z, left = +X, arms hanging."""
    off = np.zeros((21, 3))
    off[0] = [0.0, 0.95, 0.0]
    off[1] = [0.0, 0.10, 0.0]
    off[2] = [0.0, 0.18, 0.0]
    off[3] = [0.0, 0.22, 0.0]
    off[4] = [0.0, 0.10, 0.01]
    for side, base in ((1.0, 5), (-1.0, 9)):
        off[base] = [side * 0.04, 0.17, -0.01]
        off[base + 1] = [side * 0.13, -0.01, 0.0]
        off[base + 2] = [side * 0.03, -0.28, 0.0]
        off[base + 3] = [side * 0.01, -0.25, 0.03]
    for side, base in ((1.0, 13), (-1.0, 17)):
        off[base] = [side * 0.09, -0.05, 0.0]
        off[base + 1] = [0.0, -0.42, 0.0]
        off[base + 2] = [0.0, -0.40, -0.01]
        off[base + 3] = [0.0, -0.06, 0.13]
    return off


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations about +X; positive swings +Y toward +Z."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((*np.shape(angle), 3, 3))
    out[..., 0, 0] = 1.0
    out[..., 1, 1] = c
    out[..., 1, 2] = -s
    out[..., 2, 1] = s
    out[..., 2, 2] = c
    return out


def forward_kinematics(offsets: np.ndarray, rotations: np.ndarray, root: np.ndarray) -> np.ndarray:
    """Positions (T, J, 3) from rest offsets (J, 3), local rotations (T, J, 3, 3) and root (T, 3)."""
    num_t, num_j = rotations.shape[:2]
    glob = np.zeros_like(rotations)
    pos = np.zeros((num_t, num_j, 3))
    for j, p in enumerate(DEMO_PARENTS):
        if p < 0:
            glob[:, j] = rotations[:, j]
            pos[:, j] = root + offsets[j]
        else:
            glob[:, j] = glob[:, p] @ rotations[:, j]
            pos[:, j] = pos[:, p] + np.einsum("tij,j->ti", glob[:, p], offsets[j])
    return pos


def demo_walk(num_frames: int = 60, fps: float = 30.0, speed: float = 1.2) -> np.ndarray:
    """(T, 21, 3) positions of a stylised walk travelling along +Z."""
    t = np.arange(num_frames) / fps
    phase = 2 * np.pi * 0.9 * t
    rot = np.broadcast_to(np.eye(3), (num_frames, 21, 3, 3)).copy()
    for side, hip, arm in ((1.0, 13, 6), (-1.0, 17, 10)):
        swing = np.sin(phase + (0.0 if side > 0 else np.pi))
        rot[:, hip] = _rot_x(0.45 * swing)  # thigh forward when swing > 0
        knee = 0.15 + 0.55 * np.maximum(0.0, np.sin(phase + (0.0 if side > 0 else np.pi) + 1.3))
        rot[:, hip + 1] = _rot_x(-knee)
        rot[:, hip + 2] = _rot_x(0.2 * knee)
        rot[:, arm] = _rot_x(-0.4 * swing)  # arms counter-swing
        rot[:, arm + 1] = _rot_x(0.25 + 0.15 * np.maximum(0.0, -swing))
    rot[:, 1] = _rot_x(np.full(num_frames, 0.05))
    root = np.stack([np.zeros_like(t), 0.02 * np.cos(2 * phase), speed * t], axis=-1)
    return forward_kinematics(demo_offsets(), rot, root)


def demo_rest(num_frames: int = 1) -> np.ndarray:
    """(T, 21, 3) rest pose repeated."""
    rot = np.broadcast_to(np.eye(3), (num_frames, 21, 3, 3)).copy()
    return forward_kinematics(demo_offsets(), rot, np.zeros((num_frames, 3)))
