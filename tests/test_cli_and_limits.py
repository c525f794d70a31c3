"""The ``cli`` package: one root app, ``python -m motionclip``, and one typed place for limits."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from motionclip.config import LIMITS, Limits
from motionclip.errors import MotionCLIPError

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
    with pytest.raises(MotionCLIPError, match=f"between 2 .* and {DEFAULT_LIMITS.max_steps}"):
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
