"""The :class:`Motion` type: a skeleton plus per-frame local rotations and root path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import matrix_to_6d, sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionFormatError

MAX_MOTION_CELLS = 4_000_000
"""Frames x joints any reader or resampler will build (~100 bytes each at peak): 37 min of
a 30-joint take at 60 fps. Checked before allocating, so hostile headers cannot ask for GBs."""


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
        self.rotations = torch.as_tensor(self.rotations, dtype=torch.float32)
        self.root_translation = torch.as_tensor(self.root_translation, dtype=torch.float32)
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
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise MotionFormatError(f"fps must be positive, got {self.fps}")
        self.fps = float(self.fps)

    def __len__(self) -> int:
        return int(self.rotations.shape[0])

    def __getitem__(self, index: slice) -> Motion:
        if not isinstance(index, slice):
            raise TypeError("Motion supports slicing only, e.g. motion[10:70]")
        if index.step not in (None, 1):
            raise ValueError("use resample() to change the frame rate; slices must have step 1")
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
        return cls(skeleton, sixd_to_matrix(torch.as_tensor(rotations_6d).float()), root_translation, fps)

    def clone(self) -> Motion:
        return Motion(self.skeleton, self.rotations.clone(), self.root_translation.clone(), self.fps, self.euler_order)

    def __repr__(self) -> str:
        return f"Motion(frames={len(self)}, joints={self.skeleton.num_joints}, fps={self.fps:g})"
