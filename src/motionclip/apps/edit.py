"""Motion editing by latent arithmetic (paper, Sec. 5.3 / Fig. 6).

Both edits are the paper's one analogy operation, ``base - start + end`` (the official
code computes exactly ``z[base] - z[v_start] + z[v_end]``), with a strength ``s``::

    z' = z_base + s * (z_end - z_start)

It is linear in ``s``: ``z'(2s) - z_base == 2 * (z'(s) - z_base)``; ``s = 0`` returns the
base and ``s = 1`` is the paper's edit.

Style edit (``edit_style``): base = the motion (file) or a text; end = ``--add``, start =
``--sub``. A single word (``proud``) is a style label and becomes the sentence
``labels.style_prompt(word)`` ("a proud person moves"); a missing ``--sub`` means the
neutral ``style_prompt("normal")`` = "a person moves". So ``--add proud`` adds the
direction E("a proud person moves") - E("a person moves"): the same sentence with and
without the style, which isolates the style like the paper's "Walk old" - "Walk".

Body-part composition (``compose``): the paper's "walk - standing + drink from mug" keeps
the lower body of the base and takes the upper body of an action performed in place.
Here base = ``--lower``, end = ``--upper`` and start = ``--neutral`` (default "a person
stands still"): subtracting the neutral standing pose from the upper-body action leaves
only what its upper body adds, and that is added to the lower-body motion. No joints are
copied; the decoder produces the whole body from the edited latent.

Mixed inputs: text embeddings are unit vectors and motion latents are not, so terms of the
other modality than the base are rescaled to the base's norm (``sources.match_norm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from motionclip.apps.outputs import check_output, write_outputs
from motionclip.apps.sources import Source, match_norm, resolve
from motionclip.config import LIMITS, Limits
from motionclip.data.labels import style_prompt
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.model.autoencoder import MotionCLIP

NEUTRAL_STYLE = "normal"
NEUTRAL_POSE = "a person stands still"


def check_scale(scale: float, limits: Limits = LIMITS) -> float:
    m = limits.max_scale
    if not abs(scale) <= m:  # also rejects NaN
        raise MotionCLIPError(f"--scale must be between -{m:g} and {m:g}, got {scale}")
    return float(scale)


def edit_latent(z_base: torch.Tensor, z_start: torch.Tensor, z_end: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """The analogy ``z_base + scale * (z_end - z_start)`` (linear in ``scale``)."""
    return z_base + check_scale(scale) * (z_end - z_start)


def style_text(spec: str) -> str:
    """A lone word is a style label ("proud" -> "a proud person moves"); else unchanged."""
    s = spec.strip()
    if s and len(s.split()) == 1 and "/" not in s and "." not in s:
        return style_prompt(s.lower())
    return s


@dataclass
class Edit:
    """An edit's inputs (base, start, end), its latent and the decoded motion."""

    base: Source
    start: Source
    end: Source
    z: torch.Tensor
    motion: Motion

    def captions(self) -> list[str]:
        return [f"base: {self.base.label}", f"- {self.start.label}", f"+ {self.end.label}", "result"]


def _apply(model: MotionCLIP, base: Source, start: Source, end: Source, scale: float, frames: int | None) -> Edit:
    z = edit_latent(base.z, match_norm(start.z, start.kind, base), match_norm(end.z, end.kind, base), scale)
    if frames is None and base.motion is not None:
        frames = min(model.cfg.max_frames, max(1, int(round(base.motion.duration * model.fps))))
    return Edit(base, start, end, z, model.decode(z, frames)[0])


def edit_style(
    model: MotionCLIP,
    add: str,
    sub: str | None = None,
    motion: str | None = None,
    text: str | None = None,
    scale: float = 1.0,
    frames: int | None = None,
    allow_files: bool = True,
    joint_map: dict[str, str] | None = None,
) -> Edit:
    """Style edit of a motion file or a text: ``z + s * (E(add) - E(sub))``.
    ``allow_files=False``: every input is text (see ``sources.resolve``)."""
    check_scale(scale)
    if (motion is None) == (text is None):
        raise MotionCLIPError("give exactly one of --motion FILE or --text TEXT to edit")
    if motion is not None and (not allow_files or not Path(motion).expanduser().is_file()):
        raise MotionCLIPError(f"{motion}: motion file not found")
    spec = motion if motion is not None else text
    base = resolve(model, spec, allow_files=allow_files, joint_map=joint_map)  # type: ignore[arg-type]
    end = resolve(model, style_text(add), decodable=False, allow_files=allow_files, joint_map=joint_map)
    neutral = style_text(sub if sub else NEUTRAL_STYLE)
    start = resolve(model, neutral, decodable=False, allow_files=allow_files, joint_map=joint_map)
    return _apply(model, base, start, end, scale, frames)


def compose(
    model: MotionCLIP,
    upper: str,
    lower: str,
    neutral: str | None = None,
    scale: float = 1.0,
    frames: int | None = None,
    allow_files: bool = True,
    joint_map: dict[str, str] | None = None,
) -> Edit:
    """Upper body of ``upper`` on the lower body of ``lower``: ``z_lower + s (z_upper - z_neutral)``;
    ``neutral`` None or empty = ``NEUTRAL_POSE``."""
    check_scale(scale)

    def side(spec: str, decodable: bool = True) -> Source:
        return resolve(model, spec, decodable, allow_files=allow_files, joint_map=joint_map)

    base = side(lower)
    terms = side(neutral or NEUTRAL_POSE, decodable=False), side(upper, decodable=False)
    return _apply(model, base, *terms, scale, frames)


def write_edit(model: MotionCLIP, result: Edit, out: str | Path, grid: bool = False) -> list[Path]:
    """The edited motion; with ``grid`` one video of base / start / end / result side by side."""
    check_output(out, grid)
    if not grid:
        return write_outputs([result.motion], out)
    inputs = model.decode(torch.stack([result.base.z, result.start.z, result.end.z]), len(result.motion))
    return write_outputs([*inputs, result.motion], out, captions=result.captions(), grid=True)
