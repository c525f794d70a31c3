"""Read or write a motion by file extension."""

from __future__ import annotations

import os
from pathlib import Path

from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.motion import Motion
from motionclip.data.npz import read_npz, write_npz
from motionclip.errors import MotionFormatError

MOTION_SUFFIXES = (".bvh", ".bvh.gz", ".npz")


def read_motion(path: str | os.PathLike[str], up: str = "y") -> Motion:
    """Read ``.bvh``, ``.bvh.gz`` or ``.npz``; ``up`` = "auto" or "z" turns a Z-up BVH
    (Blender, 3ds Max) Y-up (see :mod:`motionclip.data.up_axis`; npz files are Y-up)."""
    return read_motion_noted(path, up)[0]


def read_motion_noted(path: str | os.PathLike[str], up: str = "auto") -> tuple[Motion, str | None]:
    """:func:`read_motion` plus a note saying whether the up axis was converted."""
    from motionclip.data.up_axis import check_up, to_y_up

    up = check_up(up)
    name = str(path).lower()
    if name.endswith(".npz"):
        return read_npz(path), None
    if name.endswith((".bvh", ".bvh.gz")):
        return to_y_up(read_bvh(path), up)
    raise MotionFormatError(f"{path}: unsupported motion file (expected {', '.join(MOTION_SUFFIXES)})")


def write_motion(motion: Motion, path: str | os.PathLike[str]) -> Path:
    """Write ``.bvh``, ``.bvh.gz`` or ``.npz`` by extension."""
    name = str(path).lower()
    if name.endswith(".npz"):
        return write_npz(motion, path)
    if name.endswith((".bvh", ".bvh.gz")):
        return write_bvh(motion, path)
    raise MotionFormatError(f"{path}: unsupported motion output (expected {', '.join(MOTION_SUFFIXES)})")
