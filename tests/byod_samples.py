"""Bring-your-own-data fixtures: a BVH folder on a non-Bandai skeleton with a labels file.

The skeleton is the synthetic one of ``tests/synthetic.py`` renamed to Mixamo-style joint
names (``LeftUpLeg``...), so nothing about it matches the Bandai Namco rig by name.
"""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from motionclip.data.bvh import write_bvh
from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton

MIXAMO = {
    "Hips": "Hips", "Spine": "Spine", "Chest": "Spine1", "Neck": "Neck", "Head": "Head",
    "Shoulder_L": "LeftShoulder", "UpperArm_L": "LeftArm", "LowerArm_L": "LeftForeArm", "Hand_L": "LeftHand",
    "Shoulder_R": "RightShoulder", "UpperArm_R": "RightArm", "LowerArm_R": "RightForeArm", "Hand_R": "RightHand",
    "UpperLeg_L": "LeftUpLeg", "LowerLeg_L": "LeftLeg", "Foot_L": "LeftFoot", "Toes_L": "LeftToeBase",
    "UpperLeg_R": "RightUpLeg", "LowerLeg_R": "RightLeg", "Foot_R": "RightFoot", "Toes_R": "RightToeBase",
}  # fmt: skip
ACTIONS = {
    "walk": ("a person walks forward", "someone is walking"),
    "wave-left-hand": ("a person waves the left hand", "someone waves hello with the left arm"),
    "wave-right-hand": ("a person waves the right hand", "someone waves with the right arm"),
    "raise-up-both-hands": ("a person raises both hands", "someone lifts both arms up"),
}


def mixamo_motion(action: str, frames: int = 90, k: int = 0) -> Motion:
    from synthetic import make_motion

    m = make_motion(action, frames, heading_deg=41.0 * k, phase=0.6 * k)
    sk = m.skeleton
    names = tuple(MIXAMO[n] for n in sk.names)
    return Motion(Skeleton(names, sk.parents, sk.offsets * 1.1, sk.end_sites), m.rotations, m.root_translation * 1.1,
                  m.fps, m.euler_order)  # fmt: skip


def to_z_up(motion: Motion) -> Motion:
    """The same motion as a Z-up tool (Blender) writes it: y -> z, z -> -y, rest pose included."""
    r = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # inverse of Z->Y
    sk = motion.skeleton
    rd = r.double().numpy()
    ends = {j: tuple(float(v) for v in rd @ list(o)) for j, o in sk.end_sites.items()}
    return Motion(Skeleton(sk.names, sk.parents, sk.offsets @ rd.T, ends), r @ motion.rotations @ r.T,
                  motion.root_translation @ r.T, motion.fps, motion.euler_order)  # fmt: skip


def write_bvh_folder(root: Path, per_action: int = 5, frames: int = 90, z_up: int = 0, segments: bool = False,
                     jsonl: bool = False) -> Path:  # fmt: skip
    """``per_action`` takes of each action in subfolders, ``z_up`` of them written Z-up,
    plus ``labels.csv`` (or ``labels.jsonl``) with two descriptions per file."""
    rows = []
    n = 0
    for action, texts in ACTIONS.items():
        (root / action).mkdir(parents=True, exist_ok=True)
        for k in range(per_action):
            m = mixamo_motion(action, frames, k)
            if n < z_up:
                m = to_z_up(m)
            name = f"{action}/take{k:02d}.bvh" + (".gz" if k % 2 else "")
            write_bvh(m, root / name)
            for t in texts:
                rows.append({"file": name, "text": t, "class": action})
            n += 1
    if segments:  # one long take with two labelled actions
        first, second = mixamo_motion("walk", 90), mixamo_motion("raise-up-both-hands", 90)
        both = Motion(first.skeleton, torch.cat([first.rotations, second.rotations]),
                      torch.cat([first.root_translation, second.root_translation]), first.fps)  # fmt: skip
        write_bvh(both, root / "long.bvh")
        rows.append({"file": "long.bvh", "text": "a person walks", "class": "walk", "start": 0, "end": 3})
        rows.append({"file": "long", "text": "a person raises both hands", "class": "raise-up-both-hands",
                     "start": 3.0, "end": 6.0})  # fmt: skip
    if jsonl:
        import json

        (root / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        with open(root / "labels.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, ["file", "text", "class", "start", "end"])
            w.writeheader()
            w.writerows(rows)
    return root
