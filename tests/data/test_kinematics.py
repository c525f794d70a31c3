"""Forward kinematics against hand-computed positions; gradients; batching."""

from __future__ import annotations

import numpy as np
import pytest
import roma
import torch
from bvh_samples import rx, ry, rz
from synthetic import make_motion

from motionclip.data.fk import forward_kinematics
from motionclip.data.motion import Motion
from motionclip.data.rotations import sixd_to_matrix
from motionclip.data.skeleton import Skeleton

PARENTS = (-1, 0, 1)
# Root -> A (1 m along +X) -> B (0.5 m along +X)
OFFSETS = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, 0.0]])


def t(m: np.ndarray) -> torch.Tensor:
    return torch.tensor(m, dtype=torch.float32)


def test_three_joint_chain_with_right_angles() -> None:
    eye = np.eye(3)
    cases = [
        # (root rot, A rot, B rot, root pos) -> expected positions worked out by hand
        ((eye, eye, eye, [0, 0, 0]), [[0, 0, 0], [1, 0, 0], [1.5, 0, 0]]),
        # Rz(90) sends +X to +Y: the whole chain points up
        ((rz(90), eye, eye, [0, 0, 0]), [[0, 0, 0], [0, 1, 0], [0, 1.5, 0]]),
        # elbow at A bends 90 about Z: B = A + Rz(90) (0.5,0,0) = (1, 0.5, 0)
        ((eye, rz(90), eye, [0, 0, 0]), [[0, 0, 0], [1, 0, 0], [1, 0.5, 0]]),
        # root Ry(90) sends +X to -Z; A's Rz(90) then bends towards +Y
        ((ry(90), rz(90), eye, [1, 2, 3]), [[1, 2, 3], [1, 2, 2], [1, 2.5, 2]]),
        # rotating the last joint never moves it
        ((eye, eye, rx(90), [0, 0, 0]), [[0, 0, 0], [1, 0, 0], [1.5, 0, 0]]),
        # two opposite bends cancel for the end of the chain
        ((rz(90), rz(-90), eye, [0, 0, 0]), [[0, 0, 0], [0, 1, 0], [0.5, 1, 0]]),
    ]
    for (r0, r1, r2, root), expected in cases:
        rot = torch.stack([t(r0), t(r1), t(r2)])
        pos = forward_kinematics(rot, torch.tensor(root, dtype=torch.float32), OFFSETS, PARENTS)
        np.testing.assert_allclose(pos.numpy(), np.array(expected, dtype=float), atol=1e-6)


def test_positions_are_differentiable() -> None:
    base = make_motion("walk", 8)
    sixd = base.rotations_6d().clone().requires_grad_(True)
    trans = base.root_translation.clone().requires_grad_(True)
    m = Motion(base.skeleton, sixd_to_matrix(sixd), trans, base.fps)
    hand = m.skeleton.index("Hand_L")
    m.positions()[:, hand].square().sum().backward()
    assert sixd.grad is not None and trans.grad is not None
    assert torch.isfinite(sixd.grad).all()
    # the hand depends on its arm chain and the root, not on the other leg
    assert sixd.grad[:, m.skeleton.index("UpperArm_L")].abs().sum() > 0
    assert sixd.grad[:, 0].abs().sum() > 0
    assert sixd.grad[:, m.skeleton.index("UpperLeg_R")].abs().sum() == 0
    assert trans.grad.abs().sum() > 0

    # gradient straight into a rotation-matrix leaf as well
    rot = base.rotations.clone().requires_grad_(True)
    Motion(base.skeleton, rot, base.root_translation).positions().sum().backward()
    assert rot.grad is not None and rot.grad.abs().sum() > 0


def test_positions_gradient_matches_finite_difference() -> None:
    torch.manual_seed(0)
    rotvec = (0.5 * torch.randn(1, 3, 3, dtype=torch.float64)).requires_grad_(True)
    trans = torch.zeros(1, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda rv: forward_kinematics(roma.rotvec_to_rotmat(rv), trans, OFFSETS.double(), PARENTS), (rotvec,)
    )


