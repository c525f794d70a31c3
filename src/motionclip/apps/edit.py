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
the lower body of one motion and takes the upper body of an action performed in place. The
paper does it by latent arithmetic; with the Bandai Namco data that latent decodes to one of
the two actions (nothing in the data walks and waves at once), so here both inputs are
decoded (or read, for files) and combined joint by joint (:mod:`motionclip.apps.compose`):
root path, heading and legs from ``--lower``; the upper-body limbs ``--upper`` moves
(compared with ``--neutral``'s motion when given, else with the lower-body motion) from
``--upper``; the spine blended between them. ``scale`` is the upper motion's weight on those
joints (0 = the lower motion unchanged, 1 = the upper motion's rotations). The Edit's
latent is the encoder's latent of the composed motion.

Mixed inputs: text embeddings are unit vectors and motion latents are not, so terms of the
other modality than the base are rescaled to the base's norm (``sources.match_norm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from motionclip.apps.compose import Composition, body_parts, combine, fit_length, gesture_limbs
from motionclip.apps.inputs import Reading, Source, check_model, latent_on_model, match_norm, resolve
from motionclip.apps.outputs import check_output, write_outputs
from motionclip.data.canonical import resample
from motionclip.data.labels import style_prompt
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.limits import LIMITS, Limits

if TYPE_CHECKING:
    from motionclip.data.rig_export import UserRig

NEUTRAL_STYLE = "normal"
NEUTRAL_POSE = "a person stands still"


def check_scale(scale: float, limits: Limits = LIMITS) -> float:
    from motionclip.checks import check_number

    return check_number(scale, "--scale", -limits.max_scale, limits.max_scale)


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
    """An edit's inputs (base, start, end), its latent and the decoded motion; a composition
    (``compose``) also says what it took from which input."""

    base: Source
    start: Source
    end: Source
    z: torch.Tensor
    motion: Motion
    composition: Composition | None = None

    def captions(self) -> list[str]:
        if self.composition is not None:
            return [f"lower: {self.base.label}", f"reference: {self.start.label}", f"upper: {self.end.label}", "result"]
        return [f"base: {self.base.label}", f"- {self.start.label}", f"+ {self.end.label}", "result"]

    def summary(self, scale: float = 1.0) -> str:
        """One line saying what was done (the CLI prints it)."""
        if self.composition is not None:
            return self.composition.line() + ("" if scale == 1 else f", weight {scale:g}")
        return f"z' = [{self.base.label}] + {scale:g} * ([{self.end.label}] - [{self.start.label}])"


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
    joint_map: dict[str, str] | Reading | None = None,
) -> Edit:
    """Style edit of a motion file or a text: ``z + s * (E(add) - E(sub))``.
    ``allow_files=False``: every input is text (see ``inputs.resolve``)."""
    from motionclip.checks import check_str

    check_model(model)
    check_scale(scale)
    check_str(add, "add")
    if sub is not None:
        check_str(sub, "sub")
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
    joint_map: dict[str, str] | Reading | None = None,
) -> Edit:
    """Upper body of ``upper`` on the root, heading and legs of ``lower``, per joint (see the
    module docstring); ``neutral`` None or empty: the gesture's limbs are those that differ
    from the lower-body motion (else from ``neutral``'s motion); ``scale`` weighs the upper
    motion on them."""
    from motionclip.checks import check_str

    check_model(model)
    check_scale(scale)
    check_str(upper, "upper")
    check_str(lower, "lower")

    def side(spec: str) -> Source:
        return resolve(model, spec, True, allow_files=allow_files, joint_map=joint_map)

    base, end = side(lower), side(upper)
    start = side(neutral) if neutral else resolve(model, NEUTRAL_POSE, False, allow_files=allow_files)
    if frames is None:
        frames = model.window
        if base.motion is not None:
            frames = min(model.cfg.max_frames, max(1, int(round(base.motion.duration * model.fps))))
    lower_motion, upper_motion = _motion_of(model, base, frames), _motion_of(model, end, frames)
    parts = body_parts(model.skeleton)
    reference = _motion_of(model, start, frames) if neutral else lower_motion
    limbs = gesture_limbs(upper_motion, reference, parts) or list(range(len(parts.limbs)))  # asked: the upper body
    motion = combine(lower_motion, upper_motion, limbs, scale, parts)
    composition = Composition(base.label, end.label, tuple(parts.names[i] for i in limbs), motion)
    return Edit(base, start, end, latent_on_model(model, motion), motion, composition)


def _motion_of(model: MotionCLIP, source: Source, frames: int) -> Motion:
    """A source's motion, ``frames`` long at the model's rate: a file's own (cut, or its last
    frame held), a text's as ``generate`` decodes it."""
    if source.motion is not None:
        return fit_length(resample(source.motion, model.fps), frames)
    out = model.generate([source.label], frames)
    return out[0]


def write_edit(
    model: MotionCLIP, result: Edit, out: str | Path, grid: bool = False, rig: UserRig | None = None
) -> list[Path]:
    """The edited motion (on the user's ``rig`` if given); with ``grid`` one video of base /
    start / end / result side by side."""
    check_output(out, grid)
    if not grid:
        return write_outputs([result.motion], out, rig=rig)
    inputs = model.decode(torch.stack([result.base.z, result.start.z, result.end.z]), len(result.motion))
    return write_outputs([*inputs, result.motion], out, captions=result.captions(), grid=True)
