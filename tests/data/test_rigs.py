"""Any humanoid rig onto the canonical body: landmarks, units, up axis, one convention, and back."""

from __future__ import annotations

import csv
import glob
import math
from pathlib import Path

import numpy as np
import pytest
import roma
import torch
from rig_samples import CMU, MAX3DS, MIXAMO, RIGS, RigSpec, canonical_walk, rig_motion, write_rig_file

from motionclip.data.body import CANONICAL_BODY, NAMES, REFERENCE_OFFSETS, body_from_rig, to_canonical
from motionclip.data.bvh import read_bvh
from motionclip.data.canonical import facing_direction, resample
from motionclip.data.motion import Motion
from motionclip.data.prepare import prepare_dataset
from motionclip.data.rig_export import read_user_rig, to_rig
from motionclip.data.rig_map import LANDMARKS, find_landmarks
from motionclip.data.sources import SourceOptions
from motionclip.data.units import detect_units, rescale
from motionclip.data.up_axis import detect_up, to_y_up
from motionclip.errors import DatasetError, MotionCLIPError, SkeletonError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "bandai-namco"

EXPECTED = {  # landmark -> joint name, per rig (the names that mislead: CMU/3ds Max "LeftShoulder")
    "cmu": {"UpperArm_L": "LeftArm", "Hand_L": "LeftHand", "UpperLeg_L": "LeftUpLeg", "Toes_R": "RightToeBase"},
    "max3ds": {"UpperArm_L": "LeftShoulder", "Hand_L": "LeftWrist", "UpperLeg_L": "LeftHip", "Foot_R": "RightAnkle"},
    "iclone": {"UpperArm_L": "CC_Base_L_Upperarm", "LowerLeg_R": "CC_Base_R_Calf", "Head": "CC_Base_Head"},
    "mixamo": {"UpperArm_L": "mixamorig:LeftArm", "Foot_L": "mixamorig:LeftFoot", "Head": "mixamorig:Head"},
}


@pytest.mark.parametrize("spec", RIGS, ids=lambda s: s.name)
def test_landmarks_are_found_by_name_and_structure(spec: RigSpec) -> None:
    sk = spec.skeleton()
    rig = find_landmarks(sk)
    assert set(rig.joints) == set(LANDMARKS)
    for landmark, joint in EXPECTED[spec.name].items():
        assert sk.names[rig.joints[landmark]] == joint


@pytest.mark.parametrize("spec", RIGS, ids=lambda s: s.name)
def test_every_rig_file_reads_as_the_same_canonical_motion(spec: RigSpec, tmp_path: Path) -> None:
    source = canonical_walk()
    raw = read_bvh(write_rig_file(spec, source, tmp_path / f"{spec.name}.bvh"))
    upright, _ = to_y_up(raw)
    body, notes = body_from_rig(upright)
    assert body.error_mm < 1.0  # the canonical joints sit on the rig's landmarks
    if spec.metres_per_unit != 0.01:
        assert notes and f"units: {'cmu' if spec is CMU else 'm'} (detected)" in notes[0]
    got = resample(body.motion, 30.0)
    n = min(len(got), len(source))
    err = (got.positions()[:n] - source.positions()[:n]).norm(dim=-1).mean()
    assert float(err) < 0.025, f"{spec.name}: canonical joints {float(err) * 1000:.1f} mm from the source"
    assert got.skeleton.names == NAMES and np.allclose(got.skeleton.offsets, REFERENCE_OFFSETS)


def test_the_features_do_not_depend_on_bone_twist() -> None:
    """The same joint positions with another twist about each bone give the same features."""
    from synthetic import make_motion

    m = make_motion("wave-right-hand", 40)
    sk = m.skeleton
    rot = m.rotations.clone()
    g = torch.Generator().manual_seed(0)
    for j in range(1, sk.num_joints):
        kids = sk.children(j)
        if len(kids) != 1:
            continue
        axis = torch.as_tensor(sk.offsets[kids[0]], dtype=torch.float32)
        twist = roma.rotvec_to_rotmat(axis / axis.norm() * float(torch.rand(1, generator=g) * 3))
        rot[:, j] = rot[:, j] @ twist
        rot[:, kids[0]] = twist.T @ rot[:, kids[0]]
    twisted = Motion(sk, rot, m.root_translation, m.fps)
    assert torch.allclose(twisted.positions(), m.positions(), atol=1e-5)
    assert not torch.allclose(twisted.rotations, m.rotations, atol=0.1)
    a, b = to_canonical(m).motion, to_canonical(twisted).motion
    assert torch.allclose(a.rotations, b.rotations, atol=1e-4)


