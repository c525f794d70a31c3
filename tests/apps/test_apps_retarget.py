"""The applications accept motions of other rigs: the canonical body, or a --joint-map for names no rule reads."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from byod_samples import mixamo_motion  # noqa: E402

from motionclip.apps.inputs import motion_latent, to_model_skeleton  # noqa: E402
from motionclip.cli import app  # noqa: E402
from motionclip.data.io import write_motion  # noqa: E402
from motionclip.errors import MotionCLIPError  # noqa: E402

runner = CliRunner()


def anonymous_motion(action: str, frames: int) -> tuple[Any, dict[str, str]]:
    """The synthetic motion with joint names no rule can read (j0, j1, ...), and the joint
    map that names them."""
    from synthetic import make_motion

    from motionclip.data.motion import Motion
    from motionclip.data.skeleton import Skeleton

    m = make_motion(action, frames)
    names = tuple(f"j{i}" for i in range(m.skeleton.num_joints))
    sk = Skeleton(names, m.skeleton.parents, m.skeleton.offsets, m.skeleton.end_sites)
    return Motion(sk, m.rotations, m.root_translation, m.fps), dict(zip(names, m.skeleton.names))


@pytest.fixture()
def anonymous_file(tmp_path: Path) -> tuple[Path, Path]:
    motion, mapping = anonymous_motion("wave-left-hand", 40)
    path = write_motion(motion, tmp_path / "anonymous_wave.bvh")
    (tmp_path / "map.json").write_text(json.dumps(mapping))
    return path, tmp_path / "map.json"


def test_another_rig_reads_like_the_training_rig_without_a_joint_map(model: Any) -> None:
    """A Mixamo-named rig 10 % taller, no joint map: the canonical body gives the same latent."""
    from synthetic import make_motion

    z_other = motion_latent(model, mixamo_motion("wave-left-hand", 40))
    z_same = motion_latent(model, make_motion("wave-left-hand", 40))
    assert torch.allclose(z_other, z_same, atol=1e-3)


def test_a_rig_whose_names_say_nothing_needs_a_joint_map(model: Any) -> None:
    from synthetic import make_motion

    motion, mapping = anonymous_motion("wave-left-hand", 40)
    with pytest.raises(MotionCLIPError, match="cannot find the humanoid joints.*--joint-map"):
        to_model_skeleton(model, motion)
    z = motion_latent(model, motion, mapping)
    assert torch.allclose(z, motion_latent(model, make_motion("wave-left-hand", 40)), atol=1e-3)


def test_classify_interpolate_edit_cli_with_a_joint_map(tiny_checkpoint: Path, anonymous_file: tuple[Path, Path],
                                                        tmp_path: Path) -> None:  # fmt: skip
    path, mapping = anonymous_file
    args = ["classify", str(path), "--classes", "walk,wave-left-hand", "-c", str(tiny_checkpoint), "--json"]
    r = runner.invoke(app, [*args, "--joint-map", str(mapping)])
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert len(json.loads(r.stdout)["predictions"]) == 2
    r = runner.invoke(app, args)
    assert isinstance(r.exception, MotionCLIPError) and "cannot find the humanoid joints" in str(r.exception)
    out = tmp_path / "i.npz"
    r = runner.invoke(app, ["interpolate", str(path), "a person walks", "--steps", "2", "-o", str(out),
                            "--joint-map", str(mapping), "-c", str(tiny_checkpoint)])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    r = runner.invoke(app, ["edit", "--motion", str(path), "--add", "proud", "-o", str(tmp_path / "e.npz"),
                            "--joint-map", str(mapping), "-c", str(tiny_checkpoint)])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)


def test_outputs_on_the_users_rig(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """--rig: generate / interpolate / edit write motion files on the user's skeleton, in its units."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from rig_samples import CMU, canonical_walk, write_rig_file

    from motionclip.data.bvh import read_bvh

    theirs = write_rig_file(CMU, canonical_walk(), tmp_path / "theirs.bvh")
    ck = ["-c", str(tiny_checkpoint)]
    runs = [
        ["generate", "a person walks", "-o", str(tmp_path / "g.bvh"), "--rig", str(theirs)],
        ["interpolate", "a person walks", "a person runs", "--steps", "2", "-o", str(tmp_path / "i.bvh"),
         "--rig", str(theirs)],
        ["edit", "--text", "a person walks", "--add", "proud", "-o", str(tmp_path / "e.bvh"), "--rig", str(theirs)],
    ]  # fmt: skip
    for args in runs:
        r = runner.invoke(app, [*args, *ck])
        assert r.exit_code == 0, r.output + repr(r.exception)
    for name in ("g.bvh", "i_1.bvh", "e.bvh"):
        m = read_bvh(tmp_path / name)
        assert m.skeleton.names == read_bvh(theirs).skeleton.names
        assert 15 < float(m.positions()[..., 1].max()) * 100 < 40  # CMU units (a body ~25 units tall)
    r = runner.invoke(app, ["generate", "a person walks", "-o", str(tmp_path / "x.bvh"), "--rig", "nope.bvh", *ck])
    assert isinstance(r.exception, MotionCLIPError) and "nope.bvh" in str(r.exception)


