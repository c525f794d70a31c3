"""MotionCLIP: a human-motion auto-encoder aligned with a pretrained embedding space.

Quick start::

    import motionclip
    model = motionclip.load()                      # the shipped checkpoint
    motion = model.generate("an elderly person walks")
    motionclip.write_bvh(motion, "walk.bvh")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.canonical import canonicalize, resample
from motionclip.data.io import read_motion, write_motion
from motionclip.data.motion import Motion
from motionclip.data.npz import read_npz, write_npz
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from motionclip.model.autoencoder import MotionCLIP


def load(path: str | None = None, **kwargs: Any) -> MotionCLIP:
    """Load a checkpoint (a directory or .safetensors file); no path = the shipped one."""
    from motionclip.model.checkpoint import load_checkpoint

    return load_checkpoint(path, **kwargs)


# The applications, as the CLI and the web server run them (imported on first use, so that
# ``import motionclip`` stays light): motionclip.interpolate(model, "a person walks", ...).
_APPS = {
    "generate": "motionclip.apps.generate",
    "interpolate": "motionclip.apps.interpolate",
    "edit_style": "motionclip.apps.edit",
    "compose": "motionclip.apps.edit",
    "classify": "motionclip.apps.classify",
    "classify_motion": "motionclip.apps.classify",
}


def __getattr__(name: str) -> Any:
    if name in _APPS:
        import importlib

        return getattr(importlib.import_module(_APPS[name]), name)
    raise AttributeError(f"module 'motionclip' has no attribute {name!r}")


__all__ = [
    *_APPS,
    "Motion",
    "MotionCLIPError",
    "Skeleton",
    "__version__",
    "canonicalize",
    "load",
    "read_bvh",
    "read_motion",
    "read_npz",
    "resample",
    "write_bvh",
    "write_motion",
    "write_npz",
]
