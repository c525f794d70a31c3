"""Bad input gets one clear error line: corrupt gzip, special files, long prompts, odd text, bad settings."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from motionclip.config import apply_overrides
from motionclip.data.bvh import read_bvh
from motionclip.errors import MotionCLIPError
from motionclip.training.config import TrainRunConfig, validate_run_config


def test_corrupt_gzip_and_special_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bvh.gz"
    bad.write_bytes(gzip.compress(b"HIERARCHY\n" * 100)[:-30] + b"\x00" * 30)
    with pytest.raises(MotionCLIPError, match="cannot read"):
        read_bvh(bad)
    garbage = tmp_path / "garbage.bvh.gz"
    garbage.write_bytes(b"\x1f\x8b" + os.urandom(200))
    with pytest.raises(MotionCLIPError, match="cannot read"):
        read_bvh(garbage)
    fifo = tmp_path / "pipe.bvh"
    os.mkfifo(fifo)
    with pytest.raises(MotionCLIPError, match="not a regular file"):
        read_bvh(fifo)  # would block forever if it were opened


def test_gzip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from motionclip.data import bvh_parse

    monkeypatch.setattr(bvh_parse, "MAX_BVH_BYTES", 1000)
    bomb = tmp_path / "bomb.bvh.gz"
    bomb.write_bytes(gzip.compress(b" " * 100_000))
    with pytest.raises(MotionCLIPError, match="inflates to more than"):
        read_bvh(bomb)


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.batch_size=0", "batch_size"),
        ("train.lr=nan", "train.lr"),
        ("train.lr=-1", "train.lr"),
        ("train.devices=0", "devices"),
        ("model.dropout=1.5", "dropout"),
        ("loss.text=nan", "loss.text"),
        ("loss.limb_velocity=-1", "loss.limb_velocity"),
        ("loss.limb_speed=nan", "loss.limb_speed"),
        ("loss.recipe=bogus", "loss.recipe"),
        ("model.activation=tanh", "model.activation"),
    ],
)
def test_bad_training_settings_are_rejected_before_training(override: str, message: str) -> None:
    run = apply_overrides(TrainRunConfig(), [override])
    with pytest.raises(MotionCLIPError, match=message):
        validate_run_config(run)


def test_cli_errors_are_one_line_even_with_brackets_and_long_prompts(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motionclip.cli import app

    runner = CliRunner()
    long_prompt = "a person walks " * 20  # 300 bytes > 255: not a usable file name
    out = tmp_path / "i.npz"
    r = runner.invoke(app, ["interpolate", long_prompt, "a person runs", "--steps", "2", "-c", str(tiny_checkpoint),
                            "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    model_err = tmp_path / "x[1]" / "missing.bvh"
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("motionclip")
    if not exe.exists():
        pytest.skip("console script not installed")
    proc = subprocess.run([str(exe), "render", str(model_err), "--out", str(tmp_path / "o.png")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "x[1]" in lines[0], proc.stderr


def test_unpaired_surrogates_are_a_clear_error(tiny_checkpoint: Path) -> None:
    from motionclip.generation import load_model

    model = load_model(tiny_checkpoint)
    with pytest.raises(MotionCLIPError, match="not valid Unicode"):
        model.generate("a person \ud800 walks")


def test_bad_output_paths_fail_before_work(tmp_path: Path, tiny_checkpoint: Path) -> None:
    from motionclip.apps.generate import generate_to_files
    from motionclip.generation import load_model
    from motionclip.generation.request import GenerateRequest
    from motionclip.io_utils import atomic_write_text, check_output_path

    (tmp_path / "afile").write_text("x")
    for bad, message in (
        (tmp_path, "is a folder"),
        (tmp_path / "afile" / "out.bvh", "not a folder"),
        (tmp_path / ("x" * 300 + ".bvh"), "longer than 255"),
    ):
        with pytest.raises(MotionCLIPError, match=message):
            check_output_path(bad)
        with pytest.raises(MotionCLIPError, match=message):
            atomic_write_text(bad, "hello")
    model = load_model(tiny_checkpoint)
    calls = []
    model.decode = lambda *a, **k: calls.append(1)  # type: ignore[method-assign]
    (tmp_path / "out.bvh").mkdir()
    with pytest.raises(MotionCLIPError, match="is a folder"):
        generate_to_files(model, GenerateRequest.build(["a person walks"]), tmp_path / "out.bvh")
    assert not calls  # nothing was generated
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(MotionCLIPError, match="not writable"):
            check_output_path(ro / "x.bvh")


@pytest.mark.parametrize("fps", [0.0, float("nan"), -30.0])
def test_prepare_rejects_bad_fps_before_reading(fps: float, tmp_path: Path) -> None:
    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    with pytest.raises(MotionCLIPError, match="fps"):
        prepare_dataset("bandai-namco", tmp_path, tmp_path / "c.safetensors", DataConfig(fps=fps), workers=1)


def test_one_corrupt_take_is_reported_not_fatal(synthetic_root: Path, tmp_path: Path) -> None:
    import shutil

    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    root = tmp_path / "data"
    shutil.copytree(synthetic_root, root)
    victim = sorted(root.rglob("*.bvh*"))[0]
    victim.write_bytes(b"\x1f\x8b" + os.urandom(300))  # corrupt gzip in place of a take
    summary = prepare_dataset("bandai-namco", root, tmp_path / "c.safetensors",
                              DataConfig(window=30, stride=10, val_fraction=0.25, test_fraction=0.25), workers=1,
                              progress=False)  # fmt: skip
    assert any(victim.name in p for p in summary["problems"]), summary["problems"]


@pytest.mark.parametrize(
    "section, value, message",
    [
        ({"activation": None}, None, "must be str"),
        ({"num_layers": "many"}, None, "invalid literal"),
        ({"num_layers": True}, None, "must be int"),
        ({"dropout": [0.1]}, None, "must be float"),
    ],
)
def test_config_values_of_the_wrong_type_are_one_line_errors(section: dict, value, message: str) -> None:  # noqa: ANN001
    from motionclip.config import from_dict
    from motionclip.model.config import ModelConfig, TransformerConfig

    with pytest.raises(MotionCLIPError, match=message):
        from_dict(TransformerConfig, section)
    with pytest.raises(MotionCLIPError, match=message):  # nested in the model config, as stored
        from_dict(ModelConfig, {"architecture": section})


def test_config_text_values_are_parsed_like_overrides() -> None:
    from motionclip.config import from_dict
    from motionclip.training.config import TrainConfig

    assert from_dict(TrainConfig, {"lr": "1e-3", "batch_size": "16"}).lr == 1e-3  # YAML reads 1e-3 as text


def test_model_settings_checked_at_checkpoint_load(tiny_checkpoint: Path, tmp_path: Path) -> None:
    import json

    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from motionclip.generation import load_model
    from motionclip.tagged import MODEL_CHECKPOINT

    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = json.loads(fh.metadata()[MODEL_CHECKPOINT.key])
    state = load_file(str(tiny_checkpoint))
    config = meta["config"]
    for patch, message in (
        ({"architecture": {**config["architecture"], "activation": "swish"}}, "model.activation"),
        ({"generation": {**config["generation"], "top_k": 0}}, "generation.top_k"),
    ):
        bad = tmp_path / "bad.safetensors"
        patched = {**meta, "config": {**config, **patch}}
        save_file(state, str(bad), metadata={MODEL_CHECKPOINT.key: json.dumps(patched)})
        with pytest.raises(MotionCLIPError, match=message):
            load_model(bad)


def test_prepare_removes_the_temporary_of_a_killed_run(synthetic_root: Path, tmp_path: Path) -> None:
    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    out = tmp_path / "cache.safetensors"
    stale = tmp_path / ".cache.safetensors.ab12cd34.safetensors"  # what atomic_path leaves on kill -9
    stale.write_bytes(b"\0" * 100)
    other = tmp_path / ".other.safetensors.ab12cd34.safetensors"
    other.write_bytes(b"x")
    prepare_dataset("bandai-namco", synthetic_root, out, DataConfig(window=30, stride=10), workers=1, progress=False)
    assert out.is_file() and not stale.exists() and other.exists()


def test_nan_end_site_offset_is_refused_by_classify_and_render(tmp_path: Path) -> None:
    """A NaN End Site offset once reached the renderer (and classify) as a NaN bone; the reader refuses it."""
    from bvh_samples import CHAIN_BVH, write_text
    from typer.testing import CliRunner

    import motionclip
    from motionclip.cli import app

    bad = write_text(tmp_path / "nan-end.bvh", CHAIN_BVH.replace("OFFSET 0 0 5", "OFFSET nan 0 5"))
    result = CliRunner().invoke(app, ["render", str(bad), "--out", str(tmp_path / "o.png")])
    assert result.exit_code != 0 and isinstance(result.exception, MotionCLIPError)
    assert "non-finite End Site offset nan 0 5" in str(result.exception)
    assert not (tmp_path / "o.png").exists()
    from motionclip.model.checkpoint import shipped_checkpoint

    if not shipped_checkpoint().exists():
        pytest.skip("no shipped checkpoint")
    model = motionclip.load()
    with pytest.raises(MotionCLIPError, match="non-finite End Site offset"):
        motionclip.classify(model, str(bad), "walk,run")