def test_a_taller_actor_gives_the_same_features() -> None:
    from synthetic import make_motion

    m = make_motion("walk", 40)
    tall = rescale(m, 1.2)
    a, b = to_canonical(m).motion, to_canonical(tall).motion
    assert torch.allclose(a.rotations, b.rotations, atol=1e-4)
    assert torch.allclose(a.root_translation, b.root_translation, atol=1e-4)  # root path scaled by leg length


def test_units_are_told_from_body_height() -> None:
    assert detect_units(1.3) == "cm"  # as read (centimetres assumed): a 1.3 m head-to-ankle body
    assert detect_units(0.013) == "m"
    assert detect_units(1.3 / 5.6444) == "cmu"
    assert detect_units(1.3 / 2.54) == "in"
    with pytest.raises(MotionCLIPError, match="cannot tell the file's units.*--units"):
        detect_units(1e-7)


@pytest.mark.parametrize("spec", [CMU, MAX3DS], ids=lambda s: s.name)
def test_a_given_unit_overrides_the_detection(spec: RigSpec, tmp_path: Path) -> None:
    raw = read_bvh(write_rig_file(spec, canonical_walk(), tmp_path / "x.bvh"))
    auto, _ = body_from_rig(raw)
    forced, notes = body_from_rig(raw, units="cmu" if spec is CMU else "m")
    assert "(--units)" in notes[0] and abs(forced.height_m - auto.height_m) < 1e-6


def test_up_auto_never_crashes_on_long_takes() -> None:
    """A take longer than 480 frames (the detector subsamples frames) is read on every path."""
    take = SHARED / "Bandai-Namco-Research-Motiondataset-1" / "data" / "dataset-1_dance-short_normal_001.bvh.gz"
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    m = read_bvh(take)
    assert len(m) > 480
    assert detect_up(m) == "y"
    upright, note = to_y_up(m)
    assert note is None and upright is m
    long = Motion(m.skeleton, m.rotations.repeat(3, 1, 1, 1), m.root_translation.repeat(3, 1), m.fps)
    assert detect_up(long) == "y"


def test_facing_is_defined_on_cmu_rigs_with_zero_length_clavicles(tmp_path: Path) -> None:
    raw = read_bvh(write_rig_file(CMU, canonical_walk(), tmp_path / "cmu.bvh"))
    forward = facing_direction(raw, 0)
    assert math.isfinite(float(forward.norm())) and abs(float(forward.norm()) - 1) < 1e-5


def test_a_rig_whose_joints_cannot_be_found_gets_one_clear_error() -> None:
    sk = MIXAMO.skeleton()
    names = tuple(f"bone{i}" for i in range(sk.num_joints))
    from motionclip.data.skeleton import Skeleton

    with pytest.raises(SkeletonError, match=r"cannot find the humanoid joints .*--joint-map"):
        find_landmarks(Skeleton(names, sk.parents, sk.offsets))
    with pytest.raises(SkeletonError, match="not a joint of this skeleton"):
        find_landmarks(sk, {"nope": "Head"})


@pytest.mark.parametrize("spec", RIGS, ids=lambda s: s.name)
def test_output_on_the_users_rig_reads_back_as_the_same_motion(spec: RigSpec, tmp_path: Path) -> None:
    """--rig: a canonical motion written on the user's rig, in its units and axes."""
    from motionclip.data.bvh import write_bvh

    source = canonical_walk("wave-left-hand", 60)
    rig_file = write_rig_file(spec, canonical_walk(), tmp_path / "theirs.bvh")
    rig = read_user_rig(rig_file)
    assert math.isclose(rig.metres_per_unit, spec.metres_per_unit)
    out = write_bvh(rig.put(source), tmp_path / "out.bvh")
    back = read_bvh(out)
    theirs = spec.skeleton()
    assert sorted(back.skeleton.names) == sorted(theirs.names) and back.euler_order == spec.euler_order
    order = [theirs.names.index(n) for n in back.skeleton.names]  # the writer's depth-first order
    assert np.allclose(back.skeleton.offsets * spec.metres_per_unit / 0.01, theirs.offsets[order], atol=1e-4)
    body, _ = body_from_rig(to_y_up(back)[0])
    err = (body.motion.positions() - source.positions()).norm(dim=-1).mean()
    assert float(err) < 0.03, f"{spec.name}: {float(err) * 1000:.1f} mm"


def test_to_rig_needs_a_canonical_motion() -> None:
    from synthetic import make_motion

    m = make_motion("walk", 10)
    with pytest.raises(SkeletonError, match="canonical body"):
        to_rig(rig_motion(MIXAMO, canonical_walk()), m.skeleton)


