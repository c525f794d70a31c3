"""Realism statistics see frozen limbs, stepping feet, skating and seams."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from motionclip.apps.eval import realism
from motionclip.apps.eval.long import long_report
from motionclip.generation import load_model

FPS = 30.0


def _figure(frames: int, step_m: float, glide: float, planted: bool = True) -> torch.Tensor:
    """(1, T, 3, 3) root + two feet: the root moves forward; feet swing +-step_m about it."""
    t = torch.arange(frames, dtype=torch.float64) / FPS
    root = torch.stack([torch.zeros_like(t), torch.full_like(t, 0.9), glide * t], -1)
    phase = torch.sin(2 * math.pi * t)
    left = root + torch.stack([torch.full_like(t, 0.1), -0.9 + 0 * t, step_m * phase], -1)
    right = root + torch.stack([torch.full_like(t, -0.1), -0.9 + 0 * t, -step_m * phase], -1)
    if planted:  # pin the left foot in place for the whole window (perfect contact, no skating)
        left = left[:1].expand_as(left).clone()
    return torch.stack([root, left, right], 1)[None].float()


def test_still_pose_has_no_limb_speed_and_no_steps() -> None:
    still = _figure(60, 0.0, 1.2, planted=False)
    s = realism.window_stats(still, FPS, [1, 2])
    assert s["limb_speed"].item() == pytest.approx(0.0, abs=1e-6)
    assert s["step_amplitude"].item() == pytest.approx(0.0, abs=1e-6)
    assert s["foot_skating"].item() == pytest.approx(1.2, rel=1e-3)  # a gliding foot skates at the root's speed


def test_stepping_and_contact() -> None:
    walk = _figure(60, 0.2, 1.2, planted=False)
    s = realism.window_stats(walk, FPS, [1, 2])
    assert s["limb_speed"].item() > 0.5
    assert s["step_amplitude"].item() == pytest.approx(0.2 / math.sqrt(2), rel=0.05)  # RMS of a sine
    planted = realism.window_stats(_figure(60, 0.2, 1.2, planted=True), FPS, [1])
    assert planted["foot_skating"].item() == pytest.approx(0.0, abs=1e-6)


def test_compare_reports_ratios_per_content() -> None:
    real = realism.window_stats(torch.cat([_figure(60, 0.2, 1.2, False)] * 2), FPS, [1, 2])
    fake = realism.window_stats(torch.cat([_figure(60, 0.1, 1.2, False)] * 2), FPS, [1, 2])
    rep = realism.compare(fake, torch.tensor([0, 0]), real, torch.tensor([0, 0]), ["walk"])
    walk = rep["per_content"]["walk"]
    assert walk["step_amplitude"]["ratio"] == pytest.approx(0.5, rel=0.05)
    assert rep["overall"]["limb_speed"]["ratio_min_over_contents"] < 1
    wave = realism.compare(fake, torch.tensor([0, 0]), real, torch.tensor([0, 0]), ["wave"])
    assert "step_amplitude" not in wave["per_content"]["wave"]  # only locomotion steps


def test_foot_joints_by_name(tiny_checkpoint: Path) -> None:
    sk = load_model(tiny_checkpoint).skeleton
    feet = realism.foot_joints(sk)
    assert feet and all("foot" in sk.names[i].lower() for i in feet)


def test_long_report_shapes(tiny_checkpoint: Path) -> None:
    model = load_model(tiny_checkpoint)
    rep = long_report(model, "a person walks", [4.0], real_limb=0.5)
    d = rep["durations"][0]
    assert d["frames"] == round(4 * model.fps) and len(d["root_speed_per_second"]) == 4
    assert len(d["limb_speed_ratio_to_real"]) == 4 and d["segments"] > 1
    assert d["seam_jerk_ratio"] is None or d["seam_jerk_ratio"] > 0
