"""Write -> read round trips (BVH in several Euler orders, .bvh.gz, npz) and Motion basics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import roma
import torch
from bvh_samples import CHAIN_BVH, chain_with_order, write_text
from synthetic import make_motion

from motionclip.data.bvh import bvh_text, read_bvh, write_bvh
from motionclip.data.io import read_motion, write_motion
from motionclip.data.motion import Motion
from motionclip.data.npz import read_npz, write_npz
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionFormatError

TOL = 1e-4  # metres, and rotation-matrix entries


def random_motion(frames: int = 12, seed: int = 0) -> Motion:
    """The synthetic skeleton with arbitrary rotations everywhere (gimbal-lock cases too)."""
    g = torch.Generator().manual_seed(seed)
    base = make_motion("walk", frames)
    rot = roma.random_rotmat((frames, base.skeleton.num_joints), generator=g)
    # a few exact gimbal-lock poses for ZXY (X = +-90 deg) and a 180-degree turn
    rot[0, 1] = roma.euler_to_rotmat("ZXY", torch.tensor([30.0, 90.0, -40.0]), degrees=True)
    rot[0, 2] = roma.euler_to_rotmat("ZXY", torch.tensor([-70.0, -90.0, 10.0]), degrees=True)
    rot[0, 3] = roma.euler_to_rotmat("ZXY", torch.tensor([180.0, 0.0, 0.0]), degrees=True)
    trans = torch.randn(frames, 3, generator=g)
    return Motion(base.skeleton, rot, trans, fps=30.0)


def assert_same_motion(a: Motion, b: Motion, tol: float = TOL) -> None:
    assert a.skeleton.names == b.skeleton.names
    assert a.skeleton.parents == b.skeleton.parents
    np.testing.assert_allclose(a.skeleton.offsets, b.skeleton.offsets, atol=tol)
    assert a.fps == pytest.approx(b.fps, rel=1e-6)
    assert len(a) == len(b)
    torch.testing.assert_close(a.rotations, b.rotations, atol=tol, rtol=0)
    torch.testing.assert_close(a.root_translation, b.root_translation, atol=tol, rtol=0)
    torch.testing.assert_close(a.positions(), b.positions(), atol=tol, rtol=0)


def assert_same_end_sites(a: Skeleton, b: Skeleton) -> None:
    assert a.end_sites.keys() == b.end_sites.keys()
    for j in a.end_sites:
        np.testing.assert_allclose(a.end_sites[j], b.end_sites[j], atol=1e-9)


@pytest.mark.parametrize("order", ["ZXY", "XYZ", "YXZ", "ZYX"])
def test_bvh_round_trip_any_write_order(tmp_path: Path, order: str) -> None:
    m = random_motion()
    back = read_bvh(write_bvh(m, tmp_path / "m.bvh", euler_order=order))
    assert back.euler_order == order
    assert (
        f"CHANNELS 6 Xposition Yposition Zposition {' '.join(a + 'rotation' for a in order)}"
        in (tmp_path / "m.bvh").read_text()
    )
    assert_same_motion(back, m)


def test_bvh_round_trip_procedural_motion_and_end_sites(tmp_path: Path) -> None:
    m = make_motion("wave-left-hand", 40, heading_deg=120.0)
    back = read_bvh(write_bvh(m, tmp_path / "wave.bvh"))
    assert_same_motion(back, m)
    assert back.skeleton.end_sites.keys() == m.skeleton.end_sites.keys() | {
        j for j in range(21) if not m.skeleton.children(j)
    }
    np.testing.assert_allclose(back.skeleton.end_sites[4], m.skeleton.end_sites[4], atol=1e-9)
    again = read_bvh(write_bvh(back, tmp_path / "again.bvh"))
    assert_same_motion(again, back, tol=1e-5)  # a second trip changes nothing


def test_bvh_round_trip_gz(tmp_path: Path) -> None:
    m = random_motion(seed=1)
    path = write_bvh(m, tmp_path / "m.bvh.gz")
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert_same_motion(read_bvh(path), m)


@pytest.mark.parametrize("order", ["XYZ", "YXZ", "ZYX"])
def test_source_order_is_kept(tmp_path: Path, order: str) -> None:
    src = read_bvh(write_text(tmp_path / "src.bvh", chain_with_order(order, (25.0, -60.0, 170.0))))
    out = write_bvh(src, tmp_path / "out.bvh")  # no order given: the source's
    assert f"CHANNELS 3 {' '.join(a + 'rotation' for a in order)}" in out.read_text()
    back = read_bvh(out)
    assert back.euler_order == order
    assert_same_motion(back, src)
    assert_same_end_sites(back.skeleton, src.skeleton)


def test_hand_written_file_round_trip(tmp_path: Path) -> None:
    src = read_bvh(write_text(tmp_path / "chain.bvh", CHAIN_BVH))
    back = read_bvh(write_bvh(src, tmp_path / "out.bvh"))
    assert_same_motion(back, src)
    np.testing.assert_allclose(back.skeleton.end_sites[2], (0.0, 0.0, 0.05), atol=1e-9)


def test_breadth_first_skeleton_is_written_as_a_valid_tree(tmp_path: Path) -> None:
    # parents precede children but the order is not depth-first
    names = ("Hips", "Spine", "Leg_L", "Leg_R", "Chest", "Knee_L")
    parents = (-1, 0, 0, 0, 1, 2)
    offsets = np.array([[0, 0, 0], [0, 0.1, 0], [0.1, 0, 0], [-0.1, 0, 0], [0, 0.2, 0], [0, -0.4, 0]])
    sk = Skeleton(names, parents, offsets)
    g = torch.Generator().manual_seed(3)
    m = Motion(sk, roma.random_rotmat((5, 6), generator=g), torch.randn(5, 3, generator=g))
    back = read_bvh(write_bvh(m, tmp_path / "bfs.bvh"))
    assert set(back.skeleton.names) == set(names)
    for j, name in enumerate(names):
        k = back.skeleton.index(name)
        p = parents[j]
        assert back.skeleton.parents[k] == (-1 if p < 0 else back.skeleton.index(names[p]))
        torch.testing.assert_close(back.rotations[:, k], m.rotations[:, j], atol=TOL, rtol=0)
        torch.testing.assert_close(back.positions()[:, k], m.positions()[:, j], atol=TOL, rtol=0)


def test_bad_write_order_is_rejected() -> None:
    with pytest.raises(MotionFormatError, match="permutation"):
        bvh_text(make_motion("walk", 3), euler_order="XXY")


def test_npz_round_trip(tmp_path: Path) -> None:
    src = read_bvh(write_text(tmp_path / "src.bvh", chain_with_order("YXZ", (5.0, 6.0, 7.0))))
    for m in (random_motion(seed=2), make_motion("walk", 20), src):
        back = read_npz(write_npz(m, tmp_path / "m.npz"))
        assert back.skeleton == m.skeleton
        assert back.skeleton.end_sites == m.skeleton.end_sites
        assert back.euler_order == m.euler_order
        assert back.fps == m.fps
        torch.testing.assert_close(back.rotations, m.rotations, atol=0, rtol=0)
        torch.testing.assert_close(back.root_translation, m.root_translation, atol=0, rtol=0)
        with np.load(tmp_path / "m.npz") as data:
            assert str(data["format"]) == "motionclip-motion-v1"
            np.testing.assert_allclose(data["positions"], m.positions().numpy(), atol=1e-6)
    # BVH -> npz -> BVH keeps the End Site bones
    out = read_bvh(write_bvh(read_npz(tmp_path / "m.npz"), tmp_path / "again.bvh"))
    assert_same_end_sites(out.skeleton, src.skeleton)


def test_npz_errors(tmp_path: Path) -> None:
    with pytest.raises(MotionFormatError, match="not found"):
        read_npz(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(MotionFormatError, match="cannot read"):
        read_npz(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(MotionFormatError, match="missing keys"):
        read_npz(tmp_path / "other.npz")


def test_read_write_by_extension(tmp_path: Path) -> None:
    m = make_motion("walk", 10)
    for name in ("a.bvh", "a.bvh.gz", "a.npz"):
        assert_same_motion(read_motion(write_motion(m, tmp_path / name)), m)
    with pytest.raises(MotionFormatError, match="unsupported"):
        write_motion(m, tmp_path / "a.fbx")
    with pytest.raises(MotionFormatError, match="unsupported"):
        read_motion(tmp_path / "a.fbx")


def test_len_and_slicing() -> None:
    m = make_motion("walk", 50)
    assert len(m) == 50
    assert m.duration == pytest.approx(50 / 30)
    part = m[10:25]
    assert len(part) == 15
    assert part.fps == m.fps and part.skeleton is m.skeleton and part.euler_order == m.euler_order
    torch.testing.assert_close(part.rotations, m.rotations[10:25])
    torch.testing.assert_close(part.positions(), m.positions()[10:25])
    assert len(m[-5:]) == 5
    assert len(m[:100]) == 50
    with pytest.raises(ValueError, match="resample"):
        m[::2]
    with pytest.raises(TypeError):
        m[3]  # type: ignore[index]
    with pytest.raises(MotionFormatError, match="zero frames"):
        m[20:20]


def test_motion_validation() -> None:
    sk = make_motion("walk", 2).skeleton
    eye = torch.eye(3).repeat(4, 21, 1, 1)
    with pytest.raises(MotionFormatError, match="shape"):
        Motion(sk, torch.eye(3).repeat(4, 20, 1, 1), torch.zeros(4, 3))
    with pytest.raises(MotionFormatError, match="root_translation"):
        Motion(sk, eye, torch.zeros(3, 3))
    bad = torch.zeros(4, 3)
    bad[2, 1] = float("nan")
    with pytest.raises(MotionFormatError, match="NaN"):
        Motion(sk, eye, bad)
    with pytest.raises(MotionFormatError, match="fps"):
        Motion(sk, eye, torch.zeros(4, 3), fps=0)


def test_6d_constructor_round_trip() -> None:
    m = random_motion(seed=4)
    back = Motion.from_6d(m.skeleton, m.rotations_6d(), m.root_translation, m.fps)
    assert m.rotations_6d().shape == (len(m), 21, 6)
    torch.testing.assert_close(back.rotations, m.rotations, atol=1e-5, rtol=0)
