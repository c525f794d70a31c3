"""Text to motion on a trained network: the latent bank and its seeded draw, the long-motion
path and the one checked request every surface sends (:class:`GenerateRequest`).

``from motionclip.generation import MotionCLIP, GenerateRequest, load_model`` (imported on first
use, so that :mod:`motionclip.generation.request` stays light for the CLI's early checks).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from motionclip.generation.request import GenerateRequest
    from motionclip.generation.text_to_motion import MotionCLIP

_EXPORTS = {
    "MotionCLIP": "motionclip.generation.text_to_motion",
    "GenerateRequest": "motionclip.generation.request",
}


def load_model(path: str | Path | None = None, device: str = "cpu", backend_model: str | None = None) -> MotionCLIP:
    """A checkpoint (None = the shipped one) as a ready text-to-motion :class:`MotionCLIP`
    (:func:`motionclip.model.checkpoint.load_checkpoint` with its latent bank)."""
    from motionclip.generation.text_to_motion import MotionCLIP
    from motionclip.model.checkpoint import load_checkpoint

    return load_checkpoint(path, device, backend_model, model_class=MotionCLIP)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'motionclip.generation' has no attribute {name!r}")


__all__ = ["GenerateRequest", "MotionCLIP", "load_model"]
