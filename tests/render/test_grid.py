from __future__ import annotations

import numpy as np
import pytest
from render_test_skeleton import NAMES, PARENTS, arm_raised_pose, rest_pose, travelling

from motionclip.render import RenderConfig, RenderError, render_frames, render_grid

CFG = RenderConfig(width=64, height=64)


def _motions() -> list[np.ndarray]:
    return [travelling(6, dz=0.5), rest_pose()[None].repeat(3, 0), arm_raised_pose("L")[None].repeat(4, 0)]


def test_grid_dimensions_with_captions() -> None:
    grid = render_grid(_motions(), PARENTS, ["walk", "stand", "a very long caption " * 6], NAMES, CFG, columns=2)
    t, h, w, c = grid.shape
    assert (t, w, c) == (6, 2 * 64, 3)
    band = h // 2 - 64
    assert h == 2 * (64 + band) and band > 0
    # Captions draw dark text on the white band.
    assert (grid[0, 64 : 64 + band, :64] < 128).any()


def test_grid_without_captions_is_exact_tiles() -> None:
    grid = render_grid(_motions(), PARENTS, ["", "", ""], NAMES, CFG)
    assert grid.shape == (6, 2 * 64, 2 * 64, 3)


def test_shorter_cells_hold_last_frame() -> None:
    motions = _motions()
    grid = render_grid(motions, PARENTS, ["", "", ""], NAMES, CFG, columns=3)
    stand = render_frames(motions[1], PARENTS, NAMES, CFG)
    assert np.array_equal(grid[5, :, 64:128], stand[-1])
    assert np.array_equal(grid[1, :, 64:128], stand[1])


def test_grid_input_errors() -> None:
    with pytest.raises(RenderError):
        render_grid(_motions(), PARENTS, ["only one"], NAMES, CFG)
    with pytest.raises(RenderError):
        render_grid([], PARENTS, [], NAMES, CFG)
    with pytest.raises(RenderError):
        render_grid(_motions(), PARENTS, ["", "", ""], NAMES, CFG, columns=0)
