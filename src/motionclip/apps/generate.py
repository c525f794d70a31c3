"""Text-to-motion: decode text embeddings with the motion decoder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from motionclip.apps.outputs import write_outputs
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.model.motionclip import MotionCLIP

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


def generate(model: MotionCLIP, texts: Sequence[str], frames: int | None = None) -> list[Motion]:
    """One motion per prompt."""
    prompts = validate_prompts(texts)
    return model.decode(model.text_latent(prompts), frames)


def generate_to_files(
    model: MotionCLIP, texts: Sequence[str], out: str | Path, frames: int | None = None, grid: bool = False
) -> list[Path]:
    prompts = validate_prompts(texts)
    motions = generate(model, prompts, frames)
    return write_outputs(motions, out, captions=prompts, grid=grid)
