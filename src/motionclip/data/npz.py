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

from motionclip.checks import check_path
from motionclip.data.motion import MAX_MOTION_CELLS, Motion, check_motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, MotionFormatError
from motionclip.io_utils import atomic_path

FORMAT_TAG = "motionclip-motion-v1"
REQUIRED_KEYS = ("joint_names", "parents", "offsets", "rotations", "root_translation", "fps")


def write_npz(motion: Motion, path: str | os.PathLike[str]) -> Path:
    """Write ``motion`` to ``path`` (.npz), atomically."""
    check_motion(motion)
    final = check_path(path, error=MotionFormatError)
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
            end_site_offsets=np.array([sk.end_sites[j] for j in sorted(sk.end_sites)], dtype=np.float64).reshape(-1, 3),
        )
    return final


# key -> (allowed dtype kinds, ndim); "f" floating, "iu" integers, "U" text
_SPEC: dict[str, tuple[str, int]] = {
    "joint_names": ("U", 1),
    "parents": ("iu", 1),
    "offsets": ("f", 2),
    "rotations": ("f", 4),
    "root_translation": ("f", 2),
    "fps": ("fiu", 0),
    "euler_order": ("U", 0),
    "end_site_joints": ("iu", 1),
    "end_site_offsets": ("f", 2),
}
MAX_NPZ_MEMBER_BYTES = 512 * 1024 * 1024
_KINDS = {"f": "floating-point", "iu": "integer", "fiu": "number", "U": "text"}


def _check_headers(p: Path) -> None:
    """Dtypes, dimensions and sizes from the arrays' .npy headers, before any data is read
    (so object arrays, strings for numbers, zip bombs and huge shapes fail with one line)."""
    from numpy.lib import format as npy_format

    with zipfile.ZipFile(p) as zf:
        shapes: dict[str, tuple[int, ...]] = {}
        for info in zf.infolist():
            key = info.filename.removesuffix(".npy")
            if key not in _SPEC:
                continue
            if info.file_size > MAX_NPZ_MEMBER_BYTES:
                raise MotionFormatError(f"{p}: array {key!r} is larger than {MAX_NPZ_MEMBER_BYTES // 2**20} MiB")
            with zf.open(info) as fh:
                version = npy_format.read_magic(fh)
                read = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
                shape, _, dtype = read(fh)
            kinds, ndim = _SPEC[key]
            if dtype.kind not in kinds:
                raise MotionFormatError(f"{p}: {key!r} must be {_KINDS[kinds]}, got dtype {dtype}")
            if len(shape) != ndim:
                raise MotionFormatError(f"{p}: {key!r} must have {ndim} dimensions, got shape {tuple(shape)}")
            shapes[key] = tuple(shape)
        rot = shapes.get("rotations")
        if rot is not None and rot[0] * rot[1] > MAX_MOTION_CELLS:
            raise MotionFormatError(
                f"{p}: {rot[0]} frames x {rot[1]} joints is more than the {MAX_MOTION_CELLS} supported"
            )


def read_npz(path: str | os.PathLike[str]) -> Motion:
    """Read a motion written by :func:`write_npz`; every array's dtype and shape is checked."""
    p = check_path(path, error=MotionFormatError)
    if not p.exists():
        raise MotionFormatError(f"{p}: file not found")
    if not p.is_file():  # FIFOs, devices, folders
        raise MotionFormatError(f"{p}: not a regular file")
    try:
        _check_headers(p)
        with np.load(p, allow_pickle=False) as data:
            missing = [k for k in REQUIRED_KEYS if k not in data]
            if missing:
                raise MotionFormatError(f"{p}: not a motionclip npz (missing keys: {', '.join(missing)})")
            end_sites = {}
            if "end_site_joints" in data and "end_site_offsets" in data:
                joints, offsets = data["end_site_joints"], data["end_site_offsets"]
                if offsets.shape != (len(joints), 3):
                    raise MotionFormatError(f"{p}: end_site_offsets must have shape ({len(joints)}, 3)")
                if not np.isfinite(offsets).all():
                    raise MotionFormatError(f"{p}: non-finite End Site offset in end_site_offsets")
                end_sites = {int(j): tuple(float(v) for v in off) for j, off in zip(joints, offsets)}
            skeleton = Skeleton(
                tuple(str(n) for n in data["joint_names"]),
                tuple(int(x) for x in data["parents"]),
                data["offsets"],
                end_sites,
            )
            if any(not 0 <= j < skeleton.num_joints for j in end_sites):
                raise MotionFormatError(f"{p}: end_site_joints names a joint that does not exist")
            order = str(data["euler_order"]) if "euler_order" in data else "ZXY"
            return Motion(skeleton, data["rotations"], data["root_translation"], float(data["fps"]), order)
    except MotionCLIPError as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith(str(p)) else f"{p}: {msg}") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError, TypeError) as exc:
        raise MotionFormatError(f"{p}: cannot read npz ({exc})") from None
