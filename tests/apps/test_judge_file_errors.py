"""Judge files with a bad JSON description or weights fail at load with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from motionclip.errors import MotionCLIPError


def _rewrite(src: Path, dst: Path, meta=None, state=None) -> Path:  # noqa: ANN001
    from motionclip.apps.eval.judge import META_KEY

    with safe_open(str(src), framework="pt") as fh:
        m = json.loads(fh.metadata()[META_KEY])
    s = load_file(str(src))
    if meta:
        meta(m)
    if state:
        state(s)
    save_file(s, str(dst), metadata={META_KEY: json.dumps(m)})
    return dst


def _set(d: dict, key: str, value) -> None:  # noqa: ANN001
    d[key] = value


@pytest.mark.parametrize(
    "meta, state, message",
    [
        (lambda m: _set(m, "contents", "walk"), None, "'contents' must be a non-empty list of strings"),
        (lambda m: _set(m, "styles", []), None, "'styles' must be a non-empty list of strings"),
        (lambda m: _set(m, "window", -60), None, "'window' must be a positive integer"),
        (lambda m: _set(m, "fps", "30"), None, "'fps' must be a positive number"),
        (lambda m: _set(m["skeleton"], "parents", [0] * len(m["skeleton"]["names"])), None, "parents must precede"),
        (lambda m: _set(m, "skeleton", None), None, "'skeleton' must have"),
        (lambda m: _set(m, "config", {"bogus": 1}), None, "do not match its description"),
        (lambda m: _set(m, "config", [1]), None, "'config' must be an object"),
        (None, lambda s: s[next(k for k, v in s.items() if v.is_floating_point())].fill_(float("nan")), "NaN or inf"),
    ],
)
def test_bad_judge_files(judge_file: Path, tmp_path: Path, meta, state, message: str) -> None:  # noqa: ANN001
    from motionclip.apps.eval.judge import load_judge

    bad = _rewrite(judge_file, tmp_path / "judge.safetensors", meta, state)
    with pytest.raises(MotionCLIPError, match=message) as info:
        load_judge(bad)
    assert str(info.value).startswith(str(bad)) and "\n" not in str(info.value)


def test_judge_header_not_an_object(tmp_path: Path) -> None:
    from motionclip.apps.eval.judge import META_KEY, load_judge

    bad = tmp_path / "judge.safetensors"
    save_file({"x": torch.zeros(1)}, str(bad), metadata={META_KEY: "[]"})
    with pytest.raises(MotionCLIPError, match="must be a JSON object"):
        load_judge(bad)
