"""One text-to-motion request, checked once for every surface (CLI, Python API, web).

:meth:`GenerateRequest.build` does every check that needs no model (prompts, samples, seed,
bank weight), so the CLI refuses bad arguments before it loads a checkpoint;
:meth:`GenerateRequest.frames_for` and :meth:`GenerateRequest.weight_for` add the checks
that depend on the model (its frame rate and window, whether it has a latent bank).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from motionclip.checks import check_int, check_number, validate_prompts
from motionclip.errors import MotionCLIPError
from motionclip.limits import LIMITS, Limits

if TYPE_CHECKING:
    from motionclip.generation.text_to_motion import MotionCLIP


def check_bank_weight(weight: float) -> float:
    """The slerp weight between a text's embedding (0) and a training latent near it (1)."""
    return check_number(weight, "bank weight", minimum=0.0, maximum=1.0)  # also rejects NaN


def check_samples_seed(samples: Any, seed: Any, limits: Limits = LIMITS) -> tuple[int, int]:
    """``samples`` in 1..``limits.max_samples`` and ``seed`` in 0..``limits.max_seed``, as ints."""
    samples = check_int(samples, "samples", 1, limits.max_samples)
    seed = check_int(seed, "seed", 0, limits.max_seed)
    return samples, seed


@dataclass(frozen=True)
class GenerateRequest:
    """Prompts to decode, ``samples`` motions each (prompt-major), reproducible by ``seed``.

    ``frames`` None = the model's window; ``bank_weight`` None = the checkpoint's (0 = the
    paper's direct text decoding); ``compose`` decodes "A while B" prompts part by part."""

    prompts: tuple[str, ...]
    frames: int | None = None
    samples: int = 1
    seed: int = 0
    bank_weight: float | None = None
    compose: bool = True
    limits: Limits = LIMITS

    @classmethod
    def build(
        cls,
        texts: str | Sequence[str],
        frames: int | None = None,
        samples: int = 1,
        seed: int = 0,
        bank_weight: float | None = None,
        compose: bool = True,
        limits: Limits = LIMITS,
    ) -> GenerateRequest:
        """A request whose model-independent arguments are checked (clear one-line errors)."""
        prompts = tuple(validate_prompts(texts, limits))
        if frames is not None:
            frames = check_int(frames, "frames", 1)
        samples, seed = check_samples_seed(samples, seed, limits)
        if bank_weight is not None:
            bank_weight = check_bank_weight(bank_weight)
        return cls(prompts, frames, samples, seed, bank_weight, bool(compose), limits)

    def with_prompts(self, prompts: Sequence[str], compose: bool = False) -> GenerateRequest:
        """The same request for other (already checked) prompts, e.g. the parts of a composition."""
        return dataclasses.replace(self, prompts=tuple(prompts), compose=compose)

    def longest(self, model: MotionCLIP) -> int:
        """The most frames one motion may have on ``model``."""
        return max(int(self.limits.max_seconds * model.fps), model.window, model.trained_frames)

    def frames_for(self, model: MotionCLIP) -> int:
        """Frames to generate on ``model``: 1..:meth:`longest` (None = its window)."""
        if self.frames is None:
            return model.window
        most = self.longest(model)
        return check_int(self.frames, "frames", 1, most, note=f" ({most / model.fps:g} s)")

    def weight_for(self, model: MotionCLIP) -> float:
        """The slerp weight generation uses on ``model`` (0 = direct text decoding); several
        samples per prompt need a latent bank."""
        weight = check_bank_weight(model.generation.bank_weight if self.bank_weight is None else self.bank_weight)
        if model.bank_size == 0:
            if self.samples > 1:
                raise MotionCLIPError("this checkpoint has no latent bank, so it gives one motion per prompt")
            return 0.0
        return weight
