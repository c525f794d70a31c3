"""The paper's losses (eq. 1-4): reconstruction terms and embedding alignment."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from motionclip.config import LossConfig


def cosine_distance(z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean of ``1 - cos(z, target)`` over the batch."""
    return (1.0 - F.cosine_similarity(z, target, dim=-1)).mean()


def reconstruction_losses(
    pred_rot: torch.Tensor,
    pred_trans: torch.Tensor,
    pred_pos: torch.Tensor,
    rot: torch.Tensor,
    trans: torch.Tensor,
    pos: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """L2 on 6D rotations (+ root translation), joint positions, and rotation velocities."""
    pred_pose = torch.cat([pred_rot.flatten(-2), pred_trans], dim=-1)
    pose = torch.cat([rot.flatten(-2), trans], dim=-1)
    return {
        "rotation": F.mse_loss(pred_pose, pose),
        "position": F.mse_loss(pred_pos, pos),
        "velocity": F.mse_loss(pred_pose[:, 1:] - pred_pose[:, :-1], pose[:, 1:] - pose[:, :-1]),
    }


def total_loss(terms: dict[str, torch.Tensor], cfg: LossConfig) -> torch.Tensor:
    """Weighted sum; terms whose lambda is 0 (ablations) are skipped entirely."""
    weights = {
        "rotation": cfg.rotation,
        "position": cfg.position,
        "velocity": cfg.velocity,
        "text": cfg.text,
        "image": cfg.image,
    }
    out = None
    for name, value in terms.items():
        w = weights.get(name, 0.0)
        if w:
            out = value * w if out is None else out + value * w
    if out is None:
        raise ValueError("every loss weight is zero")
    return out
