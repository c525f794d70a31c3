"""Hostile motion files: size limits are checked on headers, before anything is allocated."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.canonical import resample
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError


@pytest.fixture()
def walk_file(tmp_path: Path) -> Path:
    from synthetic import make_motion

    return write_bvh(make_motion("walk", frames=30), tmp_path / "walk.bvh")


def test_frames_times_joints_checked_on_the_header(walk_file: Path, tmp_path: Path) -> None:
    with pytest.raises(MotionCLIPError, match=r"30 frames x \d+ joints is more than the 100 supported"):
        read_bvh(walk_file, max_cells=100)
    # a header asking for 10^9 frames is refused as too large, before the rows are even counted
    huge = tmp_path / "huge.bvh"
    huge.write_text(re.sub(r"Frames: \d+", "Frames: 1000000000", walk_file.read_text()))
    with pytest.raises(MotionCLIPError, match="frames x .* joints is more than"):
        read_bvh(huge)


@pytest.mark.parametrize("frame_time", ["1e6", "20", "1e-9", "0.00001"])
def test_frame_time_outside_capture_rates_is_refused(walk_file: Path, tmp_path: Path, frame_time: str) -> None:
    bad = tmp_path / "bad.bvh"
    bad.write_text(re.sub(r"Frame Time: \S+", f"Frame Time: {frame_time}", walk_file.read_text()))
    with pytest.raises(MotionCLIPError, match=r"bad.bvh: Frame Time .* is outside"):
        read_bvh(bad)


def test_resample_refuses_outputs_too_large_to_build(walk_file: Path) -> None:
    m = read_bvh(walk_file)
    slow = Motion(m.skeleton, m.rotations, m.root_translation, fps=1e-4)  # e.g. built in Python
    with pytest.raises(MotionCLIPError, match="more than the .* supported"):
        resample(slow, 30.0)
    with pytest.raises(MotionCLIPError, match="cannot resample"):
        resample(m, float("nan"))


def test_big_files_parse_in_chunks(walk_file: Path, tmp_path: Path) -> None:
    """More rows than one parsing chunk: every frame lands in its place."""
    from synthetic import make_motion

    from motionclip.data import bvh_parse

    long = write_bvh(make_motion("walk", frames=bvh_parse.ROWS_PER_CHUNK + 7), tmp_path / "long.bvh")
    m = read_bvh(long)
    assert len(m) == bvh_parse.ROWS_PER_CHUNK + 7
    ref = make_motion("walk", frames=bvh_parse.ROWS_PER_CHUNK + 7)
    assert torch.allclose(m.root_translation, ref.root_translation, atol=1e-4)


# -- npz ---------------------------------------------------------------------------------
def _npz_arrays(walk_file: Path, tmp_path: Path) -> dict:
    import numpy as np

    from motionclip.data.npz import write_npz

    good = write_npz(read_bvh(walk_file), tmp_path / "good.npz")
    with np.load(good) as data:
        return {k: data[k] for k in data}


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("rotations", lambda a: a.astype(object), "cannot read npz|must be floating"),
        ("rotations", lambda a: a.astype(np.int64), "'rotations' must be floating-point"),
        ("root_translation", lambda a: a.astype(str), "'root_translation' must be floating-point"),
        ("fps", lambda a: np.array("thirty"), "'fps' must be number"),
        ("fps", lambda a: np.array([30.0, 60.0]), "'fps' must have 0 dimensions"),
        ("parents", lambda a: a.astype(np.float64), "'parents' must be integer"),
        ("joint_names", lambda a: a.reshape(1, -1), "'joint_names' must have 1 dimensions"),
        ("rotations", lambda a: a[0], "'rotations' must have 4 dimensions"),
        ("end_site_offsets", lambda a: np.zeros((1, 3)), "end_site_offsets must have shape"),
        ("end_site_joints", lambda a: a + 1000, "end_site_joints names a joint"),
        ("offsets", lambda a: a[:, :2], "offsets"),
    ],
)
def test_npz_with_wrong_dtypes_or_shapes(walk_file: Path, tmp_path: Path, key: str, value, message: str) -> None:  # noqa: ANN001
    from motionclip.data.npz import read_npz

    arrays = _npz_arrays(walk_file, tmp_path)
    arrays[key] = value(arrays[key])
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays, allow_pickle=True) if arrays[key].dtype == object else np.savez(bad, **arrays)
    with pytest.raises(MotionCLIPError, match=message) as info:
        read_npz(bad)
    assert str(info.value).startswith(str(bad))


def test_npz_special_file(tmp_path: Path) -> None:
    import os

    from motionclip.data.npz import read_npz

    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(MotionCLIPError, match="not a regular file"):
        read_npz(fifo)


# -- dataset caches ----------------------------------------------------------------------
def _rewrite_cache(src: Path, dst: Path, tensors=None, meta=None) -> Path:  # noqa: ANN001
    import json

    from safetensors.torch import save_file

    from motionclip.data.cache import MotionCache

    cache = MotionCache.load(src)
    t = {k: v.clone() for k, v in cache.tensors.items()}
    m = json.loads(json.dumps(cache.meta))
    if tensors:
        tensors(t)
    if meta:
        meta(m)
    save_file(t, str(dst), metadata={"motionclip": json.dumps(m)})
    return dst


def _set(d: dict, key: str, value) -> None:  # noqa: ANN001
    d[key] = value


@pytest.mark.parametrize(
    "tensors, meta, message",
    [
        (lambda t: t.pop("window_start"), None, "missing window_start"),
        (lambda t: t["window_take"].add_(10_000), None, "window_take has an index outside"),
        (lambda t: t["window_start"].add_(10_000), None, "window runs past the end"),
        (lambda t: t["take_content"].fill_(-1), None, "take_content has an index outside"),
        (lambda t: t["take_split"].fill_(3), None, "take_split has an index outside"),
        (lambda t: t["take_length"].add_(10**7), None, "outside the .* stored frames"),
        (lambda t: _set(t, "take_pair", t["take_pair"].float()), None, "'take_pair' must be a 1-D integer"),
        (lambda t: t["rot6d"][0, 0, 0].fill_(float("nan")), None, "NaN or inf"),
        (lambda t: _set(t, "trans", t["trans"][:-1]), None, "frame tensors disagree"),
        (None, lambda m: m.pop("contents"), "'contents' must be a list of strings"),
        (None, lambda m: _set(m, "styles", "normal"), "'styles' must be a list of strings"),
        (None, lambda m: _set(m["config"], "fps", -30), "'fps' must be a positive number"),
        (None, lambda m: _set(m["config"], "window", "60"), "'window' must be a positive integer"),
        (None, lambda m: _set(m, "descriptions", {}), "descriptions of pair"),
        (None, lambda m: _set(m["skeleton"], "parents", "x"), "dataset skeleton"),
        (None, lambda m: _set(m, "config", None), "'config' must be an object"),
    ],
)
def test_bad_dataset_caches_fail_at_load(synthetic_cache: Path, tmp_path: Path, tensors, meta, message: str) -> None:  # noqa: ANN001
    from motionclip.data.cache import MotionCache

    bad = _rewrite_cache(synthetic_cache, tmp_path / "bad.safetensors", tensors, meta)
    with pytest.raises(MotionCLIPError, match=message) as info:
        MotionCache.load(bad)
    assert str(info.value).startswith(str(bad)) and "\n" not in str(info.value)


def test_cache_header_that_is_not_an_object(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from motionclip.data.cache import MotionCache

    for raw, message in (("[1, 2]", "must be a JSON object"), ('{"format": NaN}', "corrupt dataset cache metadata")):
        bad = tmp_path / "bad.safetensors"
        save_file({"x": torch.zeros(1)}, str(bad), metadata={"motionclip": raw})
        with pytest.raises(MotionCLIPError, match=message):
            MotionCache.load(bad)
