"""Text-to-motion: decode text embeddings with the motion decoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from motionclip.apps.compose import Composition, compose_samples
from motionclip.apps.outputs import write_outputs
from motionclip.apps.prompt_split import Split, split_prompt
from motionclip.apps.vocabulary import Closeness, closeness, default_split, notes
from motionclip.checks import validate_prompts  # beside the text check the model API uses
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.generation.request import GenerateRequest
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.limits import LIMITS, Limits

if TYPE_CHECKING:
    from motionclip.data.rig_export import UserRig


def check_seconds(seconds: float, option: str = "--seconds", limits: Limits = LIMITS) -> float:
    """A generation length in seconds: > 0 and at most ``limits.max_seconds`` (NaN refused)."""
    if not 0 < seconds <= limits.max_seconds:
        raise MotionCLIPError(f"{option} must be > 0 and at most {limits.max_seconds:g}, got {seconds}")
    return seconds


def duration_frames(model: MotionCLIP, frames: int | None, seconds: float | None) -> int | None:
    """Frames for ``--frames`` or ``--seconds`` (not both); None = the model's window."""
    if frames is not None and seconds is not None:
        raise MotionCLIPError("give --frames or --seconds, not both")
    if seconds is None:
        return frames
    return max(1, round(check_seconds(seconds) * model.fps))


def generate(
    model: MotionCLIP,
    texts: Sequence[str],
    frames: int | None = None,
    samples: int = 1,
    seed: int = 0,
    bank_weight: float | None = None,
    compose: bool = True,
) -> list[Motion]:
    """``samples`` motions per prompt (prompt-major), reproducible by ``seed``. With ``compose``
    a prompt joining a locomotion and an upper-body action ("a person walks while waving the
    right hand") is decoded part by part and combined per body part (``apps.compose``)."""
    request = GenerateRequest.build(texts, frames, samples, seed, bank_weight, compose)
    return generate_composed(model, request)[0]


def generate_composed(model: MotionCLIP, request: GenerateRequest) -> tuple[list[Motion], list[Composition | None]]:
    """The motions of a checked request and, per prompt, what was composed (None: decoded whole)."""
    motions = model.run(request)
    compositions: list[Composition | None] = [None] * len(request.prompts)
    samples = request.samples
    for i, prompt in enumerate(request.prompts):
        split = split_prompt(prompt) if request.compose else None
        if split is None:
            continue
        parts = model.run(request.with_prompts([split.first, split.second]))
        composed = compose_samples(split, parts[:samples], parts[samples:])
        if composed is None:
            continue
        motions[i * samples : (i + 1) * samples] = [c.motion for c in composed]
        compositions[i] = composed[0]
    return motions, compositions


def generate_to_files(
    model: MotionCLIP,
    request: GenerateRequest,
    out: str | Path,
    grid: bool = False,
    log: Callable[[str], None] | None = None,
    rig: UserRig | None = None,
) -> list[Path]:
    """A checked request's motions into files; ``log`` receives a ``composed: ...`` line per
    composed prompt and the far-from-training notes; ``rig`` writes motion files on the user's
    own rig (``outputs.load_rig``)."""
    from motionclip.apps.outputs import output_kind
    from motionclip.io_utils import check_output_path

    output_kind(out)
    check_output_path(out)  # before generating
    request.frames_for(model)
    motions, compositions = generate_composed(model, request)
    prompts = request.prompts
    if log is not None:
        for line in [c.line() for c in compositions if c is not None] + notes(
            composed_closeness(model, prompts, compositions)
        ):
            log(line)
    captions = [p if request.samples == 1 else f"{p} ({k + 1})" for p in prompts for k in range(request.samples)]
    return write_outputs(motions, out, captions=captions, grid=grid, rig=rig)


@dataclass
class Generation:
    """What :func:`generate_with_closeness` returns: the motions (as :func:`generate`) and,
    per prompt, how close it is to the model's training descriptions (``apps.vocabulary``)."""

    motions: list[Motion]
    closeness: list[Closeness]
    compositions: list[Composition | None] = field(default_factory=list)  # per prompt; None: decoded whole

    @property
    def notes(self) -> list[str]:
        """``note: ...`` lines of the prompts far from every training description."""
        return notes(self.closeness)

    @property
    def composed(self) -> list[str]:
        """``composed: ...`` lines of the prompts decoded part by part."""
        return [c.line() for c in self.compositions if c is not None]


def prompt_closeness(model: MotionCLIP, texts: Sequence[str]) -> list[Closeness]:
    """Per prompt: the nearest training descriptions (cosine in the text space) and a note
    when it is far from all of them."""
    return closeness(model, validate_prompts(texts))


def composed_closeness(
    model: MotionCLIP, prompts: Sequence[str], compositions: Sequence[Composition | None]
) -> list[Closeness]:
    """:func:`prompt_closeness`, a composed prompt judged by its farther part."""
    splits = [
        Split(p, c.lower, c.upper, "composed") if c is not None else default_split(p)
        for p, c in zip(prompts, compositions)
    ]
    return closeness(model, prompts, splits=splits)


def generate_with_closeness(
    model: MotionCLIP,
    texts: Sequence[str] | GenerateRequest,
    frames: int | None = None,
    samples: int = 1,
    seed: int = 0,
    bank_weight: float | None = None,
) -> Generation:
    """:func:`generate`, plus how close each prompt is to what the model was trained on
    (``texts`` may be an already checked :class:`GenerateRequest`, as the web server sends)."""
    if isinstance(texts, GenerateRequest):
        request = texts
    else:
        request = GenerateRequest.build(texts, frames, samples, seed, bank_weight)
    motions, compositions = generate_composed(model, request)
    return Generation(motions, composed_closeness(model, request.prompts, compositions), compositions)
