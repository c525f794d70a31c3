from __future__ import annotations

import numpy as np
import pytest
from render_test_skeleton import NAMES, PARENTS, rest_pose

from motionclip.render import RenderConfig, RenderError, render_frame, render_frames


def test_render_error_is_value_error() -> None:
    assert issubclass(RenderError, ValueError)


@pytest.mark.parametrize(
    "positions",
    [
        np.full((2, 21, 3), np.nan),
        np.stack([rest_pose(), np.where(rest_pose() > 1, np.inf, 0.0)]),
        np.zeros((2, 21, 2)),
        np.zeros((21, 3)),
        np.zeros((0, 21, 3)),
        np.zeros((3, 0, 3)),
        "not an array",
    ],
)
def test_bad_positions(positions: object) -> None:
    with pytest.raises(RenderError):
        render_frames(positions, PARENTS, NAMES)


@pytest.mark.parametrize(
    "parents",
    [
        PARENTS[:-1],  # length mismatch
        [-1, -1, *PARENTS[2:]],  # two roots
        [0, *PARENTS[1:]],  # no root (self loop)
        [-1, 2, 1, *PARENTS[3:]],  # cycle 1 <-> 2
        [-1, 99, *PARENTS[2:]],  # out of range
        [-1, -5, *PARENTS[2:]],
    ],
)
def test_bad_parents(parents: list[int]) -> None:
    with pytest.raises(RenderError):
        render_frame(rest_pose(), parents, None)


def test_bad_names_and_frames() -> None:
    with pytest.raises(RenderError):
        render_frame(rest_pose(), PARENTS, NAMES[:-1])
    with pytest.raises(RenderError):
        render_frames(rest_pose()[None], PARENTS, NAMES, frames=[1])


def test_single_pose_shape_checked() -> None:
    with pytest.raises(RenderError):
        render_frame(rest_pose()[None], PARENTS, NAMES)


@pytest.mark.parametrize(
    "kwargs", [{"width": 4}, {"supersample": 0}, {"fov_deg": 1.0}, {"margin": 0.5}, {"elevation_deg": 89.0}]
)
def test_bad_config(kwargs: dict[str, float]) -> None:
    with pytest.raises(RenderError):
        RenderConfig(**kwargs)
