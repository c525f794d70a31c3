"""Small procedural motion data the tests generate themselves (no real mocap needed).

A 21-joint skeleton with Bandai Namco joint names (T-pose, facing +Z, left = +X, metres)
and a few procedural actions, plus a writer for a miniature Bandai-style dataset folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import roma
import torch

from motionclip.data.bvh import write_bvh
from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.model.config import TransformerConfig

NAMES = (
    "Hips", "Spine", "Chest", "Neck", "Head",
    "Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L",
    "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R",
    "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
    "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R",
)  # fmt: skip
PARENTS = (-1, 0, 1, 2, 3, 2, 5, 6, 7, 2, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
J = {n: i for i, n in enumerate(NAMES)}
ACTIONS = ("walk", "wave-left-hand", "wave-right-hand", "raise-up-both-hands")
STYLES = ("normal", "elderly")


def skeleton() -> Skeleton:
    off = np.zeros((21, 3))
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
    return Skeleton(NAMES, PARENTS, off, {J["Head"]: (0.0, 0.1, 0.0)})


def make_motion(
    action: str = "walk",
    frames: int = 60,
    fps: float = 30.0,
    style: str = "normal",
    heading_deg: float = 0.0,
    phase: float = 0.0,
) -> Motion:
    """A procedural clip; ``style='elderly'`` is slower with a bent spine."""
    t = torch.arange(frames, dtype=torch.float32) / fps
    speed = 0.6 if style == "elderly" else 1.0
    w = 2 * math.pi * 1.2 * speed
    rotvec = torch.zeros(frames, 21, 3)
    trans = torch.zeros(frames, 3)
    trans[:, 1] = 0.92
    if style == "elderly":
        rotvec[:, J["Spine"], 0] = 0.35
    # arms down at the sides from the T-pose
    rotvec[:, J["UpperArm_L"], 2] = -1.3
    rotvec[:, J["UpperArm_R"], 2] = 1.3
    if action == "walk":
        swing = 0.5 * torch.sin(w * t + phase)
        rotvec[:, J["UpperLeg_L"], 0] = swing
        rotvec[:, J["UpperLeg_R"], 0] = -swing
        rotvec[:, J["LowerLeg_L"], 0] = 0.4 * (1 + torch.sin(w * t + phase + 1.0))
        rotvec[:, J["LowerLeg_R"], 0] = 0.4 * (1 + torch.sin(w * t + phase + 1.0 + math.pi))
        trans[:, 2] = 1.2 * speed * t
    else:
        wave = torch.sin(2 * w * t + phase)
        sides = {"wave-left-hand": ("L",), "wave-right-hand": ("R",), "raise-up-both-hands": ("L", "R")}[action]
        for side in sides:
            s = 1.0 if side == "L" else -1.0
            rotvec[:, J[f"UpperArm_{side}"], 2] = s * (0.2 if action.startswith("wave") else 1.2)
            if action.startswith("wave"):
                rotvec[:, J[f"LowerArm_{side}"], 2] = s * (1.0 + 0.5 * wave)
    heading = torch.zeros(frames, 3)
    heading[:, 1] = math.radians(heading_deg)
    root = roma.rotvec_to_rotmat(heading) @ roma.rotvec_to_rotmat(rotvec[:, 0])
    rot = roma.rotvec_to_rotmat(rotvec)
    rot[:, 0] = root
    trans = (roma.rotvec_to_rotmat(heading) @ trans[..., None])[..., 0] + torch.tensor([0.3, 0.0, -0.5])
    return Motion(skeleton(), rot, trans, fps)


def write_bandai_like(root: Path, takes_per_pair: int = 3, frames: int = 80) -> Path:
    """A miniature copy of the Bandai Namco layout (dataset-2 only)."""
    part = root / "Bandai-Namco-Research-Motiondataset-2"
    (part / "cfg").mkdir(parents=True, exist_ok=True)
    (part / "data").mkdir(parents=True, exist_ok=True)
    (part / "cfg" / "content_label.txt").write_text("\n".join(f"dataset-2_{a}" for a in ACTIONS) + "\n")
    (part / "cfg" / "style_label.txt").write_text("\n".join(f"dataset-2_{s}" for s in STYLES) + "\n")
    for ci, action in enumerate(ACTIONS):
        for si, style in enumerate(STYLES):
            for k in range(takes_per_pair):
                name = f"dataset-2_{action}_{style}_{k + 1:03d}"
                m = make_motion(action, frames, style=style, heading_deg=37.0 * k, phase=0.7 * k)
                write_bvh(m, part / "data" / f"{name}.bvh.gz")
                (part / "data" / f"{name}.json").write_text(json.dumps({"content": ci, "style": si}))
    return root


def tiny_model_config() -> TransformerConfig:
    """Latent 384 so the real MiniLM backend fits; one small layer each side."""
    return TransformerConfig(latent_dim=384, num_layers=1, num_heads=4, ff_size=64, dropout=0.0)
