"""Rotation conversions, all delegated to ``roma``.

The model works on the continuous 6D representation of Zhou et al. (CVPR 2019): the
first two columns of the rotation matrix, flattened row-major to 6 numbers.
"""

from __future__ import annotations

import roma
import torch

VALID_AXES = frozenset("XYZ")


def euler_to_matrix(order: str, angles_deg: torch.Tensor) -> torch.Tensor:
    """Intrinsic Euler angles in degrees (BVH channel order) -> rotation matrices."""
    return roma.euler_to_rotmat(order.upper(), angles_deg, degrees=True)


def matrix_to_euler(order: str, matrices: torch.Tensor) -> torch.Tensor:
    """Rotation matrices -> intrinsic Euler angles in degrees for ``order`` (e.g. "ZXY")."""
    angles = roma.rotmat_to_euler(order.upper(), matrices, degrees=True)
    return angles if isinstance(angles, torch.Tensor) else torch.stack(angles, dim=-1)


def matrix_to_6d(matrices: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 6): the first two columns, row-major."""
    return matrices[..., :, :2].reshape(*matrices.shape[:-2], 6)


def sixd_to_matrix(sixd: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) via Gram-Schmidt (roma.special_gramschmidt); differentiable."""
    return roma.special_gramschmidt(sixd.reshape(*sixd.shape[:-1], 3, 2))


def matrix_to_quat(matrices: torch.Tensor) -> torch.Tensor:
    """Rotation matrices -> unit quaternions (XYZW, roma's convention)."""
    return roma.rotmat_to_unitquat(matrices)


def quat_to_matrix(quats: torch.Tensor) -> torch.Tensor:
    """Unit quaternions (XYZW) -> rotation matrices."""
    return roma.unitquat_to_rotmat(quats)


def slerp_matrices(r0: torch.Tensor, r1: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Element-wise spherical interpolation between rotation matrices.

    ``alpha`` broadcasts against the leading dims of ``r0``/``r1``.
    """
    q0 = roma.rotmat_to_unitquat(r0)
    q1 = roma.rotmat_to_unitquat(r1)
    # Take the short arc: flip q1 where the quaternions point to opposite hemispheres.
    sign = torch.where((q0 * q1).sum(-1, keepdim=True) < 0, -1.0, 1.0)
    q1 = q1 * sign
    rel = roma.quat_product(roma.quat_conjugation(q0), q1)
    rotvec = roma.unitquat_to_rotvec(rel) * alpha[..., None]
    return roma.unitquat_to_rotmat(roma.quat_product(q0, roma.rotvec_to_unitquat(rotvec)))


def yaw_matrix(angle_rad: torch.Tensor) -> torch.Tensor:
    """Rotation about the +Y (up) axis by ``angle_rad``."""
    rotvec = torch.zeros(*angle_rad.shape, 3, dtype=angle_rad.dtype)
    rotvec[..., 1] = angle_rad
    return roma.rotvec_to_rotmat(rotvec)
