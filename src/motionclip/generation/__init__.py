"""Text to motion on a trained network: the latent bank and its seeded draw, the long-motion
path and the one checked request every surface sends (:class:`GenerateRequest`).

``from motionclip.generation import MotionCLIP, GenerateRequest, load_model`` (imported on first
use, so that :mod:`motionclip.generation.request` stays light for the CLI's early checks).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from motionclip._lazy import lazy_exports

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


__getattr__ = lazy_exports("motionclip.generation", _EXPORTS)


__all__ = ["GenerateRequest", "MotionCLIP", "load_model"]
