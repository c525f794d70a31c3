"""The applications accept motions on other skeletons: retargeted by joint name or --joint-map."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from byod_samples import MIXAMO, mixamo_motion  # noqa: E402

from motionclip.apps.sources import motion_latent, to_model_skeleton  # noqa: E402
from motionclip.cli import app  # noqa: E402
from motionclip.data.io import write_motion  # noqa: E402
from motionclip.errors import MotionCLIPError  # noqa: E402

runner = CliRunner()


@pytest.fixture()
def mixamo_file(tmp_path: Path) -> tuple[Path, Path]:
    path = write_motion(mixamo_motion("wave-left-hand", 40), tmp_path / "mixamo_wave.bvh")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({v: k for k, v in MIXAMO.items()}))
    return path, mapping


def test_latent_of_a_retargeted_motion_matches_the_original(model: Any) -> None:
    from synthetic import make_motion

    mapping = {v: k for k, v in MIXAMO.items()}
    z_other = motion_latent(model, mixamo_motion("wave-left-hand", 40), mapping)
    z_same = motion_latent(model, make_motion("wave-left-hand", 40))
    assert torch.allclose(z_other, z_same, atol=1e-3)
    with pytest.raises(MotionCLIPError, match="does not map onto the model.*--joint-map"):
        to_model_skeleton(model, mixamo_motion("walk", 10))


def test_classify_and_interpolate_cli_with_a_joint_map(tiny_checkpoint: Path, mixamo_file: tuple[Path, Path],
                                                       tmp_path: Path) -> None:  # fmt: skip
    path, mapping = mixamo_file
    args = ["classify", str(path), "--classes", "walk,wave-left-hand", "-c", str(tiny_checkpoint), "--json"]
    r = runner.invoke(app, [*args, "--joint-map", str(mapping)])
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert len(json.loads(r.output)["predictions"]) == 2
    r = runner.invoke(app, args)
    assert isinstance(r.exception, MotionCLIPError) and "does not map onto the model" in str(r.exception)
    out = tmp_path / "i.npz"
    r = runner.invoke(app, ["interpolate", str(path), "a person walks", "--steps", "2", "-o", str(out),
                            "--joint-map", str(mapping), "-c", str(tiny_checkpoint)])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    r = runner.invoke(app, ["edit", "--motion", str(path), "--add", "proud", "-o", str(tmp_path / "e.npz"),
                            "--joint-map", str(mapping), "-c", str(tiny_checkpoint)])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
