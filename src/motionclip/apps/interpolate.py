"""Latent interpolation between two motions and/or texts (paper, Fig. 5).

``z_i = (1 - t_i) z_A + t_i z_B`` with ``t_i = i / (K - 1)``: K latents including both
ends, so step 1 decodes exactly like A and step K exactly like B. No re-normalisation is
applied in between, which keeps the path a straight line in latent space.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from motionclip.apps.inputs import Reading, Source, check_model, resolve
from motionclip.apps.outputs import write_outputs
from motionclip.data.motion import Motion
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.limits import LIMITS, Limits

if TYPE_CHECKING:
    from motionclip.data.rig_export import UserRig


def check_steps(steps: int, limits: Limits = LIMITS) -> int:
    from motionclip.checks import check_int

    return check_int(steps, "--steps", 2, limits.max_steps, note=" (both ends included)")


def interpolate_latents(z_a: torch.Tensor, z_b: torch.Tensor, steps: int) -> torch.Tensor:
    """(steps, D) points on the segment from ``z_a`` to ``z_b`` (both included)."""
    check_steps(steps)
    t = torch.linspace(0.0, 1.0, steps, dtype=z_a.dtype)[:, None]
    return (1.0 - t) * z_a[None] + t * z_b[None]


def interpolate(
    model: MotionCLIP,
    a: str,
    b: str,
    steps: int,
    frames: int | None = None,
    allow_files: bool = True,
    joint_map: dict[str, str] | Reading | None = None,
) -> tuple[list[Motion], list[str], torch.Tensor]:
    """Decode the interpolation A -> B; returns motions, captions and the latents.
    ``allow_files=False``: A and B are always text (see ``inputs.resolve``)."""
    check_model(model)
    check_steps(steps)
    src_a = resolve(model, a, allow_files=allow_files, joint_map=joint_map)
    src_b = resolve(model, b, allow_files=allow_files, joint_map=joint_map)
    z = interpolate_latents(src_a.z, src_b.z, steps)
    motions = model.decode(z, frames)
    return motions, captions(src_a, src_b, steps), z


def captions(a: Source, b: Source, steps: int) -> list[str]:
    out = [f"t={i / (steps - 1):.2f}" for i in range(steps)]
    out[0], out[-1] = f"A: {a.label}", f"B: {b.label}"
    return out


def interpolate_to_files(
    model: MotionCLIP,
    a: str,
    b: str,
    steps: int,
    out: str | Path,
    frames: int | None = None,
    grid: bool = False,
    joint_map: dict[str, str] | Reading | None = None,
    rig: UserRig | None = None,
) -> list[Path]:
    motions, caps, _ = interpolate(model, a, b, steps, frames, joint_map=joint_map)
    return write_outputs(motions, out, captions=caps, grid=grid, rig=rig)
