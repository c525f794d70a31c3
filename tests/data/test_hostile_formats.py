"""Hostile motion files: size limits are checked on headers, before anything is allocated."""

from __future__ import annotations

import re
from pathlib import Path

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

    from motionclip.data import bvh

    long = write_bvh(make_motion("walk", frames=bvh._ROWS_PER_CHUNK + 7), tmp_path / "long.bvh")
    m = read_bvh(long)
    assert len(m) == bvh._ROWS_PER_CHUNK + 7
    ref = make_motion("walk", frames=bvh._ROWS_PER_CHUNK + 7)
    assert torch.allclose(m.root_translation, ref.root_translation, atol=1e-4)
