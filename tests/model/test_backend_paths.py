"""Backend weights are found after a run folder moves, and --backend-model overrides them on every
command that loads a model."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motionclip.cli import app


def test_local_backend_folder_is_stored_relative_to_the_checkpoint(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    from motionclip.generation import load_model
    from motionclip.model.checkpoint import read_metadata, save_checkpoint

    clip = tmp_path / "a" / "clip"
    clip.mkdir(parents=True)
    model = copy.deepcopy(tiny_model)
    model.config.backend_model = str(clip)
    ckpt = save_checkpoint(model, tmp_path / "a" / "run" / "model.safetensors")
    meta = read_metadata(ckpt)
    # relative to the checkpoint only: the header names no folder of this machine
    assert meta["backend_model_relative"] == meta["config"]["backend_model"] == "../clip"
    assert str(tmp_path) not in ckpt.read_bytes()[:200_000].decode("utf-8", "replace")
    assert Path(load_model(ckpt).backend_model) == clip.resolve()
    beside = save_checkpoint(model, tmp_path / "a" / "beside.safetensors")
    assert read_metadata(beside)["config"]["backend_model"] == "./clip"  # never read as a hub id "clip"

    shutil.move(tmp_path / "a", tmp_path / "elsewhere")  # copy the project to another machine
    moved = load_model(tmp_path / "elsewhere" / "run" / "model.safetensors")
    assert Path(moved.backend_model) == (tmp_path / "elsewhere" / "clip").resolve()
    # a folder that is not beside the checkpoint any more: the backend's error names where it was looked for
    shutil.rmtree(tmp_path / "elsewhere" / "clip")
    gone = load_model(tmp_path / "elsewhere" / "run" / "model.safetensors")
    assert Path(gone.backend_model) == (tmp_path / "elsewhere" / "clip").resolve()
    # --backend-model wins
    forced = load_model(tmp_path / "elsewhere" / "run" / "model.safetensors", backend_model="org/other-clip")
    assert forced.backend_model == "org/other-clip"


def test_older_checkpoints_with_an_absolute_backend_folder_still_load(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    """Checkpoints written before the header held relative paths only stored the absolute folder too:
    it wins while it exists, the relative one is the fallback."""
    import json

    from motionclip.generation import load_model
    from motionclip.model.checkpoint import read_metadata, replace_metadata, save_checkpoint

    clip = tmp_path / "clip"
    clip.mkdir()
    model = copy.deepcopy(tiny_model)
    model.config.backend_model = str(clip)
    ckpt = save_checkpoint(model, tmp_path / "run" / "model.safetensors")
    meta = json.loads(json.dumps(read_metadata(ckpt)))
    meta["config"]["backend_model"] = str(clip)  # as the earlier code wrote it
    from motionclip.generation.text_to_motion import MotionCLIP

    replace_metadata(ckpt, meta, MotionCLIP)
    assert Path(load_model(ckpt).backend_model) == clip
    (tmp_path / "moved" / "clip").mkdir(parents=True)
    shutil.move(tmp_path / "run", tmp_path / "moved" / "run")
    assert load_model(tmp_path / "moved" / "run" / "model.safetensors").backend_model == str(clip)
    shutil.rmtree(clip)
    fallback = load_model(tmp_path / "moved" / "run" / "model.safetensors").backend_model
    assert Path(fallback) == (tmp_path / "moved" / "clip").resolve()


@pytest.mark.parametrize(
    "command",
    [
        ["generate"],
        ["interpolate"],
        ["edit"],
        ["classify"],
        ["retrieve"],
        ["eval", "run"],
        ["eval", "long"],
        ["serve"],
        ["train"],
        ["data", "render-frames"],
    ],
)
def test_every_model_command_takes_backend_model(command: list[str]) -> None:
    r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "--backend-model" in r.output
    assert "--clip-model" not in r.output or command == ["data", "render-frames"]
