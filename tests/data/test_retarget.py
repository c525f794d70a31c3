"""Retargeting between skeletons whose joints map by name or by a joint-map file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from byod_samples import MIXAMO, mixamo_motion
from synthetic import make_motion, skeleton

from motionclip.data.motion import Motion
from motionclip.data.retarget import conform_to, leg_length, read_joint_map, retarget
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError


def _world_rotations(m: Motion) -> torch.Tensor:
    out = [m.rotations[:, 0]]
    for j, p in enumerate(m.skeleton.parents[1:], start=1):
        out.append(out[p] @ m.rotations[:, j])
    return torch.stack(out, 1)


def test_renamed_skeleton_retargets_with_a_joint_map(tmp_path: Path) -> None:
    source = mixamo_motion("wave-left-hand", 40)  # bones 10% longer, Mixamo names
    target = skeleton()
    mapping = tmp_path / "map.csv"
    mapping.write_text("source,target\n" + "".join(f"{v},{k}\n" for k, v in MIXAMO.items()))
    out = retarget(source, target, read_joint_map(mapping))
    ref = make_motion("wave-left-hand", 40)
    assert out.skeleton == target
    assert torch.allclose(out.rotations, ref.rotations, atol=1e-5)  # local rotations copied
    # root path rescaled by the leg-length ratio (1 / 1.1): the original motion comes back
    assert leg_length(source.skeleton) == pytest.approx(1.1 * leg_length(target))
    assert torch.allclose(out.positions(), ref.positions(), atol=1e-4)


def test_extra_joints_fold_into_the_next_mapped_joint() -> None:
    base = make_motion("walk", 20)
    sk = base.skeleton
    # insert "Spine_twist" between Spine (1) and Chest (2), rotated 30 deg, plus a leaf under the head
    names = list(sk.names[:2]) + ["Spine_twist"] + list(sk.names[2:]) + ["HeadTop_End"]
    parents = [-1, 0, 1] + [p + (1 if p >= 2 else 0) for p in sk.parents[2:]] + [5]
    parents[3] = 2  # Chest hangs under the twist joint
    offsets = np.concatenate([sk.offsets[:2], np.zeros((1, 3)), sk.offsets[2:], [[0, 0.1, 0]]])
    twist = torch.tensor([[0.866, 0.0, 0.5], [0.0, 1.0, 0.0], [-0.5, 0.0, 0.866]])
    rot = torch.cat([base.rotations[:, :2], twist.expand(20, 1, 3, 3), base.rotations[:, 2:],
                     torch.eye(3).expand(20, 1, 3, 3)], dim=1)  # fmt: skip
    src = Motion(Skeleton(names, parents, offsets), rot, base.root_translation, base.fps)
    out = retarget(src, sk)
    keep = [names.index(n) for n in sk.names]
    assert torch.allclose(_world_rotations(out), _world_rotations(src)[:, keep], atol=1e-5)
    assert torch.allclose(out.positions(), src.positions()[:, keep], atol=1e-4)


def test_reordered_joints_conform_without_changing_the_pose() -> None:
    m = make_motion("walk", 10)
    sk = m.skeleton
    order = [0, 13, 14, 15, 16, 17, 18, 19, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    inv = {j: i for i, j in enumerate(order)}
    parents = [inv[sk.parents[j]] if sk.parents[j] >= 0 else -1 for j in order]
    other = Motion(Skeleton([sk.names[j] for j in order], parents, sk.offsets[order]), m.rotations[:, order],
                   m.root_translation, m.fps)  # fmt: skip
    back, ok = conform_to(other, sk)
    assert ok and back.skeleton.names == sk.names
    assert torch.allclose(back.positions(), m.positions(), atol=1e-5)


def test_unmappable_skeleton_says_which_joints_are_missing() -> None:
    match = (
        r"motion skeleton does not map onto the model's: 17 of its 21 joints have no match in the motion "
        r"\(Chest, Shoulder_L.*--joint-map"
    )
    with pytest.raises(MotionCLIPError, match=match):
        retarget(mixamo_motion("walk", 10), skeleton())


def test_bad_joint_maps(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"LeftArm": "UpperArm_L", "RightArm": "UpperArm_L"}))
    with pytest.raises(MotionCLIPError, match="several joints map to 'UpperArm_L'"):
        read_joint_map(tmp_path / "a.json")
    (tmp_path / "b.csv").write_text("LeftArm,UpperArm_L,extra\n")
    with pytest.raises(MotionCLIPError, match=r"b.csv:1: expected 'source,target'"):
        read_joint_map(tmp_path / "b.csv")
    with pytest.raises(MotionCLIPError, match="joint-map file not found"):
        read_joint_map(tmp_path / "none.json")
