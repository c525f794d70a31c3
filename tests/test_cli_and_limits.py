"""The ``cli`` package: one root app, ``python -m motionclip``, and one typed place for limits."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from motionclip.errors import MotionCLIPError
from motionclip.limits import LIMITS, Limits

COMMANDS = ("data", "train", "generate", "render", "serve", "interpolate", "edit", "classify", "retrieve", "eval")


def test_python_dash_m_runs_the_same_app() -> None:
    for module in ("motionclip", "motionclip.cli"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=True)
        assert all(name in out.stdout for name in COMMANDS), out.stdout


def test_help_does_not_load_the_heavy_libraries() -> None:
    code = (
        "import sys; from motionclip.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "print(*(m in sys.modules for m in ('fastapi', 'pytorch_lightning', 'transformers', 'sentence_transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * 4


def test_the_server_limits_are_the_application_limits_made_stricter() -> None:
    from motionclip.web.limits import DEFAULT_LIMITS, ServingLimits

    assert isinstance(DEFAULT_LIMITS, Limits) and issubclass(ServingLimits, Limits)
    for f in dataclasses.fields(Limits):
        assert getattr(DEFAULT_LIMITS, f.name) <= getattr(LIMITS, f.name), f.name


def test_the_same_check_takes_either_limits() -> None:
    from motionclip.apps.classify import parse_classes
    from motionclip.apps.generate import validate_prompts
    from motionclip.apps.interpolate import check_steps
    from motionclip.web.limits import DEFAULT_LIMITS

    assert check_steps(LIMITS.max_steps) == LIMITS.max_steps
    with pytest.raises(MotionCLIPError, match=f"between 2 and {DEFAULT_LIMITS.max_steps}"):
        check_steps(DEFAULT_LIMITS.max_steps + 1, DEFAULT_LIMITS)
    text = "a" * (DEFAULT_LIMITS.max_text_chars + 1)
    assert validate_prompts([text]) == [text]
    with pytest.raises(MotionCLIPError, match=f"longer than {DEFAULT_LIMITS.max_text_chars}"):
        validate_prompts([text], DEFAULT_LIMITS)
    many = ",".join(f"c{i}" for i in range(DEFAULT_LIMITS.max_classes + 1))
    assert len(parse_classes(many)) == DEFAULT_LIMITS.max_classes + 1
    with pytest.raises(MotionCLIPError, match=f"at most {DEFAULT_LIMITS.max_classes} classes"):
        parse_classes(many, DEFAULT_LIMITS)


def test_grid_needs_a_video_output_checked_in_one_place() -> None:
    from motionclip.apps.outputs import check_output

    assert check_output("a.bvh") == "motion" and check_output("a.mp4", grid=True) == "video"
    with pytest.raises(MotionCLIPError, match="--grid needs a video"):
        check_output("a.bvh", grid=True)
    with pytest.raises(MotionCLIPError, match="unsupported output type"):
        check_output("a.txt")


def test_active_quantile_flag_is_checked_first_and_changes_the_draw(
    tiny_checkpoint,
    synthetic_cache,
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    import numpy as np
    import torch
    from typer.testing import CliRunner

    import motionclip
    from motionclip.cli import app, common
    from motionclip.data.io import read_motion

    def never(*_: object) -> None:
        raise AssertionError("the model was loaded before the option was checked")

    with monkeypatch.context() as m:
        m.setattr(common, "load_model", never)
        for cmd in (["generate", "a person walks"], ["eval", "run", "--data", str(synthetic_cache)]):
            r = CliRunner().invoke(app, [*cmd, "--active-quantile", "1.5"])
            assert isinstance(r.exception, MotionCLIPError), r.output
            assert "--active-quantile must be in [0, 1)" in str(r.exception)

    model = motionclip.load(str(tiny_checkpoint))
    model.bank_activity = torch.linspace(0, 1, model.bank_size)  # so that the quantile has a visible effect
    monkeypatch.setattr(common, "load_model", lambda *_: model)
    roots = {}
    for q in ("0", "0.9"):
        args = ["generate", "a person walks", "--frames", "10", "--samples", "4", "--out", str(tmp_path / f"q{q}.npz")]
        r = CliRunner().invoke(app, [*args, "--active-quantile", q])
        assert r.exit_code == 0, r.output
        assert model.generation.active_quantile == float(q)
        roots[q] = [read_motion(p).root_translation for p in sorted(tmp_path.glob(f"q{q}*.npz"))]
    assert len(roots["0"]) == 4
    assert not all(np.allclose(a, b) for a, b in zip(roots["0"], roots["0.9"], strict=True))


# -- issue 24: every refusal is one "error:" line and exit status 1, and leaves nothing behind ------------------


def _main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the console entry point in this process: (exit status, stderr). Anything but a clean exit
    (a traceback) fails the test, as pytest.raises only accepts SystemExit."""
    import torch

    from motionclip.cli import main

    threads = torch.get_num_threads()  # main() sets one thread for latency-bound commands
    monkeypatch.setattr(sys, "argv", ["motionclip", *args])
    capsys.readouterr()
    try:
        with pytest.raises(SystemExit) as done:
            main()
    finally:
        torch.set_num_threads(threads)
    return int(done.value.code or 0), capsys.readouterr().err


