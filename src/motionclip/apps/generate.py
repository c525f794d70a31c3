"""Text-to-motion: decode text embeddings with the motion decoder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from motionclip.apps.outputs import write_outputs
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.model.autoencoder import MotionCLIP

MAX_TEXT_CHARS = 500


def validate_prompts(texts: Sequence[str]) -> list[str]:
    """Strip prompts and reject empty or absurdly long ones with a clear message."""
    out = []
    if not texts:
        raise MotionCLIPError("give at least one text prompt")
    for i, t in enumerate(texts):
        t = (t or "").strip()
        if not t:
            raise MotionCLIPError(f"prompt {i + 1} is empty")
        if len(t) > MAX_TEXT_CHARS:
            raise MotionCLIPError(f"prompt {i + 1} is longer than {MAX_TEXT_CHARS} characters")
        out.append(t)
    return out


MAX_SAMPLES = 64


def duration_frames(model: MotionCLIP, frames: int | None, seconds: float | None) -> int | None:
    """Frames for ``--frames`` or ``--seconds`` (not both); None = the model's window."""
    from motionclip.model.autoencoder import MAX_GENERATE_SECONDS

    if frames is not None and seconds is not None:
        raise MotionCLIPError("give --frames or --seconds, not both")
    if seconds is None:
        return frames
    if not 0 < seconds <= MAX_GENERATE_SECONDS:  # also rejects NaN
        raise MotionCLIPError(f"--seconds must be > 0 and at most {MAX_GENERATE_SECONDS:g}, got {seconds}")
    return max(1, round(seconds * model.fps))


def validate_samples(samples: int, seed: int) -> None:
    if not 1 <= int(samples) <= MAX_SAMPLES:
        raise MotionCLIPError(f"samples must be between 1 and {MAX_SAMPLES}, got {samples}")
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
