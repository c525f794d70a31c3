"""MotionCLIP: a human-motion auto-encoder aligned with a pretrained embedding space.

Quick start::

    import motionclip
    model = motionclip.load()                      # the shipped checkpoint
    motion = model.generate("an elderly person walks")
    motionclip.write_bvh(motion, "walk.bvh")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from motionclip._lazy import lazy_exports
from motionclip._version import __version__
from motionclip.checks import check_bool, check_number, check_path, check_str
from motionclip.data import canonical as _canonical
from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.io import read_motion, write_motion
from motionclip.data.motion import Motion, check_motion
from motionclip.data.npz import read_npz, write_npz
from motionclip.data.skeleton import Skeleton
from motionclip.errors import CheckpointError, MotionCLIPError, MotionFormatError

if TYPE_CHECKING:
    import torch

    from motionclip.generation.text_to_motion import MotionCLIP


def load(
    path: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu", backend_model: str | None = None
) -> MotionCLIP:
    """Load a checkpoint (a directory or .safetensors file); no path = the shipped one.

    ``device``: where the model runs ("cpu", "cuda", "cuda:1", ...); ``backend_model``: where the
    text backend's weights are, if not where the checkpoint says (a CLIP directory or hub id)."""
    import torch

    from motionclip.generation import load_model
    from motionclip.text.base import check_device

    if path is not None:
        path = check_path(path, error=CheckpointError)
    if not isinstance(device, (str, torch.device)):
        raise MotionCLIPError(f"device must be a device name such as 'cpu' or 'cuda', got {device!r}")
    check_device(str(device))
    if backend_model is not None:
        check_str(backend_model, "backend_model")
    return load_model(path, device=str(device), backend_model=backend_model)


def canonicalize(motion: Motion, fps: float | None = 30.0, face_forward: bool = True) -> Motion:
    """Resample to ``fps`` (None keeps it), move frame 0's root above the origin, face +Z
    (:func:`motionclip.data.canonical.canonicalize`, with its arguments checked)."""
    check_motion(motion)
    if fps is not None:
        check_number(fps, "fps", positive=True, error=MotionFormatError)
    return _canonical.canonicalize(motion, fps, check_bool(face_forward, "face_forward"))


def resample(motion: Motion, fps: float) -> Motion:
    """Resample to ``fps``: slerp for rotations, linear for the root translation
    (:func:`motionclip.data.canonical.resample`, with its arguments checked)."""
    check_motion(motion)
    return _canonical.resample(motion, check_number(fps, "fps", positive=True, error=MotionFormatError))


# The applications, as the CLI and the web server run them (imported on first use, so that
# ``import motionclip`` stays light): motionclip.interpolate(model, "a person walks", ...).
_APPS = {
    "generate": "motionclip.apps.generate",
    "generate_with_closeness": "motionclip.apps.generate",
    "interpolate": "motionclip.apps.interpolate",
    "edit_style": "motionclip.apps.edit",
    "compose": "motionclip.apps.edit",
    "classify": "motionclip.apps.classify",
    "classify_motion": "motionclip.apps.classify",
}


__getattr__ = lazy_exports("motionclip", _APPS)


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
