"""Text-to-motion: decode text embeddings with the motion decoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from motionclip.apps.outputs import write_outputs
from motionclip.apps.vocabulary import Closeness, closeness, notes
from motionclip.checks import validate_prompts  # beside the text check the model API uses
from motionclip.config import LIMITS, Limits
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.model.autoencoder import MotionCLIP


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


def validate_samples(samples: int, seed: int, limits: Limits = LIMITS) -> None:
    if not 1 <= int(samples) <= limits.max_samples:
        raise MotionCLIPError(f"samples must be between 1 and {limits.max_samples}, got {samples}")
    if not 0 <= int(seed) < 2**63:
        raise MotionCLIPError(f"seed must be a non-negative integer, got {seed}")


def generate(
    model: MotionCLIP,
    texts: Sequence[str],
    frames: int | None = None,
    samples: int = 1,
    seed: int = 0,
    bank_weight: float | None = None,
) -> list[Motion]:
    """``samples`` motions per prompt (prompt-major), reproducible by ``seed``."""
    prompts = validate_prompts(texts)
    validate_samples(samples, seed)
    motions = model.generate(prompts, frames, samples, seed, bank_weight)
    return [motions] if isinstance(motions, Motion) else motions


def generate_to_files(
    model: MotionCLIP,
    texts: Sequence[str],
    out: str | Path,
    frames: int | None = None,
    grid: bool = False,
    samples: int = 1,
    seed: int = 0,
    bank_weight: float | None = None,
) -> list[Path]:
    from motionclip.apps.outputs import output_kind
    from motionclip.io_utils import check_output_path

    prompts = validate_prompts(texts)
    output_kind(out)
    check_output_path(out)  # before generating
    motions = generate(model, prompts, frames, samples, seed, bank_weight)
    captions = [p if samples == 1 else f"{p} ({k + 1})" for p in prompts for k in range(samples)]
    return write_outputs(motions, out, captions=captions, grid=grid)


@dataclass
class Generation:
    """What :func:`generate_with_closeness` returns: the motions (as :func:`generate`) and,
    per prompt, how close it is to the model's training descriptions (``apps.vocabulary``)."""

    motions: list[Motion]
    closeness: list[Closeness]

    @property
    def notes(self) -> list[str]:
        """``note: ...`` lines of the prompts far from every training description."""
        return notes(self.closeness)


def prompt_closeness(model: MotionCLIP, texts: Sequence[str]) -> list[Closeness]:
    """Per prompt: the nearest training descriptions (cosine in the text space) and a note
    when it is far from all of them."""
    return closeness(model, validate_prompts(texts))


def generate_with_closeness(
    model: MotionCLIP,
    texts: Sequence[str],
    frames: int | None = None,
    samples: int = 1,
    seed: int = 0,
    bank_weight: float | None = None,
) -> Generation:
    """:func:`generate`, plus how close each prompt is to what the model was trained on."""
    prompts = validate_prompts(texts)
    motions = generate(model, prompts, frames, samples, seed, bank_weight)
    return Generation(motions, closeness(model, prompts))
