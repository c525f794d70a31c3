"""6D <-> matrix, Euler <-> matrix (several orders), quaternions, slerp, yaw."""

from __future__ import annotations

import math

import numpy as np
import pytest
import roma
import torch
from bvh_samples import euler_product

from motionclip.data.rotations import (
    euler_to_matrix,
    matrix_to_6d,
    matrix_to_euler,
    matrix_to_quat,
    quat_to_matrix,
    sixd_to_matrix,
    slerp_matrices,
    yaw_matrix,
)

ORDERS = ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")


def random_rotations(n: int, seed: int = 0) -> torch.Tensor:
    return roma.random_rotmat(n, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def assert_rotations(r: torch.Tensor, tol: float = 1e-5) -> None:
    eye = torch.eye(3, dtype=r.dtype).expand_as(r)
    torch.testing.assert_close(r.transpose(-1, -2) @ r, eye, atol=tol, rtol=0)
    torch.testing.assert_close(torch.linalg.det(r), torch.ones(r.shape[:-2], dtype=r.dtype), atol=tol, rtol=0)


def test_6d_round_trip() -> None:
    r = random_rotations(200)
    sixd = matrix_to_6d(r)
    assert sixd.shape == (200, 6)
    # the 6 numbers are the first two columns, row-major
    torch.testing.assert_close(sixd[0], r[0, :, :2].reshape(6))
    torch.testing.assert_close(sixd_to_matrix(sixd), r, atol=1e-10, rtol=0)


def test_6d_of_any_vector_is_a_rotation_and_idempotent() -> None:
    x = torch.randn(50, 4, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    r = sixd_to_matrix(x)
    assert r.shape == (50, 4, 3, 3)
    assert_rotations(r, 1e-10)
    torch.testing.assert_close(sixd_to_matrix(matrix_to_6d(r)), r, atol=1e-10, rtol=0)
    # Gram-Schmidt keeps the direction of the first column
    first = x.reshape(50, 4, 3, 2)[..., 0]
    torch.testing.assert_close(r[..., 0], first / first.norm(dim=-1, keepdim=True), atol=1e-10, rtol=0)


@pytest.mark.parametrize("order", ORDERS)
def test_euler_matches_hand_product(order: str) -> None:
    for angles in ((30.0, -45.0, 60.0), (0.0, 90.0, 0.0), (-170.0, 10.0, 95.0)):
        got = euler_to_matrix(order, torch.tensor(angles, dtype=torch.float64))
        np.testing.assert_allclose(got.numpy(), euler_product(order, angles), atol=1e-12)


@pytest.mark.parametrize("order", ORDERS)
def test_euler_matrix_round_trip(order: str) -> None:
    r = random_rotations(300, seed=2)
    angles = matrix_to_euler(order, r)
    assert angles.shape == (300, 3)
    assert (angles.abs() <= 180 + 1e-9).all()
    torch.testing.assert_close(euler_to_matrix(order, angles), r, atol=1e-9, rtol=0)
    # away from gimbal lock the angles themselves come back
    gen = torch.Generator().manual_seed(3)
    a = torch.rand(100, 3, generator=gen, dtype=torch.float64) * 340 - 170
    a[:, 1] = a[:, 1] * 80 / 170  # middle angle inside (-80, 80)
    torch.testing.assert_close(matrix_to_euler(order, euler_to_matrix(order, a)), a, atol=1e-8, rtol=0)


def test_euler_round_trip_float32_and_batch_shape() -> None:
    a = torch.tensor([[[10.0, 20.0, 30.0], [-5.0, 80.0, 170.0]]])
    r = euler_to_matrix("zxy", a)  # lower case is accepted as the same intrinsic order
    assert r.shape == (1, 2, 3, 3) and r.dtype == torch.float32
    torch.testing.assert_close(euler_to_matrix("ZXY", matrix_to_euler("ZXY", r)), r, atol=1e-5, rtol=0)


def test_quaternion_round_trip() -> None:
    r = random_rotations(100, seed=4)
    q = matrix_to_quat(r)
    torch.testing.assert_close(q.norm(dim=-1), torch.ones(100, dtype=r.dtype))
    torch.testing.assert_close(quat_to_matrix(q), r, atol=1e-10, rtol=0)


def test_slerp_endpoints_midpoint_and_short_arc() -> None:
    r0, r1 = random_rotations(64, seed=5), random_rotations(64, seed=6)
    torch.testing.assert_close(slerp_matrices(r0, r1, torch.zeros(64)), r0, atol=1e-6, rtol=0)
    torch.testing.assert_close(slerp_matrices(r0, r1, torch.ones(64)), r1, atol=1e-6, rtol=0)
    mid = slerp_matrices(r0, r1, torch.full((64,), 0.5))
    assert_rotations(mid)
    total = roma.rotmat_geodesic_distance(r0, r1)
    torch.testing.assert_close(roma.rotmat_geodesic_distance(r0, mid), total / 2, atol=1e-6, rtol=0)
    torch.testing.assert_close(roma.rotmat_geodesic_distance(mid, r1), total / 2, atol=1e-6, rtol=0)
    # 170 deg about Y, then 190 deg (= -170): the short way goes through 180, not 0
    a = roma.rotvec_to_rotmat(torch.tensor([[0.0, math.radians(170), 0.0]], dtype=torch.float64))
    b = roma.rotvec_to_rotmat(torch.tensor([[0.0, math.radians(-170), 0.0]], dtype=torch.float64))
    m = slerp_matrices(a, b, torch.tensor([0.5]))
    expected = roma.rotvec_to_rotmat(torch.tensor([[0.0, math.pi, 0.0]], dtype=torch.float64))
    torch.testing.assert_close(m, expected, atol=1e-6, rtol=0)


def test_yaw_matrix() -> None:
    r = yaw_matrix(torch.tensor(math.pi / 2))
    # +90 deg about +Y takes +Z to +X and keeps Y
    torch.testing.assert_close(r @ torch.tensor([0.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.0]), atol=1e-6, rtol=0)
    torch.testing.assert_close(r @ torch.tensor([0.0, 1.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), atol=1e-6, rtol=0)
    batch = yaw_matrix(torch.linspace(-3, 3, 7))
    assert batch.shape == (7, 3, 3)
    assert_rotations(batch)
