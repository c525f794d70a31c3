"""The public Python API checks its arguments: a wrong type or range is the project's error, with
one line that names the argument, never a TypeError from deep inside torch, and never silently
accepted (``frames=1.5`` giving one frame). Valid calls, NumPy scalars included, still work."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from bvh_samples import CHAIN_BVH, write_text
from synthetic import make_motion, skeleton, tiny_model_config

import motionclip
from motionclip import Motion, canonicalize, read_bvh, read_npz, resample, write_bvh, write_npz
from motionclip.errors import CheckpointError, MotionCLIPError, MotionFormatError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.limits import LIMITS
from motionclip.model.config import ModelConfig


class _Backend:
    """A stand-in text backend (the checks run before any text model would)."""

    name = "fake"
    dim = 384

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        g = torch.Generator().manual_seed(len(texts))
        return torch.nn.functional.normalize(torch.randn(len(texts), self.dim, generator=g), dim=-1)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A randomly initialised model (no checkpoint, no text weights), a motion and files."""
    torch.manual_seed(0)
    model = MotionCLIP(ModelConfig(architecture=tiny_model_config(), window=30, fps=30.0), skeleton()).eval()
    model.set_backend(_Backend())  # type: ignore[arg-type]
    d = tmp_path_factory.mktemp("api-arguments")
    motion = make_motion("walk", 30)
    return {
        "model": model,
        "motion": motion,
        "z": torch.nn.functional.normalize(torch.randn(1, 384), dim=-1),
        "bvh": write_bvh(motion, d / "walk.bvh"),
        "dir": d,
    }


def _motion(ctx: dict[str, Any], **kw: Any) -> Motion:
    m = ctx["motion"]
    args = {"skeleton": m.skeleton, "rotations": m.rotations, "root_translation": m.root_translation, **kw}
    return Motion(**args)


Call = Callable[[dict[str, Any]], object]
NAN, INF = float("nan"), float("inf")