def test_batched_fk_with_per_sample_offsets_broadcasts() -> None:
    g = torch.Generator().manual_seed(1)
    b, frames, j = 4, 5, 3
    rot = roma.random_rotmat((b, frames, j), generator=g)
    trans = torch.randn(b, frames, 3, generator=g)
    scale = torch.tensor([1.0, 0.5, 2.0, 1.3])
    offsets = OFFSETS[None] * scale[:, None, None]  # (B, J, 3): one skeleton per sample
    out = forward_kinematics(rot, trans, offsets[:, None], PARENTS)  # (B, 1, J, 3) broadcasts over T
    assert out.shape == (b, frames, j, 3)
    for i in range(b):
        single = forward_kinematics(rot[i], trans[i], offsets[i], PARENTS)
        torch.testing.assert_close(out[i], single)
    # shared (J, 3) offsets broadcast over any batch shape too
    shared = forward_kinematics(rot, trans, OFFSETS, PARENTS)
    for i in range(b):
        torch.testing.assert_close(shared[i], forward_kinematics(rot[i], trans[i], OFFSETS, PARENTS))


def test_bone_lengths_follow_offsets() -> None:
    m = make_motion("wave-right-hand", 10)
    pos = m.positions()
    sk: Skeleton = m.skeleton
    for j, p in enumerate(sk.parents):
        if p >= 0:
            lengths = (pos[:, j] - pos[:, p]).norm(dim=-1)
            np.testing.assert_allclose(lengths.numpy(), np.linalg.norm(sk.offsets[j]), atol=1e-5)


def test_identity_pose_is_sum_of_offsets() -> None:
    sk = make_motion("walk", 1).skeleton
    m = Motion(sk, torch.eye(3).repeat(1, 21, 1, 1), torch.tensor([[0.3, 0.9, -0.2]]))
    pos = m.positions()[0].double().numpy()
    for j in range(21):
        expected, k = np.array([0.3, 0.9, -0.2]), j
        while k > 0:
            expected = expected + sk.offsets[k]
            k = sk.parents[k]
        np.testing.assert_allclose(pos[j], expected, atol=1e-6)


def _per_joint_fk(rot: torch.Tensor, root: torch.Tensor, offsets: torch.Tensor, parents: list[int]) -> torch.Tensor:
    """Reference: one joint at a time, straight from the definition."""
    world_r, world_p = [], []
    for j, p in enumerate(parents):
        if p < 0:
            world_r.append(rot[..., j, :, :])
            world_p.append(root)
        else:
            world_p.append(world_p[p] + (world_r[p] @ offsets[j, :, None])[..., 0])
            world_r.append(world_r[p] @ rot[..., j, :, :])
    return torch.stack(world_p, dim=-2)


def test_level_batched_fk_matches_per_joint_reference_on_a_branching_tree() -> None:
    import roma

    g = torch.Generator().manual_seed(3)
    parents = [-1, 0, 1, 2, 0, 4, 5, 1, 7, 0, 9, 3]  # branches at joints 0 and 1, uneven depths
    offsets = torch.randn(len(parents), 3, generator=g)
    rot = roma.rotvec_to_rotmat(torch.randn(4, 7, len(parents), 3, generator=g))
    root = torch.randn(4, 7, 3, generator=g)
    torch.testing.assert_close(
        forward_kinematics(rot, root, offsets, parents), _per_joint_fk(rot, root, offsets, parents)
    )


def test_children_before_parents_are_rejected() -> None:
    with pytest.raises(ValueError, match="parents must come before children"):
        forward_kinematics(torch.eye(3).expand(2, 3, 3), torch.zeros(3), torch.zeros(2, 3), [1, -1])
