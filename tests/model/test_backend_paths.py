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
    from motionclip.model.checkpoint import load_checkpoint, read_metadata, save_checkpoint

    clip = tmp_path / "a" / "clip"
    clip.mkdir(parents=True)
    model = copy.deepcopy(tiny_model)
    model.config.backend_model = str(clip)
    ckpt = save_checkpoint(model, tmp_path / "a" / "run" / "model.safetensors")
    assert read_metadata(ckpt)["backend_model_relative"] == "../clip"

    shutil.move(tmp_path / "a", tmp_path / "elsewhere")  # copy the project to another machine
    moved = load_checkpoint(tmp_path / "elsewhere" / "run" / "model.safetensors")
    assert Path(moved.backend_model) == (tmp_path / "elsewhere" / "clip").resolve()
    # the stored absolute folder wins while it exists; --backend-model wins over both
    forced = load_checkpoint(tmp_path / "elsewhere" / "run" / "model.safetensors", backend_model="org/other-clip")
    assert forced.backend_model == "org/other-clip"


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
