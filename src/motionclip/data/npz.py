"""A plain NumPy ``.npz`` motion format for tools that do not speak BVH.

Keys (all lengths in metres, Y up):

- ``joint_names`` (J,) str, ``parents`` (J,) int64 (root = -1), ``offsets`` (J, 3) float64
- ``rotations`` (T, J, 3, 3) float32: local joint rotation matrices
- ``root_translation`` (T, 3) float32: world position of the root joint
- ``fps`` () float64, ``euler_order`` () str
- ``positions`` (T, J, 3) float32: world joint positions (convenience; ignored on read)
- ``format`` () str = "motionclip-motion-v1"
- ``end_site_joints`` (K,) int64, ``end_site_offsets`` (K, 3) float64: BVH End Site offsets
  of leaf joints (optional on read), so BVH -> npz -> BVH keeps the leaf bones
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, MotionFormatError
from motionclip.io_utils import atomic_path

FORMAT_TAG = "motionclip-motion-v1"
REQUIRED_KEYS = ("joint_names", "parents", "offsets", "rotations", "root_translation", "fps")


def write_npz(motion: Motion, path: str | os.PathLike[str]) -> Path:
    """Write ``motion`` to ``path`` (.npz), atomically."""
    final = Path(path)
    sk = motion.skeleton
    with atomic_path(final, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            format=np.array(FORMAT_TAG),
            joint_names=np.array(sk.names),
            parents=np.array(sk.parents, dtype=np.int64),
            offsets=sk.offsets,
            rotations=motion.rotations.numpy().astype(np.float32),
            root_translation=motion.root_translation.numpy().astype(np.float32),
            fps=np.array(motion.fps, dtype=np.float64),
            euler_order=np.array(motion.euler_order),
            positions=motion.positions().detach().numpy().astype(np.float32),
            end_site_joints=np.array(sorted(sk.end_sites), dtype=np.int64),
            end_site_offsets=np.array([sk.end_sites[j] for j in sorted(sk.end_sites)], dtype=np.float64).reshape(
                -1, 3
            ),
        )
    return final


def read_npz(path: str | os.PathLike[str]) -> Motion:
    """Read a motion written by :func:`write_npz`."""
    p = Path(path)
    if not p.exists():
        raise MotionFormatError(f"{p}: file not found")
    try:
        with np.load(p, allow_pickle=False) as data:
            missing = [k for k in REQUIRED_KEYS if k not in data]
            if missing:
                raise MotionFormatError(f"{p}: not a motionclip npz (missing keys: {', '.join(missing)})")
            end_sites = {}
            if "end_site_joints" in data and "end_site_offsets" in data:
                end_sites = {
                    int(j): tuple(float(v) for v in off)
                    for j, off in zip(data["end_site_joints"], data["end_site_offsets"].reshape(-1, 3))
                }
            skeleton = Skeleton(
                tuple(str(n) for n in data["joint_names"]),
                tuple(int(x) for x in data["parents"]),
                data["offsets"],
                end_sites,
            )
            order = str(data["euler_order"]) if "euler_order" in data else "ZXY"
            return Motion(skeleton, data["rotations"], data["root_translation"], float(data["fps"]), order)
    except MotionCLIPError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise MotionFormatError(f"{p}: cannot read npz ({exc})") from None
