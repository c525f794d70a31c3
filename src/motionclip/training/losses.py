"""Losses: reconstruction terms and embedding alignment (eq. 1-4 of the paper).

Two reconstruction recipes:

- ``normalised`` (default): every term is measured in units of the training data's own
  spread, so limb motion counts as much as the root path. Rotation/translation features
  are compared after the model's standardisation; joint positions are root-relative and
  divided by their spread; the root path has its own term; velocities are frame
  differences in the units of the quantity they differentiate.
- ``paper``: the raw terms (MSE on 6D + root translation in metres, on global joint
  positions in m^2, and on raw 6D frame differences). In those units the root path (metres
  of travel) dwarfs limb rotations (6D changes of ~0.01 per frame), and a decoder that
  glides a still pose already minimises most of the loss: the frozen-limb failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from motionclip.training.config import LossConfig


@dataclass
class LossScales:
    """Data-derived normalisers for the ``normalised`` recipe (computed on train windows).

    Scalars, one per kind of quantity: per-feature scales would blow up features that
    barely move (a nearly fixed joint's 6D numbers) and make the loss chase their noise.
    Velocities are measured in the units of what they differentiate, so their weight
    (``loss.velocity``) says how much a per-frame change counts against a pose error.

    joint_std: spread (RMS about the mean pose) of root-relative joint positions, metres.
    trajectory_std: spread of the root translation within a window, metres.
    joint_speed: (J,) RMS per-frame displacement of each root-relative joint, metres,
        floored at a quarter of the median joint's (the one per-joint scale: it lets the
        ``limb_velocity`` term weigh a hand's small idle sway like a foot's stride, while
        joints that barely move relative to the root cannot blow it up). None = no term.
    """

    joint_std: float
    trajectory_std: float
    joint_speed: torch.Tensor | None = None

    @classmethod
    def from_data(cls, positions: torch.Tensor, eps: float = 1e-4) -> LossScales:
        """positions (N, T, J, 3) metres (joint 0 = root)."""
        rel = positions - positions[..., :1, :]
        root = positions[..., 0, :]

        def rms(x: torch.Tensor) -> float:
            return max(float(x.square().mean().sqrt()), eps)

        speed = _delta(rel).square().sum(-1).mean(dim=(0, 1)).sqrt()  # (J,)
        moving = speed[1:] if speed.numel() > 1 else speed
        floor = max(0.25 * float(moving.median()), eps)
        return cls(
            joint_std=rms(rel - rel.mean(dim=(0, 1), keepdim=True)),
            trajectory_std=rms(root - root.mean(dim=1, keepdim=True)),
            joint_speed=speed.clamp_min(floor).float(),
        )

    @classmethod
    def identity(cls) -> LossScales:
        return cls(1.0, 1.0)


def cosine_distance(z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean of ``1 - cos(z, target)`` over the batch."""
    return (1.0 - F.cosine_similarity(z, target, dim=-1)).mean()


def contrastive_loss(
    z: torch.Tensor, text: torch.Tensor, same: torch.Tensor, temperature: float = 0.07
) -> torch.Tensor:
    """Symmetric InfoNCE between motion latents (B, D) and their texts (B, D).

    ``same`` (B, B) marks pairs that share a label (several windows of one label in a
    batch are all positives for each other, so they are not pushed apart).
    """
    logits = F.normalize(z, dim=-1) @ F.normalize(text, dim=-1).T / temperature
    target = same.float() / same.float().sum(-1, keepdim=True)
    m2t = -(target * logits.log_softmax(-1)).sum(-1).mean()
    t2m = -(target * logits.T.log_softmax(-1)).sum(-1).mean()
    return (m2t + t2m) / 2


def _delta(x: torch.Tensor) -> torch.Tensor:
    return x[:, 1:] - x[:, :-1]


