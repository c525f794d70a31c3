"""The decoder's temporal low-pass: passes limb motion, removes frame-to-frame noise, ignores padding."""

from __future__ import annotations

import math

import pytest
import torch

from motionclip.errors import MotionCLIPError
from motionclip.model.config import TransformerConfig, validate_model_config
from motionclip.model.smoothing import gaussian_kernel, smooth_time

FPS = 30


def _gain(x: torch.Tensor, sigma: float) -> float:
    """RMS of the smoothed signal over the raw one, away from the clip's ends."""
    return float(smooth_time(x, sigma)[:, 10:-10].square().mean().sqrt() / x[:, 10:-10].square().mean().sqrt())


def test_zero_sigma_is_the_identity_and_a_constant_pose_stays_constant() -> None:
    x = torch.randn(2, 40, 5)
    assert smooth_time(x, 0.0) is x
    const = torch.full((2, 40, 5), 3.0)
    torch.testing.assert_close(smooth_time(const, 0.7), const)  # ends included: nothing leaks in
    assert float(gaussian_kernel(0.7).sum()) == pytest.approx(1.0)


def test_limb_motion_passes_and_frame_noise_does_not() -> None:
    t = torch.arange(90, dtype=torch.float32) / FPS
    wave = torch.sin(2 * math.pi * 3.0 * t)[None, :, None]  # a 3 Hz wave
    jitter = torch.tensor([1.0, -1.0]).repeat(45)[None, :, None]  # alternating frames: 15 Hz
    assert _gain(wave, 0.7) == pytest.approx(math.exp(-2 * math.pi**2 * (0.7 / FPS) ** 2 * 9), abs=0.01)  # 0.91
    assert _gain(jitter, 0.7) < 0.2  # the discrete 7-tap kernel: 0.18
    assert _gain(wave, 1.5) < _gain(wave, 0.7)  # wider blurs more


def test_padded_frames_do_not_leak_into_real_ones() -> None:
    x = torch.randn(2, 30, 4)
    mask = torch.ones(2, 30, dtype=torch.bool)
    mask[1, 20:] = False
    wild = x.clone()
    wild[1, 20:] = 1e3
    a, b = smooth_time(x, 1.0, mask), smooth_time(wild, 1.0, mask)
    torch.testing.assert_close(a[1, :20], b[1, :20])
    torch.testing.assert_close(a[0], smooth_time(x[:1], 1.0)[0])  # an unpadded row as without a mask
    # the end of a short clip is smoothed like the end of a clip of that length
    torch.testing.assert_close(a[1, :20], smooth_time(x[1:, :20], 1.0)[0])


def test_smoothing_runs_in_fp32_under_bf16_autocast_and_keeps_gradients() -> None:
    x = torch.randn(1, 20, 3, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = smooth_time(x, 0.7)
    assert y.dtype == torch.float32
    y.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("sigma", [-0.5, float("nan"), 11.0])
def test_out_of_range_smoothing_is_refused(sigma: float) -> None:
    with pytest.raises(MotionCLIPError, match="model.output_smoothing"):
        validate_model_config(TransformerConfig(latent_dim=8, num_heads=2, output_smoothing=sigma))
