"""Turn a command-line "FILE_OR_TEXT" argument into a latent vector.

The applications accept either a motion file or free text wherever the paper mixes the
two. The rule, shared by every command so it behaves the same everywhere:

- an existing file is a motion (``.bvh``, ``.bvh.gz`` or ``.npz``; a Z-up BVH is turned
  Y-up, see :mod:`motionclip.data.up_axis`);
- a single token ending in a motion extension that does not exist is a *missing file*
  (an error), never silently a text prompt;
- anything else is a text prompt.

Motions are put on the model's skeleton first: for a canonical-body model any humanoid
rig through its joint positions (:mod:`motionclip.data.body`); for an older "rig" model by
joint name (or a ``--joint-map`` file; see :mod:`motionclip.data.retarget`).

Motion latents: clips up to 1.5x the model's training window are encoded whole; longer
clips are cut into training-length windows (half-window stride) and their latents are
averaged, because the encoder only ever saw training-length windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from motionclip.apps.generate import validate_prompts
from motionclip.data.canonical import resample
from motionclip.data.io import MOTION_SUFFIXES, read_motion
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP


@dataclass(frozen=True)
class Reading:
    """How the motion files an application is given are read: a joint map for names no rule
    finds, the up axis and the length unit (see :mod:`motionclip.data.body`). Wherever the
    applications take ``joint_map``, a :class:`Reading` may stand in for the plain map."""

    joint_map: dict[str, str] | None = None
    up: str = "auto"
    units: str = "auto"
    # receives each file's reading notes (units converted, a poor fit to the body): the CLI prints them
    report: Callable[[str], None] | None = field(default=None, compare=False)


def reading_of(joint_map: dict[str, str] | Reading | None) -> Reading:
    """The :class:`Reading` for an applications' ``joint_map`` argument (checked)."""
    from motionclip.data.units import check_units
    from motionclip.data.up_axis import check_up

    r = joint_map if isinstance(joint_map, Reading) else Reading(joint_map)
    check_up(r.up)
    check_units(r.units)
    return r


def check_model(model: object) -> MotionCLIP:
    """The applications' first argument: a loaded model (``motionclip.load()``)."""
    if not isinstance(model, MotionCLIP):
        raise MotionCLIPError(f"model must be a MotionCLIP model (motionclip.load()), got {type(model).__name__}")
    return model


@dataclass
class Source:
    """One resolved input: where it came from, and its latent (D,)."""

    kind: str  # "motion" or "text"
    label: str  # file name or the prompt itself
    z: torch.Tensor
    motion: Motion | None = None


def is_motion_path(spec: str) -> bool:
    """True when ``spec`` names a motion file (existing or not)."""
    return str(spec).lower().endswith(MOTION_SUFFIXES) and not any(c.isspace() for c in str(spec))


def to_model_skeleton(model: MotionCLIP, motion: Motion, joint_map: dict[str, str] | Reading | None = None) -> Motion:
    """``motion`` on the model's skeleton (see :func:`to_model_body`)."""
    return to_model_body(model, motion, joint_map)[0]


def to_model_body(
    model: MotionCLIP, motion: Motion, joint_map: dict[str, str] | Reading | None = None
) -> tuple[Motion, list[str]]:
    """``motion`` (Y-up) on the model's skeleton, with notes (unit converted, poor fit).

    A canonical-body model (``model.body``) reads every rig the way its training data was
    read: landmarks by name and structure, units from body height, rotations recomputed
    (:func:`motionclip.data.body.body_from_rig`). Older "rig" models retarget by joint name
    (local rotations copied, root path scaled by leg length)."""
    from motionclip.data.body import CANONICAL_BODY, body_from_rig
    from motionclip.data.retarget import retarget

    r = reading_of(joint_map)
    if model.body == CANONICAL_BODY:
        fitted, notes = body_from_rig(motion, r.joint_map, r.units)
        if r.report is not None:
            for line in notes:
                r.report(line)
        return fitted.motion, notes
    if motion.skeleton.same_topology(model.skeleton) and not r.joint_map:
        return motion, []
    return retarget(motion, model.skeleton, r.joint_map), []


