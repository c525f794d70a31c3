"""The MotionCLIP model: the auto-encoder, its checkpoints and its training.

``from motionclip.model import MotionCLIP, load_checkpoint, save_checkpoint`` (imported on first
use, so that importing a submodule such as :mod:`motionclip.model.ckpt_io` stays light).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from motionclip.model.autoencoder import MotionCLIP
    from motionclip.model.checkpoint import load_checkpoint, save_checkpoint

_EXPORTS = {
    "MotionCLIP": "motionclip.model.autoencoder",
    "load_checkpoint": "motionclip.model.checkpoint",
    "save_checkpoint": "motionclip.model.checkpoint",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'motionclip.model' has no attribute {name!r}")


__all__ = ["MotionCLIP", "load_checkpoint", "save_checkpoint"]
