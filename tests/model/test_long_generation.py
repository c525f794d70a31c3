"""Motions longer than the training window: segment plan, path, stitching, seeds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from motionclip.data.rotations import yaw_matrix
from motionclip.errors import MotionCLIPError
from motionclip.generation import load_model, segments


@pytest.mark.parametrize("frames", [1, 60, 61, 100, 300, 1800])
def test_plan_covers_the_requested_frames(frames: int) -> None:
    n, hop, overlap = segments.plan(frames, 60)
    assert (hop, overlap) == (40, 20)
    assert 60 + (n - 1) * hop >= frames
    assert n == 1 or 60 + (n - 2) * hop < frames  # no spare segment


def test_best_match_picks_the_candidate_in_phase() -> None:
    import roma

    g = torch.Generator().manual_seed(0)
    prev = roma.rotvec_to_rotmat(torch.randn(60, 5, 3, generator=g) * 0.3)
    good = prev.clone()
    good[:20] = prev[40:60]  # starts exactly where the blend begins (hop 40)
    bad = roma.rotvec_to_rotmat(torch.randn(60, 5, 3, generator=g) * 0.3)
    other = good.clone()
    other[:, 0] = roma.rotvec_to_rotmat(torch.randn(60, 3, generator=g))  # the root may differ (heading)
    assert segments.best_match(prev, torch.stack([bad, good]), 40, 20) == 1
    assert segments.best_match(prev, torch.stack([bad, other]), 40, 20) == 1


def test_activity_ranks_moving_segments_above_still_ones() -> None:
    import roma

    g = torch.Generator().manual_seed(1)
    still = roma.rotvec_to_rotmat(torch.randn(1, 5, 3, generator=g) * 0.3).expand(60, 5, 3, 3)
    t = torch.linspace(0, 6.28, 60)[:, None, None]
    waving = roma.rotvec_to_rotmat((torch.sin(4 * t) * torch.tensor([0.0, 0.0, 0.8]) + 0.1).expand(60, 5, 3))
    act = segments.activity(torch.stack([still, waving]))
    assert act[0] == 0 and act[1] > 0


def test_jump_targets_skip_still_and_recent_segments() -> None:
    active = torch.tensor([0.0, 1.0, 2.0, 3.0, 0.1])
    rows = [10, 11, 12, 13, 14]
    assert segments.jump_targets(active, rows, []).tolist() == [1, 2, 3]  # at least the median, 1.0
    assert segments.jump_targets(active, rows, [13]).tolist() == [1, 2]
    # every active candidate was just used: any not-recent one, never an empty choice
    assert segments.jump_targets(active, rows, [11, 12, 13]).tolist() == [0, 4]
    assert segments.jump_targets(active, rows, rows).tolist() == [0, 1, 2, 3, 4]


def _walk_segment(frames: int, yaw: float, speed: float = 0.04) -> tuple[torch.Tensor, torch.Tensor]:
    """A canonical straight walk turned by ``yaw``: identity joints, root heading yaw."""
    rot = torch.eye(3).expand(frames, 3, 3, 3).clone()
    turn = yaw_matrix(torch.tensor(yaw))
    rot[:, 0] = turn
    trans = torch.stack([torch.zeros(frames), torch.full((frames,), 0.9), speed * torch.arange(frames)], -1) @ turn.T
    return rot, trans


def test_stitch_continues_heading_and_position_without_seams() -> None:
    segs = [_walk_segment(60, 0.0), _walk_segment(60, 0.0), _walk_segment(60, 0.0)]
    rot, trans = segments.stitch([s[0] for s in segs], [s[1] for s in segs], 40, 20, 140)
    assert rot.shape == (140, 3, 3, 3) and trans.shape == (140, 3)
    step = (trans[1:] - trans[:-1]).norm(dim=-1)
    torch.testing.assert_close(step, torch.full_like(step, 0.04), atol=1e-4, rtol=0)  # one smooth straight walk
    assert trans[-1, 2] == pytest.approx(0.04 * 139, abs=1e-3)
    # a segment that was decoded facing elsewhere is turned onto the current heading
    turned = [_walk_segment(60, 0.0), _walk_segment(60, 1.0)]
    rot, trans = segments.stitch([s[0] for s in turned], [s[1] for s in turned], 40, 20, 100)
    assert segments.root_yaw(rot[-1, 0]).item() == pytest.approx(0.0, abs=1e-4)
    assert trans[-1, 0].abs().item() < 1e-3


def test_long_generation_keeps_going_and_is_reproducible(tiny_checkpoint: Path) -> None:
    model = load_model(tiny_checkpoint)
    frames = 10 * model.window
    m = model.generate("a person walks", frames=frames)
    assert len(m) == frames and torch.isfinite(m.rotations).all() and torch.isfinite(m.root_translation).all()
    again = model.generate("a person walks", frames=frames)
    torch.testing.assert_close(m.root_translation, again.root_translation)
    two = model.generate("a person walks", frames=frames, samples=2, seed=5)
    assert len(two) == 2 and not torch.allclose(two[0].rotations, two[1].rotations)
    # the root is continued across segments: no jump at a boundary far above its usual speed
    root = m.root_translation
    root_speed = (root[1:] - root[:-1]).norm(dim=-1)
    assert root_speed.max() <= 5 * root_speed.median() + 1e-3
    # joints never teleport: a jump to another take is blended over the overlap, so no single
    # frame moves far more than both of its neighbours (a blend between two different poses
    # is fast over all its frames; a pop is one frame)
    pos = m.positions()
    speed = (pos[1:] - pos[:-1]).norm(dim=-1).mean(-1)
    around = torch.maximum(speed[:-2], speed[2:])
    assert (speed[1:-1] <= 3 * around + 1e-3).all()
    with pytest.raises(MotionCLIPError, match="60 s"):
        model.generate("a person walks", frames=int(61 * model.fps))


def test_cli_seconds_option(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from motionclip.cli import app
    from motionclip.data.io import read_motion

    runner = CliRunner()
    out = tmp_path / "w.npz"
    r = runner.invoke(
        app, ["generate", "a person walks", "--seconds", "3", "-c", str(tiny_checkpoint), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    model = load_model(tiny_checkpoint)
    assert len(read_motion(out)) == round(3 * model.fps)
    r = runner.invoke(app, ["generate", "a person walks", "--samples", "3", "--seed", "1", "-c", str(tiny_checkpoint),
                            "--out", str(tmp_path / "s.npz")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("s_*.npz")) == ["s_1.npz", "s_2.npz", "s_3.npz"]
    for bad in (["--seconds", "0"], ["--seconds", "nan"], ["--seconds", "61"], ["--seconds", "2", "--frames", "10"]):
        r = runner.invoke(app, ["generate", "a person walks", *bad, "-c", str(tiny_checkpoint), "--out", str(out)])
        assert r.exit_code != 0
    assert math.isfinite(model.fps)
