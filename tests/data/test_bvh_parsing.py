"""Reading hand-written BVH: channel layouts, orders, End Sites, whitespace, gzip."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from bvh_samples import (
    CHAIN_BVH,
    CHAIN_POSITIONS,
    SIX_CHANNEL_BVH,
    chain_with_order,
    dummy_root_bvh,
    euler_product,
    rx,
    ry,
    rz,
    write_text,
)

from motionclip.data.bvh import read_bvh

ORDERS = ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")


def test_chain_skeleton_and_end_site(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path / "chain.bvh", CHAIN_BVH))
    sk = m.skeleton
    assert sk.names == ("Root", "Arm", "Hand")
    assert sk.parents == (-1, 0, 1)
    np.testing.assert_allclose(sk.offsets, [[0, 0, 0], [0.1, 0, 0], [0, 0.2, 0]], atol=1e-12)
    assert set(sk.end_sites) == {2}
    np.testing.assert_allclose(sk.end_sites[2], (0.0, 0.0, 0.05), atol=1e-12)
    assert len(m) == 3
    assert m.fps == pytest.approx(1 / 0.033333)
    assert m.euler_order == "ZXY"
    np.testing.assert_allclose(m.root_translation.numpy(), [[0, 1, 0], [0.05, 1, 0], [0, 1, 0]], atol=1e-6)


def test_chain_rotations_match_channel_values(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path / "chain.bvh", CHAIN_BVH))
    rot = m.rotations.double().numpy()
    np.testing.assert_allclose(rot[0], np.broadcast_to(np.eye(3), (3, 3, 3)), atol=1e-6)
    np.testing.assert_allclose(rot[1, 0], ry(90), atol=1e-6)
    np.testing.assert_allclose(rot[1, 1], rz(90), atol=1e-6)
    np.testing.assert_allclose(rot[2, 0], rx(90), atol=1e-6)
    np.testing.assert_allclose(rot[2, 1], rx(-90), atol=1e-6)


def test_chain_positions_match_hand_computed(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path / "chain.bvh", CHAIN_BVH))
    np.testing.assert_allclose(m.positions().numpy(), CHAIN_POSITIONS, atol=1e-6)


@pytest.mark.parametrize("order", ORDERS)
def test_any_channel_order(tmp_path: Path, order: str) -> None:
    angles = (30.0, -45.0, 60.0)
    m = read_bvh(write_text(tmp_path / f"{order}.bvh", chain_with_order(order, angles)))
    assert m.euler_order == order
    np.testing.assert_allclose(m.rotations[0, 0].double().numpy(), euler_product(order, angles), atol=1e-6)
    np.testing.assert_allclose(m.rotations[0, 1].double().numpy(), euler_product(order, (10.0, 20.0, 30.0)), atol=1e-6)
    # the child sits 10 cm along the root's rotated +Y
    expected_tip = np.array([0.01, 0.02, 0.03]) + euler_product(order, angles) @ np.array([0, 0.1, 0])
    np.testing.assert_allclose(m.positions()[0, 1].numpy(), expected_tip, atol=1e-6)


def test_six_channel_joints_and_rotation_before_position(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path / "six.bvh", SIX_CHANNEL_BVH))
    sk = m.skeleton
    assert sk.names == ("Hips", "Leg_L", "Leg_R")  # root has two children: nothing folded
    # position channels of non-root joints override OFFSET (99 99 99) as the bone offset
    np.testing.assert_allclose(sk.offsets, [[0, 0, 0], [0.1, 0, 0], [-0.1, 0, 0]], atol=1e-12)
    np.testing.assert_allclose(m.root_translation.numpy(), [[0, 0.9, 0], [0, 0.9, 0]], atol=1e-6)
    # root channels are 'Yrotation Xrotation Zrotation': frame 1 turns the body 90 deg about Y
    np.testing.assert_allclose(m.rotations[1, 0].double().numpy(), ry(90), atol=1e-6)
    pos = m.positions().numpy()
    np.testing.assert_allclose(pos[0, 1], [0.1, 0.9, 0.0], atol=1e-6)
    np.testing.assert_allclose(pos[1, 1], [0.0, 0.9, -0.1], atol=1e-6)
    np.testing.assert_allclose(pos[1, 2], [0.0, 0.9, 0.1], atol=1e-6)
    assert m.euler_order == "ZXY"  # two of three joints use ZXY


def test_three_channel_root_uses_offset_as_position(tmp_path: Path) -> None:
    text = (
        "HIERARCHY\nROOT A\n{\n OFFSET 1 2 3\n CHANNELS 3 Zrotation Xrotation Yrotation\n"
        " JOINT B\n {\n  OFFSET 0 10 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n"
        "  End Site\n  {\n   OFFSET 0 1 0\n  }\n }\n}\n"
        "MOTION\nFrames: 2\nFrame Time: 0.05\n0 0 0 0 0 0\n90 0 0 0 0 0\n"
    )
    m = read_bvh(write_text(tmp_path / "r3.bvh", text))
    assert m.fps == pytest.approx(20.0)
    np.testing.assert_allclose(m.root_translation.numpy(), [[0.01, 0.02, 0.03]] * 2, atol=1e-6)
    # Rz(90) turns the child's +Y offset to -X
    np.testing.assert_allclose(m.positions()[1, 1].numpy(), [0.01 - 0.1, 0.02, 0.03], atol=1e-6)


def test_dummy_root_is_folded_without_moving_joints(tmp_path: Path) -> None:
    # per frame: Hips position and ZXY angles (cm, degrees), as written by dummy_root_bvh
    hips = [((0, 90, 0), (0, 0, 0)), ((5, 91, 2), (10, 20, 30))]
    for k, root_values in enumerate(("0 0 0 0 0 0", "20 0 -30 0 0 90", "3 4 5 10 -20 30")):
        path = write_text(tmp_path / f"dummy{k}.bvh", dummy_root_bvh(root_values))
        folded = read_bvh(path)
        assert folded.skeleton.names == ("Hips", "UpperLeg_L", "UpperLeg_R")
        assert folded.skeleton.parents == (-1, 0, 0)
        vals = [float(v) for v in root_values.split()]
        r0, p0 = euler_product("ZXY", tuple(vals[3:])), np.array(vals[:3]) / 100
        for f, (pos, ang) in enumerate(hips):
            hips_pos = p0 + r0 @ (np.array(pos) / 100)
            hips_rot = r0 @ euler_product("ZXY", ang)
            np.testing.assert_allclose(folded.root_translation[f].numpy(), hips_pos, atol=1e-5)
            np.testing.assert_allclose(folded.rotations[f, 0].double().numpy(), hips_rot, atol=1e-5)
            np.testing.assert_allclose(folded.positions()[f, 1].numpy(), hips_pos + hips_rot @ [0.1, 0, 0], atol=1e-5)
        # without folding the file's first frame gives the same joint positions
        full = read_bvh(path, fold_dummy_root=False)
        assert full.skeleton.names == ("joint_Root", "Hips", "UpperLeg_L", "UpperLeg_R")
        np.testing.assert_allclose(folded.positions()[0].numpy(), full.positions()[0, 1:].numpy(), atol=1e-5)


def _same_motion(a, b) -> None:  # noqa: ANN001
    assert a.skeleton == b.skeleton
    assert a.skeleton.end_sites == b.skeleton.end_sites
    assert a.fps == b.fps
    torch.testing.assert_close(a.rotations, b.rotations)
    torch.testing.assert_close(a.root_translation, b.root_translation)


def test_whitespace_tabs_crlf_blank_lines_and_bom(tmp_path: Path) -> None:
    ref = read_bvh(write_text(tmp_path / "ref.bvh", CHAIN_BVH))
    # indentation by tabs, several spaces and tabs between every token (also inside
    # "Frame  Time:"), blank lines before the file, after MOTION and between frames
    messy = "\n\n" + CHAIN_BVH.replace("  ", "\t").replace(" ", "  \t ").replace("MOTION\n", "MOTION\n\n")
    messy = messy.replace("\n5  \t 100", "\n\n5  \t 100")
    assert "Frame  \t Time:" in messy
    for name, kwargs in (("tabs.bvh", {}), ("crlf.bvh", {"crlf": True})):
        _same_motion(read_bvh(write_text(tmp_path / name, messy, **kwargs)), ref)
    (tmp_path / "bom.bvh").write_bytes(b"\xef\xbb\xbf" + CHAIN_BVH.encode())
    _same_motion(read_bvh(tmp_path / "bom.bvh"), ref)


def test_gzip_files(tmp_path: Path) -> None:
    ref = read_bvh(write_text(tmp_path / "ref.bvh", CHAIN_BVH))
    _same_motion(read_bvh(write_text(tmp_path / "chain.bvh.gz", CHAIN_BVH)), ref)
    _same_motion(read_bvh(write_text(tmp_path / "crlf.bvh.gz", CHAIN_BVH, crlf=True)), ref)
    # gzip is recognised by its magic bytes, whatever the name says
    (tmp_path / "looks_plain.bvh").write_bytes(gzip.compress(CHAIN_BVH.encode()))
    _same_motion(read_bvh(tmp_path / "looks_plain.bvh"), ref)


def test_scale_parameter(tmp_path: Path) -> None:
    path = write_text(tmp_path / "chain.bvh", CHAIN_BVH)
    m = read_bvh(path, scale=1.0)  # file units kept as they are
    np.testing.assert_allclose(m.positions().numpy(), CHAIN_POSITIONS * 100, atol=1e-4)