def read_joint_map(path: str | Path | None) -> dict[str, str] | None:
    """The ``--joint-map`` file's ``{source: model joint}`` names, or None."""
    if path is None:
        return None
    from motionclip.data.retarget import read_joint_map as read

    return read(path)


def motion_latent(model: MotionCLIP, motion: Motion, joint_map: dict[str, str] | Reading | None = None) -> torch.Tensor:
    """(D,) latent of a motion of any rig, averaging training-length windows for long clips."""
    return latent_on_model(model, to_model_skeleton(model, motion, joint_map))


def latent_on_model(model: MotionCLIP, motion: Motion) -> torch.Tensor:
    """(D,) latent of a motion already on the model's skeleton (see :func:`motion_latent`)."""
    # encode_motion checks the skeleton and canonicalises each window
    c = resample(motion, model.fps)
    w = model.window
    if len(c) <= int(1.5 * w):
        return model.encode_motion(c)[0]
    stride = max(1, w // 2)
    starts = list(range(0, len(c) - w + 1, stride))
    if starts[-1] != len(c) - w:
        starts.append(len(c) - w)
    return model.encode_motion([c[s : s + w] for s in starts]).mean(0)


def text_latent(model: MotionCLIP, texts: list[str], decodable: bool = True) -> torch.Tensor:
    """(N, D) latents for ``texts``: with ``decodable`` exactly what ``model.generate``
    decodes (its default seed), else the text embeddings at the latent norm (for edit
    directions, which are differences of embeddings as in the paper).

    The one place the applications turn text into a latent, so interpolation and editing
    stay consistent with ``generate``.
    """
    return model.generation_latents(texts) if decodable else model.text_latent(texts)


def resolve(
    model: MotionCLIP,
    spec: str,
    decodable: bool = True,
    allow_files: bool = True,
    joint_map: dict[str, str] | Reading | None = None,
) -> Source:
    """Resolve one FILE_OR_TEXT argument (see the module docstring for the rule);
    ``decodable`` as in :func:`text_latent`; ``joint_map`` renames a motion's joints. With
    ``allow_files=False`` (the web server, whose users must never name the server's files)
    every input is a text prompt."""
    text = (spec or "").strip()
    if not text:
        raise MotionCLIPError("empty input: give a motion file or a text prompt")
    if not allow_files:
        prompt = validate_prompts([text])[0]
        return Source("text", prompt, text_latent(model, [prompt], decodable)[0])
    path = Path(text).expanduser()
    try:
        is_file, is_dir = path.is_file(), path.is_dir()
    except (OSError, ValueError):  # a long or odd prompt is not a usable file name: it is text
        is_file = is_dir = False
    if is_file:
        if not is_motion_path(path.name):
            raise MotionCLIPError(f"{path}: not a motion file (expected {', '.join(MOTION_SUFFIXES)})")
        motion = to_model_skeleton(model, read_motion(path, up=reading_of(joint_map).up), joint_map)
        return Source("motion", path.name, latent_on_model(model, motion), motion)
    if is_dir:
        raise MotionCLIPError(f"{path}: is a folder; give a motion file or a text prompt")
    if is_motion_path(text):
        raise MotionCLIPError(f"{text}: motion file not found")
    prompt = validate_prompts([text])[0]
    return Source("text", prompt, text_latent(model, [prompt], decodable)[0])


def match_norm(term: torch.Tensor, kind: str, base: Source) -> torch.Tensor:
    """Rescale a latent of the other modality to the base's norm.

    Text embeddings are unit vectors while motion latents are not (the cosine loss only
    aligns directions), so mixing them unscaled would make an edit vanish or dominate.
    """
    if kind == base.kind:
        return term
    return term * (base.z.norm() / term.norm().clamp_min(1e-8))
