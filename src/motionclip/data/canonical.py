"""Canonical form: fixed frame rate, root at the ground-plane origin, facing +Z.

Training windows are put in this form so the model never has to learn where in the
capture volume, or which way, a take happened.
"""

from __future__ import annotations

import functools
import math

import torch

from motionclip.data.motion import MAX_MOTION_CELLS, Motion
from motionclip.data.rotations import slerp_matrices, yaw_matrix
from motionclip.data.skeleton import Skeleton, joint_side
from motionclip.errors import MotionFormatError, SkeletonError

UP_AXIS = 1  # Y up


def resampled_length(frames: int, src_fps: float, fps: float) -> int:
    """How many frames :func:`resample` gives for ``frames`` at ``src_fps`` (no work done)."""
    if abs(src_fps - fps) <= 1e-4 * fps or frames == 1:  # BVH frame times are rounded
        return frames
    return int(math.floor((frames - 1) * fps / src_fps + 1e-9)) + 1


def resample(motion: Motion, fps: float) -> Motion:
    """Resample to ``fps``: slerp for rotations, linear for the root translation."""
    if not (math.isfinite(fps) and fps > 0 and math.isfinite(motion.fps) and motion.fps > 0):
        raise MotionFormatError(f"cannot resample from {motion.fps} to {fps} fps")
    if abs(motion.fps - fps) <= 1e-4 * fps or len(motion) == 1:  # BVH frame times are rounded
        return Motion(motion.skeleton, motion.rotations, motion.root_translation, fps, motion.euler_order)
    n_out = resampled_length(len(motion), motion.fps, fps)
    if n_out * motion.skeleton.num_joints > MAX_MOTION_CELLS:  # before allocating (huge Frame Time)
        raise MotionFormatError(
            f"resampling {len(motion)} frames from {motion.fps:g} to {fps:g} fps gives {n_out} frames x "
            f"{motion.skeleton.num_joints} joints, more than the {MAX_MOTION_CELLS} supported"
        )
    src = torch.arange(n_out, dtype=torch.float64) * (motion.fps / fps)
    i0 = src.floor().long().clamp(max=len(motion) - 1)
    i1 = (i0 + 1).clamp(max=len(motion) - 1)
    alpha = (src - i0.double()).float()
    rot = slerp_matrices(
        motion.rotations[i0], motion.rotations[i1], alpha[:, None].expand(-1, motion.skeleton.num_joints)
    )
    trans = torch.lerp(motion.root_translation[i0], motion.root_translation[i1], alpha[:, None])
    return Motion(motion.skeleton, rot, trans, fps, motion.euler_order)


def _left_right_pairs(skeleton: Skeleton) -> list[tuple[int, int]]:
    """Left/right pairs that define the body's facing: hips and shoulders.

    Those are the mirrored pairs that hang off the same parent (UpperLeg_L/R under the
    hips, Shoulder_L/R under the chest). Arm and leg joints further out are left out: a
    punch or a wave would otherwise turn the "facing" direction by tens of degrees. A pair
    that sits at one spot in the rest pose (CMU's zero-length LHipJoint/RHipJoint and
    clavicles) gives way to the mirrored pair of its children (LeftUpLeg/RightUpLeg, the
    upper arms). Skeletons without such sibling pairs fall back to every mirrored pair that
    is apart.
    """
    from motionclip.data.rig_map import rest_positions

    pairs = _pairs_for_names(skeleton.names)
    rest = rest_positions(skeleton)
    mirror = dict(pairs)

    def apart(left: int, right: int) -> bool:
        return float(((rest[left] - rest[right]) ** 2).sum()) > 1e-6

    def spread(left: int, right: int, depth: int = 0) -> list[tuple[int, int]]:
        if apart(left, right):
            return [(left, right)]
        if depth > 3:
            return []
        kids = [(c, mirror[c]) for c in skeleton.children(left) if c in mirror and skeleton.parents[mirror[c]] == right]
        return [p for c in kids for p in spread(*c, depth + 1)]

    siblings = [p for left, right in pairs if skeleton.parents[left] == skeleton.parents[right]
                for p in spread(left, right)]  # fmt: skip
    return list(dict.fromkeys(siblings)) or [(left, right) for left, right in pairs if apart(left, right)]


@functools.lru_cache(maxsize=64)
def _pairs_for_names(names: tuple[str, ...]) -> list[tuple[int, int]]:
    """(left, right) joint pairs whose names differ only by their side marker."""

    def strip(name: str) -> str:
        low = name.lower()
        for tok in ("left", "right", "_l", "_r", ".l", ".r", "l_", "r_"):
            low = low.replace(tok, "#")
        return low

    sides = [joint_side(n) for n in names]
    pairs = []
    for i in range(len(names)):
        if sides[i] != "left":
            continue
        for j in range(len(names)):
            if sides[j] == "right" and strip(names[i]) == strip(names[j]):
                pairs.append((i, j))
    return pairs


def facing_pairs(skeleton: Skeleton) -> list[tuple[int, int]]:
    """The (left, right) joint pairs the facing direction is measured from; clear error if none."""
    pairs = _left_right_pairs(skeleton)
    if not pairs:
        raise SkeletonError(
            "cannot find left/right joints (names with _L/_R or Left/Right) to compute the facing direction"
        )
    return pairs


def horizontal_forward(positions: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """Unnormalised horizontal forward (..., 3) = (left - right) x up from (..., J, 3) positions,
    so a subject whose left is +X faces +Z."""
    if not pairs:
        raise ValueError("horizontal_forward needs at least one left/right joint pair")
    across = torch.stack([positions[..., left, :] - positions[..., right, :] for left, right in pairs]).sum(0)
    zero = torch.zeros_like(across[..., 0])
    return torch.stack([-across[..., 2], zero, across[..., 0]], dim=-1)


def yaw_to_face_forward(forward: torch.Tensor) -> torch.Tensor:
    """Yaw (radians, about +Y) that turns ``forward`` (..., 3) onto +Z."""
    return -torch.atan2(forward[..., 0], forward[..., 2])


def heading_yaw(positions: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """Per-frame yaw (radians) that turns the body to face +Z; positions (F, J, 3)."""
    return yaw_to_face_forward(horizontal_forward(positions, pairs))


def facing_direction(motion: Motion, frame: int = 0) -> torch.Tensor:
    """Unit horizontal forward vector of the body at ``frame``.

    Averaged over hip and shoulder pairs. Needs left/right joint names (``_L``/``Left``...).
    """
    pairs = facing_pairs(motion.skeleton)
    forward = horizontal_forward(motion[frame : frame + 1].positions()[0], pairs)
    norm = forward.norm()
    if norm < 1e-8:
        raise SkeletonError("left and right joints coincide; facing direction undefined")
    return forward / norm


def canonicalize(motion: Motion, fps: float | None = 30.0, face_forward: bool = True) -> Motion:
    """Resample to ``fps`` (None keeps it), move frame 0's root above the origin, face +Z."""
    m = resample(motion, fps) if fps is not None else motion
    root = m.root_translation
    offset = torch.tensor([root[0, 0].item(), 0.0, root[0, 2].item()])
    trans = root - offset
    rot = m.rotations.clone()
    if face_forward:
        yaw = yaw_matrix(yaw_to_face_forward(facing_direction(m, 0)).reshape(()))
        rot[:, 0] = yaw @ rot[:, 0]
        trans = trans @ yaw.T
    return Motion(m.skeleton, rot, trans, m.fps, m.euler_order)