def _labels(root: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(root / "labels.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "text", "class"])
        w.writerows(rows)


def test_prepare_reads_a_folder_mixing_rigs_with_default_options(tmp_path: Path) -> None:
    root = tmp_path / "takes"
    rows = []
    for spec in RIGS:
        (root / spec.name).mkdir(parents=True)
        for action in ("walk", "wave-left-hand"):
            for k in range(2):
                name = f"{spec.name}/{action}_{k}"
                write_rig_file(spec, canonical_walk(action, 90), root / f"{name}.bvh")
                rows.append((name, f"a person does {action.replace('-', ' ')}", action))
    _labels(root, rows)
    res = prepare_dataset("bvh", root, tmp_path / "cache.safetensors", progress=False, workers=1)
    assert res["takes"] == len(rows) and not res["problems"]
    assert res["body"] == CANONICAL_BODY and res["body_fit"]["error_mm_max"] < 1.0
    assert any("units: cmu" in n for n in res["notes"]) and any("units: m " in n for n in res["notes"])


def test_a_joint_map_per_sub_folder_serves_rigs_that_share_names(tmp_path: Path) -> None:
    """Two rigs in one folder; one names its joints in a way no rule reads: its sub-folder's map names them."""
    import json

    from motionclip.data.skeleton import Skeleton

    root = tmp_path / "takes"
    (root / "plain").mkdir(parents=True)
    (root / "odd").mkdir()
    sk = MIXAMO.skeleton()
    odd = Skeleton(tuple(f"b{i}" for i in range(sk.num_joints)), sk.parents, sk.offsets)
    m = rig_motion(MIXAMO, canonical_walk())
    from motionclip.data.bvh import write_bvh

    write_bvh(Motion(odd, m.rotations, m.root_translation, m.fps), root / "odd" / "walk.bvh")
    write_rig_file(MIXAMO, canonical_walk(), root / "plain" / "walk.bvh")
    _labels(root, [("odd/walk", "a person walks", "walk"), ("plain/walk", "a person walks", "walk")])
    res = prepare_dataset("bvh", root, tmp_path / "a.safetensors", progress=False, workers=1)
    assert res["takes"] == 1 and "cannot find the humanoid joints" in res["problems"][0]
    rig = find_landmarks(sk)
    (root / "odd" / "joint_map.json").write_text(json.dumps({f"b{j}": landmark for landmark, j in rig.joints.items()}))
    res = prepare_dataset("bvh", root, tmp_path / "b.safetensors", progress=False, workers=1)
    assert res["takes"] == 2 and not res["problems"]


def test_no_usable_takes_says_why(tmp_path: Path) -> None:
    from motionclip.data.bvh import write_bvh
    from motionclip.data.skeleton import Skeleton

    root = tmp_path / "takes"
    root.mkdir()
    sk = MIXAMO.skeleton()
    odd = Skeleton(tuple(f"b{i}" for i in range(sk.num_joints)), sk.parents, sk.offsets)
    m = rig_motion(MIXAMO, canonical_walk())
    write_bvh(Motion(odd, m.rotations, m.root_translation, m.fps), root / "walk.bvh")
    _labels(root, [("walk", "a person walks", "walk")])
    with pytest.raises(DatasetError, match=r"no usable takes .*walk\.bvh: cannot find the humanoid joints"):
        prepare_dataset("bvh", root, tmp_path / "c.safetensors", progress=False, workers=1)


def test_bad_units_and_body_options_fail_before_reading(tmp_path: Path) -> None:
    from motionclip.data.config import DataConfig

    root = tmp_path / "takes"
    root.mkdir()
    _labels(root, [])
    with pytest.raises(MotionCLIPError, match="unknown unit 'furlong'"):
        prepare_dataset("bvh", root, tmp_path / "c.safetensors", options=SourceOptions(units="furlong"))
    with pytest.raises(MotionCLIPError, match="unknown body convention"):
        prepare_dataset("bvh", root, tmp_path / "c.safetensors", cfg=DataConfig(body="smpl"))


def test_real_bandai_takes_keep_their_joints_on_the_canonical_body() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    for path in sorted(glob.glob(str(SHARED / "*2" / "data" / "*_walk_normal_00*.bvh.gz")))[:2]:
        m = read_bvh(path)
        body = to_canonical(m)
        assert body.error_mm < 3.0
        src, got = m.positions(), body.motion.positions()
        ratio = float(np.linalg.norm(REFERENCE_OFFSETS[14:16], axis=1).sum()) / float(
            np.linalg.norm(m.skeleton.offsets[14:16], axis=1).sum()
        )
        for name in ("LowerArm_L", "Foot_R", "Head"):  # same pose, on the reference body's scale
            j = NAMES.index(name)
            rel_src = (src[:, j] - src[:, 0]) * ratio
            rel_got = got[:, j] - got[:, 0]
            assert float((rel_src - rel_got).norm(dim=-1).mean()) < 0.03
