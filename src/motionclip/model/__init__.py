"""The MotionCLIP network, its configuration and its checkpoint format.

``from motionclip.model import MotionAutoencoder, load_checkpoint, save_checkpoint`` (imported on
first use, so that importing a submodule stays light). Text-to-motion (the latent bank, the
draw) is :mod:`motionclip.generation`; training is :mod:`motionclip.training`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from motionclip._lazy import lazy_exports

if TYPE_CHECKING:
    from motionclip.model.autoencoder import MotionAutoencoder
    from motionclip.model.checkpoint import load_checkpoint, save_checkpoint

_EXPORTS = {
    "MotionAutoencoder": "motionclip.model.autoencoder",
    "load_checkpoint": "motionclip.model.checkpoint",
    "save_checkpoint": "motionclip.model.checkpoint",
}


__getattr__ = lazy_exports("motionclip.model", _EXPORTS)


__all__ = ["MotionAutoencoder", "load_checkpoint", "save_checkpoint"]
