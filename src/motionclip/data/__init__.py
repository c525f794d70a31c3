"""Motion types, file formats, canonical form and datasets."""

from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.canonical import canonicalize, resample
from motionclip.data.motion import Motion
from motionclip.data.npz import read_npz, write_npz
from motionclip.data.skeleton import Skeleton

__all__ = ["Motion", "Skeleton", "canonicalize", "read_bvh", "read_npz", "resample", "write_bvh", "write_npz"]
