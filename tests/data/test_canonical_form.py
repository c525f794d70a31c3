"""Canonical form: origin, facing +Z, rigid (distances kept), resampling, window agreement."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import roma
import torch
from synthetic import J, make_motion

from motionclip.data.body import body_from_rig
from motionclip.data.bvh import read_bvh
from motionclip.data.cache import MotionCache, canonical_window
from motionclip.data.canonical import _left_right_pairs, canonicalize, facing_direction, heading_yaw, resample
from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import SkeletonError

HEADINGS = (0.0, 37.0, 90.0, 180.0, -135.0)
PLUS_Z = torch.tensor([0.0, 0.0, 1.0])


def pairwise(pos: torch.Tensor) -> torch.Tensor:
    return torch.cdist(pos.double(), pos.double())


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("action", ["walk", "wave-right-hand"])
def test_canonicalize_invariants(heading: float, action: str) -> None:
    m = make_motion(action, 30, heading_deg=heading, phase=0.3)
    c = canonicalize(m)
    assert len(c) == len(m) and c.fps == m.fps
    # frame 0's root is over the origin; its height is kept
    torch.testing.assert_close(c.root_translation[0, [0, 2]], torch.zeros(2), atol=1e-6, rtol=0)
    assert c.root_translation[0, 1].item() == pytest.approx(m.root_translation[0, 1].item(), abs=1e-6)
    # it faces +Z
    torch.testing.assert_close(facing_direction(c, 0), PLUS_Z, atol=1e-5, rtol=0)
    # a rigid motion about the vertical axis: heights, joint distances, bone lengths kept
    pos, cpos = m.positions(), c.positions()
    torch.testing.assert_close(cpos[..., 1], pos[..., 1], atol=1e-5, rtol=0)
    torch.testing.assert_close(pairwise(cpos), pairwise(pos), atol=1e-5, rtol=0)
    for j, p in enumerate(m.skeleton.parents):
        if p >= 0:
            torch.testing.assert_close((cpos[:, j] - cpos[:, p]).norm(dim=-1), (pos[:, j] - pos[:, p]).norm(dim=-1))
    # the procedural clip faces `heading` about +Y, so canonical = Ry(-heading) (p - p0 on the floor)
    origin = torch.tensor([pos[0, 0, 0], 0.0, pos[0, 0, 2]])
    undo = roma.rotvec_to_rotmat(torch.tensor([0.0, -math.radians(heading), 0.0]))
    torch.testing.assert_close(cpos, (pos - origin) @ undo.T, atol=1e-5, rtol=0)
    # only the root changes
    torch.testing.assert_close(c.rotations[:, 1:], m.rotations[:, 1:])


def test_canonicalize_is_idempotent_and_keeps_input() -> None:
    m = make_motion("walk", 20, heading_deg=70.0)
    before = m.rotations.clone()
    c = canonicalize(m)
    torch.testing.assert_close(m.rotations, before)  # input untouched
    cc = canonicalize(c)
    torch.testing.assert_close(cc.positions(), c.positions(), atol=1e-5, rtol=0)


def test_facing_ignores_arm_gestures() -> None:
    """Facing comes from hips and shoulders: pointing an arm forward must not turn it."""
    for heading in (0.0, 60.0, -150.0):
        m = make_motion("walk", 1, heading_deg=heading)
        rot = m.rotations.clone()
        # the left arm points straight ahead (+Z in the body frame), the right one hangs down
        rot[:, J["UpperArm_L"]] = roma.rotvec_to_rotmat(torch.tensor([[0.0, -math.pi / 2, 0.0]]))
        rot[:, J["LowerArm_L"]] = torch.eye(3)
        punch = Motion(m.skeleton, rot, m.root_translation)
        expected = torch.tensor([math.sin(math.radians(heading)), 0.0, math.cos(math.radians(heading))])
        torch.testing.assert_close(facing_direction(punch, 0), expected, atol=1e-5, rtol=0)
        hand = punch.positions()[0, J["Hand_L"]] - punch.positions()[0, J["UpperArm_L"]]
        assert torch.dot(hand / hand.norm(), expected) > 0.99  # the arm really points forward


def test_facing_needs_left_right_joints() -> None:
    sk = Skeleton(("root", "spine", "head"), (-1, 0, 1), np.array([[0, 0, 0], [0, 0.3, 0], [0, 0.3, 0]]))
    m = Motion(sk, torch.eye(3).repeat(2, 3, 1, 1), torch.zeros(2, 3))
    with pytest.raises(SkeletonError, match="left/right"):
        canonicalize(m)
    # keeping the orientation needs no left/right joints
    c = canonicalize(m, face_forward=False)
    torch.testing.assert_close(c.root_translation, m.root_translation)


def test_resample_60_to_30_halves_frames_and_keeps_endpoints() -> None:
    m = make_motion("walk", 61, fps=60.0, heading_deg=20.0)
    r = resample(m, 30.0)
    assert len(r) == 31 and r.fps == 30.0
    # every output frame is an input frame (alpha = 0): first, last and all between
    torch.testing.assert_close(r.positions(), m.positions()[::2], atol=1e-5, rtol=0)
    torch.testing.assert_close(r.positions()[-1], m.positions()[-1], atol=1e-5, rtol=0)
    torch.testing.assert_close(r.root_translation[0], m.root_translation[0])
    assert len(resample(make_motion("walk", 60, fps=60.0), 30.0)) == 30
    assert r.duration == pytest.approx(m.duration, abs=1 / 30)


def test_resample_up_gives_valid_slerp_midpoints() -> None:
    m = make_motion("wave-left-hand", 11, fps=30.0)
    up = resample(m, 60.0)
    assert len(up) == 21 and up.fps == 60.0
    torch.testing.assert_close(up.rotations[::2], m.rotations, atol=1e-5, rtol=0)
    mid = up.rotations[1::2].double()
    eye = torch.eye(3, dtype=torch.float64).expand_as(mid)
    torch.testing.assert_close(mid.transpose(-1, -2) @ mid, eye, atol=1e-5, rtol=0)
    ones = torch.ones(mid.shape[:-2], dtype=torch.float64)
    torch.testing.assert_close(torch.linalg.det(mid), ones, atol=1e-5, rtol=0)
    d_left = roma.rotmat_geodesic_distance(m.rotations[:-1].double(), mid)
    d_right = roma.rotmat_geodesic_distance(mid, m.rotations[1:].double())
    torch.testing.assert_close(d_left, d_right, atol=1e-4, rtol=0)
    torch.testing.assert_close(
        up.root_translation[1::2], (m.root_translation[:-1] + m.root_translation[1:]) / 2, atol=1e-6, rtol=0
    )


def test_resample_other_rates() -> None:
    m = make_motion("walk", 31, fps=30.0)
    assert len(resample(m, 24.0)) == math.floor(30 * 24 / 30) + 1
    same = resample(Motion(m.skeleton, m.rotations, m.root_translation, fps=1 / 0.0333333), 30.0)
    assert same.fps == 30.0 and len(same) == 31  # a rounded BVH frame time is not a resample
    c = canonicalize(make_motion("walk", 41, fps=60.0, heading_deg=45.0), fps=30.0)
    assert len(c) == 21 and c.fps == 30.0
    torch.testing.assert_close(facing_direction(c, 0), PLUS_Z, atol=1e-5, rtol=0)


@pytest.mark.parametrize("start", [0, 7, 19])
def test_canonical_window_agrees_with_canonicalize(start: int) -> None:
    m = make_motion("walk", 40, heading_deg=50.0, phase=1.0)
    yaw = heading_yaw(m.positions(), _left_right_pairs(m.skeleton))
    w = 20
    window = slice(start, start + w)
    rot, trans = canonical_window(m.rotations_6d()[window], m.root_translation[window], yaw[start])
    ref = canonicalize(m[start : start + w], fps=None)
    torch.testing.assert_close(rot, ref.rotations_6d(), atol=1e-5, rtol=0)
    torch.testing.assert_close(trans, ref.root_translation, atol=1e-5, rtol=0)


def test_canonical_window_batched() -> None:
    m = make_motion("walk", 40, heading_deg=-80.0)
    yaw = heading_yaw(m.positions(), _left_right_pairs(m.skeleton))
    starts = torch.tensor([0, 5, 20])
    idx = starts[:, None] + torch.arange(20)[None]
    rot, trans = canonical_window(m.rotations_6d()[idx], m.root_translation[idx], yaw[starts])
    assert rot.shape == (3, 20, 21, 6) and trans.shape == (3, 20, 3)
    for k, s in enumerate(starts.tolist()):
        one = canonical_window(m.rotations_6d()[s : s + 20], m.root_translation[s : s + 20], yaw[s])
        torch.testing.assert_close(rot[k], one[0])
        torch.testing.assert_close(trans[k], one[1])


def test_cached_clip_agrees_with_canonicalize_of_the_file(synthetic_root: Path, synthetic_cache: Path) -> None:
    cache = MotionCache.load(synthetic_cache)
    files = {p.name: p for p in synthetic_root.rglob("*.bvh.gz")}
    w = cache.window
    for take in (0, 5, len(cache.meta["take_names"]) - 1):
        name = cache.meta["take_names"][take]
        motion = body_from_rig(read_bvh(files[f"{name}.bvh.gz"]))[0].motion  # the cache's body
        for start in (0, 13):
            rot, trans = cache.clip(take, start)
            ref = canonicalize(motion[start : start + w], fps=None)
            torch.testing.assert_close(rot, ref.rotations_6d(), atol=1e-4, rtol=0)
            torch.testing.assert_close(trans, ref.root_translation, atol=1e-4, rtol=0)
