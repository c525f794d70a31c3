from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from render_test_skeleton import NAMES, PARENTS, J, arm_raised_pose, rest_pose, travelling

from motionclip.render import RenderConfig, render_frame, render_frames, render_masked_frames


def _centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean())


def test_frame_is_not_blank(config96: RenderConfig) -> None:
    image = render_frame(rest_pose(), PARENTS, NAMES, config96)
    assert image.shape == (96, 96, 3) and image.dtype == np.uint8
    assert image.astype(float).var() > 50.0


def test_mannequin_inside_frame_and_distinct(config96: RenderConfig) -> None:
    image, mask = render_frame(rest_pose(), PARENTS, NAMES, config96, return_mask=True)
    assert mask.sum() > 0.03 * mask.size
    # Never clipped: no figure pixel on the border.
    assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())
    figure = image[mask].astype(float).mean(0)
    ground = image[~mask].astype(float).mean(0)
    assert np.abs(figure - ground).max() > 20.0


def test_default_size_and_minimum_224() -> None:
    image = render_frame(rest_pose(), PARENTS, NAMES, RenderConfig(width=224, height=224))
    assert image.shape == (224, 224, 3)
    assert RenderConfig().width >= 224 and RenderConfig().height >= 224


@pytest.mark.parametrize(("side", "expect_right"), [("L", True), ("R", False)])
def test_raised_arm_appears_on_correct_image_side(side: str, expect_right: bool, config96: RenderConfig) -> None:
    """Facing the character, its LEFT arm shows on the image's RIGHT."""
    poses = np.stack([rest_pose(), arm_raised_pose(side)])
    cfg = RenderConfig(width=96, height=96, follow_root=False)
    _, masks = render_masked_frames(poses, PARENTS, NAMES, cfg)
    extra = masks[1] & ~masks[0]
    assert extra.sum() > 20
    ex, ey = _centroid(extra)
    rx, ry = _centroid(masks[0])
    assert ey < ry  # higher on the image
    assert (ex > rx) == expect_right
    assert (ex > 48) == expect_right


@pytest.mark.parametrize(("side", "expect_right"), [("L", True), ("R", False)])
def test_unnamed_skeleton_sides_by_position(side: str, expect_right: bool) -> None:
    """Without names, +X joints count as the left (warm tint) and the raised hand is not taken for the head."""
    poses = np.stack([rest_pose(), arm_raised_pose(side)])
    cfg = RenderConfig(width=96, height=96, follow_root=False)
    frames, masks = render_masked_frames(poses, PARENTS, None, cfg)
    extra = masks[1] & ~masks[0]
    assert (_centroid(extra)[0] > _centroid(masks[0])[0]) == expect_right
    red, blue = frames[1][extra][:, [0, 2]].astype(float).mean(0)
    assert (red > blue) == expect_right


@pytest.mark.parametrize(("dx", "dz"), [(4.0, 0.0), (0.0, 5.0), (-3.0, -3.0)])
def test_travelling_root_stays_in_frame(dx: float, dz: float, small_config: RenderConfig) -> None:
    positions = travelling(24, dx=dx, dz=dz)
    frames, masks = render_masked_frames(positions, PARENTS, NAMES, small_config)
    assert frames.shape == (24, 64, 64, 3)
    for m in masks:
        assert m.sum() > 20
        assert not (m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())
    # The camera follows, so the world-anchored floor visibly slides.
    floor = ~(masks[0] | masks[-1])
    diff = np.abs(frames[0].astype(int) - frames[-1].astype(int)).max(-1)
    assert (diff[floor] > 10).mean() > 0.05


def test_unfollowed_travel_still_framed(small_config: RenderConfig) -> None:
    cfg = RenderConfig(width=64, height=64, follow_root=False)
    _, masks = render_masked_frames(travelling(12, dx=3.0), PARENTS, NAMES, cfg)
    for m in masks:
        assert m.any() and not (m[:, 0].any() or m[:, -1].any())


def test_deterministic_bytes(small_config: RenderConfig) -> None:
    positions = travelling(6, dz=1.0)
    a = render_frames(positions, PARENTS, NAMES, small_config)
    b = render_frames(positions.copy(), list(PARENTS), list(NAMES), small_config)
    assert a.tobytes() == b.tobytes()


def test_torch_input_matches_numpy(small_config: RenderConfig) -> None:
    positions = travelling(3, dz=0.5)
    a = render_frames(positions, PARENTS, NAMES, small_config)
    b = render_frames(torch.tensor(positions, dtype=torch.float64), PARENTS, NAMES, small_config)
    assert np.array_equal(a, b)


def test_frame_subset_matches_full_render(small_config: RenderConfig) -> None:
    positions = travelling(8, dx=1.0)
    full = render_frames(positions, PARENTS, NAMES, small_config)
    part = render_frames(positions, PARENTS, NAMES, small_config, frames=[6, 1])
    assert np.array_equal(part[0], full[6]) and np.array_equal(part[1], full[1])


def test_progress_bar_runs(small_config: RenderConfig) -> None:
    assert render_frames(travelling(2), PARENTS, NAMES, small_config, progress=True).shape[0] == 2


def test_zero_length_bones_are_harmless(small_config: RenderConfig) -> None:
    pose = rest_pose()
    pose[J["Toes_L"]] = pose[J["Foot_L"]]  # zero-length bone
    pose[J["Shoulder_R"]] = pose[J["Chest"]]
    extra = np.concatenate([pose, pose[J["Head"]][None]])  # a leaf exactly on its parent
    parents = [*PARENTS, J["Head"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image, mask = render_frame(extra, parents, None, small_config, return_mask=True)
        render_frame(pose, PARENTS, NAMES, small_config)
    assert mask.any() and image.astype(float).var() > 10


def test_collapsed_skeleton_renders(small_config: RenderConfig) -> None:
    """Every joint at one point: degenerate but must not crash."""
    pose = np.zeros((21, 3))
    image = render_frame(pose, PARENTS, None, small_config)
    assert image.shape == (64, 64, 3)


def test_tiny_and_large_units_frame_the_same(small_config: RenderConfig) -> None:
    """Body size is estimated from the skeleton, so centimetres render like metres."""
    _, m1 = render_frame(rest_pose(), PARENTS, NAMES, small_config, return_mask=True)
    _, m2 = render_frame(rest_pose() * 100.0, PARENTS, NAMES, small_config, return_mask=True)
    assert (m1 != m2).mean() < 0.02