def test_up_and_units_options_reach_the_reader(tiny_checkpoint: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from rig_samples import CMU, canonical_walk, write_rig_file

    path = write_rig_file(CMU, canonical_walk(), tmp_path / "cmu.bvh")
    base = ["classify", str(path), "--classes", "walk,wave-left-hand", "-c", str(tiny_checkpoint), "--json"]
    auto = runner.invoke(app, base)
    forced = runner.invoke(app, [*base, "--units", "cmu", "--up", "y"])
    assert auto.exit_code == 0 and forced.exit_code == 0, auto.output + forced.output
    assert json.loads(auto.stdout)["predictions"] == json.loads(forced.stdout)["predictions"]
    # the canonical features do not depend on size (the root path is scaled by leg length), so even a
    # wrong unit recognises the same; it matters for --rig output and the reported heights
    wrong = runner.invoke(app, [*base, "--units", "m"])
    assert wrong.exit_code == 0
    got = json.loads(wrong.stdout)["predictions"]
    assert [p["label"] for p in got] == [p["label"] for p in json.loads(auto.stdout)["predictions"]]
    bad = runner.invoke(app, [*base, "--units", "furlong"])
    assert isinstance(bad.exception, MotionCLIPError) and "unknown unit" in str(bad.exception)


def test_classify_and_edit_print_how_a_file_was_read(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """A file in CMU units on a canonical-body model: the unit found is said on stderr (not in --json)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from rig_samples import CMU, canonical_walk, write_rig_file

    path = write_rig_file(CMU, canonical_walk(), tmp_path / "cmu.bvh")
    r = runner.invoke(app, ["classify", str(path), "--classes", "walk,run", "-c", str(tiny_checkpoint), "--json"])
    assert r.exit_code == 0, r.output
    assert "units: cmu" in r.stderr and "converted to metres" in r.stderr
    json.loads(r.stdout)  # stdout stays one JSON document
    out = tmp_path / "edit.bvh"
    r = runner.invoke(
        app, ["edit", "--motion", str(path), "--add", "elderly", "-c", str(tiny_checkpoint), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert r.stderr.count("units: cmu") == 1 and out.is_file()


def test_commands_read_a_real_take_longer_than_480_frames(tiny_checkpoint: Path, shared_dir: Path,
                                                          tmp_path: Path) -> None:  # fmt: skip
    """The take that crashed `--up auto` (issue 24): classify, render and edit read it cleanly."""
    take = (
        shared_dir
        / "data/bandai-namco/Bandai-Namco-Research-Motiondataset-1/data/dataset-1_dance-short_normal_001.bvh.gz"
    )
    ck = ["-c", str(tiny_checkpoint)]
    r = runner.invoke(app, ["classify", str(take), "--classes", "walk,dance", "--json", *ck])
    assert r.exit_code == 0, r.output + repr(r.exception)
    r = runner.invoke(app, ["render", str(take), "-o", str(tmp_path / "d.png")])
    assert r.exit_code == 0, r.output + repr(r.exception)
    r = runner.invoke(app, ["edit", "--motion", str(take), "--add", "proud", "-o", str(tmp_path / "e.npz"), *ck])
    assert r.exit_code == 0, r.output + repr(r.exception)