def _mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean squared error over the frames where ``mask`` (B, T) is True (all if None)."""
    if mask is None:
        return F.mse_loss(pred, target)
    m = mask.reshape(*mask.shape, *([1] * (pred.ndim - mask.ndim))).to(pred.dtype)
    per_frame = pred[0, 0].numel()
    return ((pred - target).square() * m).sum() / (m.sum() * per_frame).clamp_min(1)


def _delta_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    return None if mask is None else mask[:, 1:] & mask[:, :-1]


def _second_delta(x: torch.Tensor) -> torch.Tensor:
    return x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]


def _second_delta_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    return None if mask is None else mask[:, 2:] & mask[:, 1:-1] & mask[:, :-2]


def paper_reconstruction_losses(
    pred_rot: torch.Tensor,
    pred_trans: torch.Tensor,
    pred_pos: torch.Tensor,
    rot: torch.Tensor,
    trans: torch.Tensor,
    pos: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """The raw terms: L2 on 6D rotations (+ root translation), joint positions, 6D velocities.
    ``mask`` (B, T): real frames of padded clips."""
    pred_pose = torch.cat([pred_rot.flatten(-2), pred_trans], dim=-1)
    pose = torch.cat([rot.flatten(-2), trans], dim=-1)
    return {
        "rotation": _mse(pred_pose, pose, mask),
        "position": _mse(pred_pos, pos, mask),
        "velocity": _mse(_delta(pred_pose), _delta(pose), _delta_mask(mask)),
    }


def normalised_reconstruction_losses(
    pred_features: torch.Tensor,
    pred_pos: torch.Tensor,
    features: torch.Tensor,
    pos: torch.Tensor,
    scales: LossScales,
    mask: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Terms in data units (a still mean pose scores about 1 on the pose terms).

    features (B, T, F) standardised; positions (B, T, J, 3) metres, joint 0 = root;
    ``mask`` (B, T): real frames of padded clips (None = all).
    """
    rel, pred_rel = pos - pos[..., :1, :], pred_pos - pred_pos[..., :1, :]
    dm = _delta_mask(mask)
    out = {
        "rotation": _mse(pred_features, features, mask),
        "velocity": _mse(_delta(pred_features), _delta(features), dm),
        "position": _mse(pred_rel, rel, mask) / scales.joint_std**2,
        "joint_velocity": _mse(_delta(pred_rel), _delta(rel), dm) / scales.joint_std**2,
        "trajectory": _mse(pred_pos[..., 0, :], pos[..., 0, :], mask) / scales.trajectory_std**2,
        # second differences: the oscillation of a waving hand and, with the opposite sign,
        # the frame-to-frame jitter a velocity term alone leaves in decoded motion
        "joint_acceleration": _mse(_second_delta(pred_rel), _second_delta(rel), _second_delta_mask(mask))
        / scales.joint_std**2,
    }
    if scales.joint_speed is not None:
        # per-joint units: every joint's frame-to-frame motion counts as much as its own
        # typical motion, so small idle motion (the arm that does not wave) is not damped
        s = scales.joint_speed.to(pos.device, pos.dtype)[:, None]
        pred_step, step = _delta(pred_rel) / s, _delta(rel) / s
        out["limb_velocity"] = _mse(pred_step, step, dm)
        out["limb_speed"] = _speed_mismatch(pred_step, step, dm)
    return out


def _mean_speed(delta: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """(B, T-1, J, 3) per-frame displacements -> (B, J) mean speed over the (masked) frames."""
    speed = (delta.square().sum(-1) + 1e-8).sqrt()
    if mask is None:
        return speed.mean(1)
    m = mask.to(speed.dtype)[..., None]
    return (speed * m).sum(1) / m.sum(1).clamp_min(1)


def _speed_mismatch(pred_delta: torch.Tensor, delta: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Squared difference of each joint's mean speed over the window (per-joint units).

    Unlike a per-frame velocity error it does not depend on phase: when the latent leaves
    the phase of a wave or a stride uncertain, every per-frame L2 term is smallest for the
    damped average of the possible phases, which is the frozen limb; this term is smallest
    only when the joint moves as much as it really did.
    """
    return (_mean_speed(pred_delta, mask) - _mean_speed(delta, mask)).square().mean()


def total_loss(terms: dict[str, torch.Tensor], cfg: LossConfig) -> torch.Tensor:
    """Weighted sum; terms whose lambda is 0 (ablations) are skipped entirely.

    Terms computed on text-decoded motions (``text_*``) are summed and weighted by
    ``text_reconstruction``.
    """
    weights = {
        "rotation": cfg.rotation,
        "position": cfg.position,
        "velocity": cfg.velocity,
        "joint_velocity": cfg.velocity,
        "joint_acceleration": cfg.acceleration,
        "limb_velocity": cfg.limb_velocity,
        "limb_speed": cfg.limb_speed,
        "trajectory": cfg.trajectory,
        "text": cfg.text,
        "image": cfg.image,
        "contrastive": cfg.contrastive,
    }
    out = None
    for name, value in terms.items():
        if name.startswith("textrec_"):
            w = cfg.text_reconstruction * weights.get(name.removeprefix("textrec_"), 0.0)
        else:
            w = weights.get(name, 0.0)
        if w:
            out = value * w if out is None else out + value * w
    if out is None:
        raise ValueError("every loss weight is zero")
    return out
