"""The :class:`Motion` type: a skeleton plus per-frame local rotations and root path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from motionclip.checks import check_number, check_real_tensor, shown
from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import matrix_to_6d, sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, MotionFormatError

MAX_MOTION_CELLS = 4_000_000
"""Frames x joints any reader or resampler will build (~100 bytes each at peak): 37 min of
a 30-joint take at 60 fps. Checked before allocating, so hostile headers cannot ask for GBs."""
ROTATION_TOLERANCE = 1e-3
"""Largest entry of ``R Rᵀ - I`` a rotation matrix may have (float32 round-off is ~1e-6)."""
_CHECK_CHUNK = 65536  # matrices per orthonormality check (bounded temporary memory)


def check_motion(value: Any, name: str = "motion") -> Motion:
    """``value`` if it is a :class:`Motion`; a file name gets a hint to read it first."""
    if not isinstance(value, Motion):
        hint = " (read a file with motionclip.read_motion first)" if isinstance(value, str) else ""
        raise MotionCLIPError(f"{name} must be a Motion, got {shown(value)}{hint}")
    return value


def check_euler_order(value: Any, name: str = "euler_order") -> str:
    """An Euler channel order: a permutation of XYZ (any case), returned upper-case."""
    if not isinstance(value, str) or sorted(value.upper()) != ["X", "Y", "Z"]:
        raise MotionFormatError(f"{name} must be a permutation of XYZ, got {shown(value)}")
    return value.upper()


@torch.no_grad()
def check_rotation_matrices(rotations: torch.Tensor) -> None:
    """Refuse (T, J, 3, 3) matrices that are not rotations: orthonormal within
    :data:`ROTATION_TOLERANCE` with determinant +1 (all-zero, scaled or mirrored ones fail)."""
    flat = rotations.reshape(-1, 3, 3)
    eye = torch.eye(3, dtype=flat.dtype)
    for start in range(0, len(flat), _CHECK_CHUNK):
        part = flat[start : start + _CHECK_CHUNK]
        error = (part @ part.transpose(-1, -2) - eye).abs().amax(dim=(-1, -2))
        bad = (error > ROTATION_TOLERANCE) | (torch.linalg.det(part) <= 0)
        if bool(bad.any()):
            k = int(bad.nonzero()[0, 0])
            frame, joint = divmod(start + k, rotations.shape[1])
            det = float(torch.linalg.det(part[k]))
            raise MotionFormatError(
                f"rotations must be rotation matrices (orthonormal, determinant +1); frame {frame}, joint {joint} "
                f"is not (R Rᵀ differs from I by {float(error[k]):.3g}, determinant {det:.3g})"
            )


@dataclass
class Motion:
    """A motion clip.

    Attributes:
        skeleton: the joint hierarchy (offsets in metres).
        rotations: (T, J, 3, 3) local joint rotation matrices (float32).
        root_translation: (T, 3) world position of the root joint in metres.
        fps: frames per second.
        euler_order: Euler channel order used when writing BVH (the source's, or "ZXY").
    """

    skeleton: Skeleton
    rotations: torch.Tensor
    root_translation: torch.Tensor
    fps: float = 30.0
    euler_order: str = "ZXY"

    def __post_init__(self) -> None:
        if not isinstance(self.skeleton, Skeleton):
            raise MotionFormatError(f"skeleton must be a Skeleton, got {shown(self.skeleton)}")
        self.rotations = check_real_tensor(self.rotations, "rotations", MotionFormatError)
        self.root_translation = check_real_tensor(self.root_translation, "root_translation", MotionFormatError)
        self.fps = check_number(self.fps, "fps", positive=True, error=MotionFormatError)
        self.euler_order = check_euler_order(self.euler_order)
        j = self.skeleton.num_joints
        if self.rotations.ndim != 4 or self.rotations.shape[1:] != (j, 3, 3):
            raise MotionFormatError(
                f"rotations must have shape (T, {j}, 3, 3) for this skeleton, got {tuple(self.rotations.shape)}"
            )
        t = self.rotations.shape[0]
        if t == 0:
            raise MotionFormatError("motion has zero frames")
        if self.root_translation.shape != (t, 3):
            raise MotionFormatError(
                f"root_translation must have shape ({t}, 3), got {tuple(self.root_translation.shape)}"
            )
        if not (torch.isfinite(self.rotations).all() and torch.isfinite(self.root_translation).all()):
            raise MotionFormatError("motion contains NaN or inf values")
        check_rotation_matrices(self.rotations)

    def __len__(self) -> int:
        return int(self.rotations.shape[0])

    def __getitem__(self, index: slice) -> Motion:
        if not isinstance(index, slice):
            raise TypeError("Motion supports slicing only, e.g. motion[10:70]")
        if index.step not in (None, 1):
            raise MotionFormatError("use resample() to change the frame rate; slices must have step 1")
        return Motion(self.skeleton, self.rotations[index], self.root_translation[index], self.fps, self.euler_order)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self) / self.fps

    def positions(self) -> torch.Tensor:
        """(T, J, 3) world joint positions in metres (differentiable FK)."""
        offsets = torch.as_tensor(self.skeleton.offsets, dtype=self.rotations.dtype)
        return forward_kinematics(self.rotations, self.root_translation, offsets, self.skeleton.parents)

    def rotations_6d(self) -> torch.Tensor:
        """(T, J, 6) continuous 6D rotations (Zhou et al. 2019)."""
        return matrix_to_6d(self.rotations)

    @classmethod
    def from_6d(
        cls,
        skeleton: Skeleton,
        rotations_6d: torch.Tensor,
        root_translation: torch.Tensor,
        fps: float = 30.0,
    ) -> Motion:
        """Build a motion from (T, J, 6) rotations (orthonormalised) and (T, 3) translation."""
        rot6d = check_real_tensor(rotations_6d, "rotations_6d", MotionFormatError)
        return cls(skeleton, sixd_to_matrix(rot6d), root_translation, fps)

    def clone(self) -> Motion:
        return Motion(self.skeleton, self.rotations.clone(), self.root_translation.clone(), self.fps, self.euler_order)

    def __repr__(self) -> str:
        return f"Motion(frames={len(self)}, joints={self.skeleton.num_joints}, fps={self.fps:g})"