# (id, call, error type, message) -- every one raised a builtin exception before the checks
MISUSE: list[tuple[str, Call, type[Exception], str]] = [
    ("read_bvh(None)", lambda c: read_bvh(None), MotionFormatError, "path must be a file path .*got None"),
    ("read_bvh(123)", lambda c: read_bvh(123), MotionFormatError, "path must be a file path .*got 123"),
    ("read_bvh(scale='1')", lambda c: read_bvh(c["bvh"], scale="1"), MotionFormatError, "scale must be a positive"),
    ("read_npz(None)", lambda c: read_npz(None), MotionFormatError, "path must be a file path"),
    ("write_bvh(None, path)", lambda c: write_bvh(None, c["dir"] / "o.bvh"), MotionCLIPError,
     "motion must be a Motion, got None"),
    ("write_bvh(motion, None)", lambda c: write_bvh(c["motion"], None), MotionFormatError, "path must be a file path"),
    ("write_bvh(euler_order=1)", lambda c: write_bvh(c["motion"], c["dir"] / "o.bvh", euler_order=1),
     MotionFormatError, "euler_order must be a permutation of XYZ, got 1"),
    ("write_npz(None, path)", lambda c: write_npz(None, c["dir"] / "o.npz"), MotionCLIPError,
     "motion must be a Motion, got None"),
    ("write_npz(motion, 1)", lambda c: write_npz(c["motion"], 1), MotionFormatError, "path must be a file path"),
    ("load(123)", lambda c: motionclip.load(123), CheckpointError, "path must be a file path .*got 123"),
    ("load(device='banana')", lambda c: motionclip.load(device="banana"), MotionCLIPError, "invalid device 'banana'"),
    ("load(device=1)", lambda c: motionclip.load(device=1), MotionCLIPError, "device must be a device name"),
    ("load(backend_model=1)", lambda c: motionclip.load(backend_model=1), MotionCLIPError,
     "backend_model is not a string"),
    ("generate(None)", lambda c: c["model"].generate(None), MotionCLIPError,
     "a prompt must be a string or a list of strings, got None"),
    ("generate(123)", lambda c: c["model"].generate(123), MotionCLIPError, "a prompt must be a string .*got 123"),
    ("generate(frames=nan)", lambda c: c["model"].generate("walk", frames=NAN), MotionCLIPError,
     "frames must be a positive integer, got nan"),
    ("generate(frames=inf)", lambda c: c["model"].generate("walk", frames=INF), MotionCLIPError,
     "frames must be a positive integer, got inf"),
    ("generate(samples='2')", lambda c: c["model"].generate("walk", samples="2"), MotionCLIPError,
     "samples must be an integer between 1 and 64, got '2'"),
    ("generate(samples=1.5)", lambda c: c["model"].generate("walk", samples=1.5), MotionCLIPError,
     "samples must be an integer between 1 and 64, got 1.5"),
    ("generate(seed='a')", lambda c: c["model"].generate("walk", seed="a"), MotionCLIPError,
     "seed must be an integer between 0 and .*got 'a'"),
    ("generate(bank_weight='x')", lambda c: c["model"].generate("walk", bank_weight="x"), MotionCLIPError,
     "bank weight must be a number between 0 and 1, got 'x'"),
    ("encode_text(None)", lambda c: c["model"].encode_text(None), MotionCLIPError, "text must be a string"),
    ("encode_text(1)", lambda c: c["model"].encode_text(1), MotionCLIPError, "text must be a string"),
    ("encode_motion('take.bvh')", lambda c: c["model"].encode_motion("take.bvh"), MotionCLIPError,
     r"motions must be a Motion, got 'take.bvh' \(read a file with motionclip.read_motion first\)"),
    ("encode_motion(None)", lambda c: c["model"].encode_motion(None), MotionCLIPError, "motions must be a Motion"),
    ("encode_motion([1])", lambda c: c["model"].encode_motion([c["motion"], 1]), MotionCLIPError,
     r"motions\[1\] must be a Motion, got 1"),
    ("decode('abc')", lambda c: c["model"].decode("abc"), MotionCLIPError, "z must be a tensor or array of numbers"),
    ("decode(None)", lambda c: c["model"].decode(None), MotionCLIPError, "z must be a tensor or array of numbers"),
    ("decode(frames=nan)", lambda c: c["model"].decode(c["z"], NAN), MotionCLIPError, "frames must be an integer"),
    ("reconstruct(None)", lambda c: c["model"].reconstruct(None), MotionCLIPError, "motion must be a Motion"),
    ("canonicalize(None)", lambda c: canonicalize(None), MotionCLIPError, "motion must be a Motion, got None"),
    ("canonicalize(fps='30')", lambda c: canonicalize(c["motion"], fps="30"), MotionFormatError,
     "fps must be a positive number, got '30'"),
    ("resample(motion, '30')", lambda c: resample(c["motion"], "30"), MotionFormatError, "fps must be a positive"),
    ("Motion(fps='30')", lambda c: _motion(c, fps="30"), MotionFormatError, "fps must be a positive number, got '30'"),
    ("Motion(skeleton=None)", lambda c: _motion(c, skeleton=None), MotionFormatError, "skeleton must be a Skeleton"),
    ("Motion(rotations=None)", lambda c: _motion(c, rotations=None), MotionFormatError,
     "rotations must be a tensor or array of numbers"),
    ("Motion(rotations='abc')", lambda c: _motion(c, rotations="abc"), MotionFormatError, "rotations must be a tensor"),
    ("Motion(euler_order=1)", lambda c: _motion(c, euler_order=1), MotionFormatError, "euler_order must be a"),
    ("interpolate(None, ...)", lambda c: motionclip.interpolate(None, "a", "b", 3), MotionCLIPError,
     "model must be a MotionCLIP model .*got NoneType"),
    ("interpolate(steps='3')", lambda c: motionclip.interpolate(c["model"], "a", "b", "3"), MotionCLIPError,
     "--steps must be an integer between 2 and .*got '3'"),
    ("edit_style(add=None)", lambda c: motionclip.edit_style(c["model"], None, text="a person walks"),
     MotionCLIPError, "add is not a string"),
    ("edit_style(scale='x')", lambda c: motionclip.edit_style(c["model"], "proud", text="walk", scale="x"),
     MotionCLIPError, "--scale must be a number between"),
    ("compose(upper=1)", lambda c: motionclip.compose(c["model"], 1, "a person walks"), MotionCLIPError,
     "upper is not a string"),
    ("classify(motion_file=None)", lambda c: motionclip.classify(c["model"], None, "walk,run"), MotionCLIPError,
     "motion_file must be a path"),
    ("classify_motion(motion=None)", lambda c: motionclip.classify_motion(c["model"], None, "walk"), MotionCLIPError,
     "motion_file must be a path .*or a Motion"),
    ("classify(motion=3)", lambda c: motionclip.classify(c["model"], 3, "walk"), MotionCLIPError,
     "motion must be a Motion .* or a file path, got int"),
    ("classify(top_k='3')", lambda c: motionclip.classify(c["model"], c["bvh"], "walk,run", "3"), MotionCLIPError,
     "--top-k must be a positive integer, got '3'"),
]  # fmt: skip