def _files(root) -> list[str]:  # noqa: ANN001
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def walk_bvh(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from synthetic import make_motion

    from motionclip.data.bvh import write_bvh

    return write_bvh(make_motion("walk", frames=8), tmp_path_factory.mktemp("bvh") / "walk.bvh")


def test_cli_refuses_a_checkpoint_without_a_tensor(tiny_checkpoint, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        header = fh.metadata()
    bad = tmp_path / "bad.safetensors"
    save_file({k: v for k, v in load_file(str(tiny_checkpoint)).items() if k != "bank_activity"}, str(bad), header)
    out = tmp_path / "walk.bvh"
    code, err = _main(["generate", "a person walks", "-c", str(bad), "--out", str(out)], capsys, monkeypatch)
    assert (code, err) == (1, f"error: {bad}: checkpoint does not match the model: missing tensor 'bank_activity'\n")
    assert _files(tmp_path) == ["bad.safetensors"]


def test_cli_refuses_pickled_backend_weights(tiny_checkpoint, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    """A checkpoint whose text-backend folder holds only pytorch_model.bin: refused before anything
    unpickles it (the pickle would create ``unpickled``)."""
    import pickle
    import shutil

    from motionclip.generation import load_model
    from motionclip.model.checkpoint import save_checkpoint
    from motionclip.text.minilm import bundled_minilm_dir

    class Trap:
        def __reduce__(self) -> tuple:
            return (open, (str(tmp_path / "unpickled"), "w"))

    backend = tmp_path / "minilm"
    shutil.copytree(bundled_minilm_dir(), backend, ignore=shutil.ignore_patterns("*.safetensors"))
    (backend / "pytorch_model.bin").write_bytes(pickle.dumps(Trap()))
    model = load_model(tiny_checkpoint)
    model.config.backend_model = str(backend)
    ckpt = save_checkpoint(model, tmp_path / "run" / "model.safetensors")
    before = _files(tmp_path)
    out = tmp_path / "walk.bvh"
    code, err = _main(["generate", "a person walks", "-c", str(ckpt), "--out", str(out)], capsys, monkeypatch)
    assert code == 1
    assert err == (
        f"error: {backend.resolve()}: the sentence-transformers weights are pytorch_model.bin (a pickle format); "
        "motionclip loads only safetensors weights. Convert them where you trust the file (load it and "
        "save_pretrained with safe_serialization=True) and use the folder holding model.safetensors\n"
    )
    assert _files(tmp_path) == before  # no output, and nothing was unpickled


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4"])
def test_cli_render_and_generate_to_a_folder_name(  # noqa: ANN001
    suffix, walk_bvh, tiny_checkpoint, tmp_path, capsys, monkeypatch
) -> None:
    folder = tmp_path / f"clip{suffix}"
    folder.mkdir()
    expected = (1, f"error: {folder}: is a folder; give a file name\n")
    code, err = _main(["render", str(walk_bvh), "--out", str(folder), "--size", "16"], capsys, monkeypatch)
    assert (code, err) == expected
    args = ["generate", "a person walks", "-c", str(tiny_checkpoint), "--frames", "4", "--out", str(folder)]
    assert _main(args, capsys, monkeypatch) == expected
    assert _files(tmp_path) == [folder.name]


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4", ".bvh"])
def test_cli_render_and_generate_into_a_read_only_folder(  # noqa: ANN001
    suffix, walk_bvh, tiny_checkpoint, tmp_path, capsys, monkeypatch
) -> None:
    """Read-only: os.access says so (as for a user without rights), or the file system refuses the
    write itself (PermissionError from mkstemp); both are one line naming the output."""
    import os
    import tempfile

    folder = tmp_path / "ro"
    folder.mkdir()
    out = folder / f"walk{suffix}"
    real_access = os.access
    render = ["render", str(walk_bvh), "--out", str(out), "--size", "16"]
    generate = ["generate", "a person walks", "-c", str(tiny_checkpoint), "--frames", "4", "--out", str(out)]
    with monkeypatch.context() as m:
        m.setattr(os, "access", lambda p, mode: False if os.fspath(p) == str(folder) else real_access(p, mode))
        for args in ([render] if suffix != ".bvh" else []) + [generate]:
            assert _main(args, capsys, monkeypatch) == (1, f"error: {out}: folder {folder} is not writable\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:
        m.setattr(tempfile, "mkstemp", denied)
        for args in ([render] if suffix != ".bvh" else []) + [generate]:
            assert _main(args, capsys, monkeypatch) == (1, f"error: {out}: cannot write (Permission denied)\n")
    assert _files(tmp_path) == ["ro"]


def _train(cache, out, *extra: str) -> list[str]:  # noqa: ANN001
    # loss.image=0: no "image loss off" note (MiniLM has no image tower) before the error line
    return [
        "train",
        "--data",
        str(cache),
        "--out",
        str(out),
        "--no-progress",
        "model.num_layers=1",
        "loss.image=0",
        *extra,
    ]


def test_cli_train_refuses_an_accelerator_this_machine_lacks(synthetic_cache, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    import importlib.util
    import re

    if importlib.util.find_spec("torch_xla") is not None:
        pytest.skip("torch_xla is installed")
    out = tmp_path / "run"
    code, err = _main(_train(synthetic_cache, out, "train.accelerator=tpu"), capsys, monkeypatch)
    assert code == 1
    assert re.fullmatch(
        r"error: train\.accelerator=tpu is not available on this machine \(available: auto, cpu(, cuda)?\)\n", err
    ), err
    code, err = _main(_train(synthetic_cache, out, "train.accelerator=abacus"), capsys, monkeypatch)
    assert (code, err) == (1, "error: train.accelerator must be one of auto, gpu, cpu, cuda, mps, tpu; got 'abacus'\n")
    assert not out.exists()


def test_cli_train_refuses_max_frames_below_the_window(synthetic_cache, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    out = tmp_path / "run"
    code, err = _main(_train(synthetic_cache, out, "model.max_frames=10"), capsys, monkeypatch)
    assert (code, err) == (
        1,
        f"error: model.max_frames=10 is shorter than the 30-frame training windows of {synthetic_cache}; "
        "use model.max_frames >= 30\n",
    )
    assert not out.exists()


def test_cli_train_checks_the_checkpoint_to_resume_first(  # noqa: ANN001
    synthetic_cache, tmp_path, capsys, monkeypatch
) -> None:
    """Refused before the run folder, logs/ or a TensorBoard event file exist; in an existing run
    folder nothing new appears."""
    import torch

    from motionclip.model.checkpoint import shipped_checkpoint
    from motionclip.training.ckpt_io import save_state

    empty = tmp_path / "empty.ckpt"
    save_state({}, empty)
    out = tmp_path / "run"
    code, err = _main(_train(synthetic_cache, out, "--resume", str(empty)), capsys, monkeypatch)
    assert (code, err) == (1, f"error: {empty}: not a complete training checkpoint (no 'pytorch-lightning_version')\n")
    assert not out.exists()

    code, err = _main(_train(synthetic_cache, out, "--resume", str(shipped_checkpoint())), capsys, monkeypatch)
    assert (code, err) == (
        1,
        f"error: {shipped_checkpoint()}: this is a motionclip model checkpoint, not a training checkpoint\n",
    )
    assert not out.exists()

    other = tmp_path / "other.ckpt"  # complete, but of another model
    save_state(
        {
            "pytorch-lightning_version": "2.6.0",
            "epoch": 0,
            "global_step": 3,
            "state_dict": {"model.rot_mean": torch.zeros(2, 6)},
            "optimizer_states": [],
            "lr_schedulers": [],
            "loops": {"fit_loop": {}},
        },
        other,
    )
    (out / "checkpoints").mkdir(parents=True)
    (out / "checkpoints" / "step0000003.ckpt").write_bytes(other.read_bytes())
    before = _files(out)
    for resume in (str(other), "last"):
        used = other if resume != "last" else out / "checkpoints" / "step0000003.ckpt"
        code, err = _main(_train(synthetic_cache, out, "--resume", resume), capsys, monkeypatch)
        assert (code, err) == (
            1,
            f"error: cannot resume from {used}: it is not a checkpoint of this model and settings "
            "(it lacks tensor 'model.rot_std')\n",
        )
    assert _files(out) == before  # no logs/, no tensorboard/ event file