# (id, call, error type, message) -- every one was accepted, most giving a wrong result
ACCEPTED_BUT_WRONG: list[tuple[str, Call, type[Exception], str]] = [
    ("generate(frames='60')", lambda c: c["model"].generate("walk", frames="60"), MotionCLIPError,
     "frames must be a positive integer, got '60'"),
    ("generate(frames=1.5)", lambda c: c["model"].generate("walk", frames=1.5), MotionCLIPError,
     "frames must be a positive integer, got 1.5"),
    ("generate(frames=True)", lambda c: c["model"].generate("walk", frames=True), MotionCLIPError,
     "frames must be a positive integer, got True"),
    ("generate(seed=-1)", lambda c: c["model"].generate("walk", seed=-1), MotionCLIPError,
     "seed must be between 0 and .*got -1"),
    ("generate(seed=2**64)", lambda c: c["model"].generate("walk", seed=2**64), MotionCLIPError,
     "seed must be between 0 and .*got 18446744073709551616"),
    ("generate(100k characters)", lambda c: c["model"].generate("a" * 100_000), MotionCLIPError,
     f"prompt 1 is longer than {LIMITS.max_text_chars} characters"),
    ("generate(NUL)", lambda c: c["model"].generate("a person\x00 walks"), MotionCLIPError,
     "prompt 1 contains the control character U[+]0000 at position 8"),
    ("generate(ESC in list)", lambda c: c["model"].generate(["a person walks", "run\x1b[2J"]), MotionCLIPError,
     "prompt 2 contains the control character U[+]001B"),
    ("encode_text(100k characters)", lambda c: c["model"].encode_text(["a" * 100_000]), MotionCLIPError,
     "text 1 is longer than"),
    ("decode(frames='60')", lambda c: c["model"].decode(c["z"], "60"), MotionCLIPError, "frames must be an integer"),
    ("decode(frames=1.5)", lambda c: c["model"].decode(c["z"], 1.5), MotionCLIPError, "frames must be an integer"),
    ("decode(frames=True)", lambda c: c["model"].decode(c["z"], True), MotionCLIPError, "frames must be an integer"),
    ("decode(complex z)", lambda c: c["model"].decode(c["z"].to(torch.complex64)), MotionCLIPError,
     "z must hold real numbers"),
    ("reconstruct(frames=0)", lambda c: c["model"].reconstruct(c["motion"], frames=0), MotionCLIPError,
     "frames must be between 1 and .*got 0"),
    ("reconstruct(frames='60')", lambda c: c["model"].reconstruct(c["motion"], frames="60"), MotionCLIPError,
     "frames must be an integer"),
    ("read_bvh(scale=0)", lambda c: read_bvh(c["bvh"], scale=0), MotionFormatError,
     "scale must be a positive number, got 0"),
    ("read_bvh(scale=-0.01)", lambda c: read_bvh(c["bvh"], scale=-0.01), MotionFormatError, "scale must be a positive"),
    ("read_bvh(fold_dummy_root='no')", lambda c: read_bvh(c["bvh"], fold_dummy_root="no"), MotionFormatError,
     "fold_dummy_root must be True or False"),
    ("write_bvh(scale=0)", lambda c: write_bvh(c["motion"], c["dir"] / "o.bvh", scale=0), MotionFormatError,
     "scale must be a positive number"),
    ("Motion(all-zero rotations)", lambda c: _motion(c, rotations=torch.zeros_like(c["motion"].rotations)),
     MotionFormatError, "rotations must be rotation matrices .*frame 0, joint 0"),
    ("Motion(scaled rotations)", lambda c: _motion(c, rotations=c["motion"].rotations * 1.1), MotionFormatError,
     "rotations must be rotation matrices"),
    ("Motion(mirrored rotations)", lambda c: _motion(c, rotations=-c["motion"].rotations), MotionFormatError,
     "determinant"),
    ("Motion(fps=True)", lambda c: _motion(c, fps=True), MotionFormatError, "fps must be a positive number, got True"),
    ("Motion(euler_order='ABC')", lambda c: _motion(c, euler_order="ABC"), MotionFormatError,
     "euler_order must be a permutation of XYZ, got 'ABC'"),
    ("Motion(complex root_translation)", lambda c: _motion(c, root_translation=c["motion"].root_translation.cfloat()),
     MotionFormatError, "root_translation must hold real numbers"),
    ("canonicalize(face_forward='yes')", lambda c: canonicalize(c["motion"], face_forward="yes"), MotionCLIPError,
     "face_forward must be True or False"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [pytest.param(call, error, message, id=name) for name, call, error, message in MISUSE + ACCEPTED_BUT_WRONG],
)
def test_bad_arguments_are_the_projects_error(
    ctx: dict[str, Any], call: Call, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        call(ctx)
    assert isinstance(info.value, MotionCLIPError)
    text = str(info.value)
    assert "\n" not in text and len(text) < 300, text  # one line, even for a 100k-character argument


def test_nan_end_site_offset_is_refused_by_the_readers(tmp_path: Path) -> None:
    bvh = write_text(tmp_path / "nan-end.bvh", CHAIN_BVH.replace("OFFSET 0 0 5", "OFFSET 0 nan 5"))
    with pytest.raises(MotionFormatError, match=r"nan-end.bvh:\d+: non-finite End Site offset 0 nan 5"):
        read_bvh(bvh)
    inf = write_text(tmp_path / "inf-joint.bvh", CHAIN_BVH.replace("OFFSET 10 0 0", "OFFSET inf 0 0"))
    with pytest.raises(MotionFormatError, match="non-finite OFFSET of joint 'Arm'"):
        read_bvh(inf)
    motion = read_bvh(write_text(tmp_path / "ok.bvh", CHAIN_BVH))
    npz = write_npz(motion, tmp_path / "nan-end.npz")
    with np.load(npz) as data:
        arrays = dict(data)
    arrays["end_site_offsets"] = np.full_like(arrays["end_site_offsets"], np.nan)
    np.savez(npz, **arrays)
    with pytest.raises(MotionFormatError, match="non-finite End Site offset"):
        read_npz(npz)


def test_prepare_refuses_negative_workers(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motionclip.cli import app

    root = tmp_path / "data"
    root.mkdir()
    args = ["data", "prepare", "--source", "bvh", "--root", str(root), "--out", str(tmp_path / "c.safetensors")]
    result = CliRunner().invoke(app, [*args, "--workers", "-1"])  # the CLI's main prints it as one line
    assert result.exit_code != 0 and isinstance(result.exception, MotionCLIPError)
    assert str(result.exception) == "--workers must be a non-negative integer (0 = one per core), got -1"
    render = CliRunner().invoke(app, ["data", "render-frames", str(tmp_path / "c.safetensors"), "--workers", "0"])
    assert isinstance(render.exception, MotionCLIPError)
    assert str(render.exception) == "--workers must be a positive integer, got 0"


def test_valid_calls_still_work(ctx: dict[str, Any], tmp_path: Path) -> None:
    model, motion = ctx["model"], ctx["motion"]
    # NumPy scalars are integers and numbers; lower-case Euler orders are normalised
    m = _motion(ctx, fps=np.float32(30.0), euler_order="zxy")
    assert m.fps == 30.0 and isinstance(m.fps, float) and m.euler_order == "ZXY"
    assert len(model.decode(ctx["z"], np.int64(7))[0]) == 7
    assert len(model.decode(ctx["z"].numpy()[0])[0]) == model.window
    assert len(model.generate("a person walks", frames=np.int64(12), seed=np.int64(3))) == 12
    assert len(model.generate(["walk", "run"], frames=5)) == 2
    # whitespace is not a control character; the longest prompt allowed is fine
    assert model.encode_text(["a person\twalks\nand turns\r\n", "a" * LIMITS.max_text_chars]).shape == (2, 384)
    assert len(model.reconstruct(motion)) == len(motion)
    assert len(model.reconstruct(motion, frames=10)) == 10
    assert model.encode_motion([motion, motion]).shape == (2, 384)
    assert math.isclose(resample(motion, 15).fps, 15.0)
    assert len(canonicalize(motion, fps=None)) == len(motion)
    back = read_bvh(str(write_bvh(motion, tmp_path / "w.bvh", scale=1, euler_order="xyz")), scale=1)
    assert back.euler_order == "XYZ" and len(back) == len(motion)
    assert len(read_npz(write_npz(motion, str(tmp_path / "w.npz")))) == len(motion)


def test_prompt_check_is_shared_and_still_strips() -> None:
    from motionclip.apps.generate import validate_prompts
    from motionclip.checks import validate_prompts as shared

    assert validate_prompts is shared
    assert validate_prompts(["  a person walks \n"]) == ["a person walks"]
    assert validate_prompts("a person runs") == ["a person runs"]  # one prompt, not its characters
    for bad, message in (([""], "prompt 1 is empty"), (["ok", "a\x00b"], "prompt 2 contains the control character"),
                         ([3], "prompt 1 is not a string"), ([], "at least one")):  # fmt: skip
        with pytest.raises(MotionCLIPError, match=message):
            validate_prompts(bad)
