"""Batched, differentiable forward kinematics in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def forward_kinematics(
    rotations: torch.Tensor,
    root_translation: torch.Tensor,
    offsets: torch.Tensor,
    parents: Sequence[int],
) -> torch.Tensor:
    """World joint positions from local rotations.

    Args:
        rotations: (..., J, 3, 3) local joint rotation matrices.
        root_translation: (..., 3) world position of the root joint.
        offsets: (J, 3) rest offsets of each joint in its parent's frame, or
            (..., J, 3) broadcastable per-sample offsets (e.g. one skeleton per actor).
        parents: parent index per joint, parents before children, root = -1.

    Returns:
        (..., J, 3) world positions; gradients flow to rotations and translation.
    """
    offsets = offsets.to(dtype=rotations.dtype, device=rotations.device)
    world_rot: list[torch.Tensor] = []
    world_pos: list[torch.Tensor] = []
    for j, p in enumerate(parents):
        if p < 0:
            world_rot.append(rotations[..., j, :, :])
            world_pos.append(root_translation)
        else:
            parent_rot = world_rot[p]
            world_pos.append(world_pos[p] + (parent_rot @ offsets[..., j, :].unsqueeze(-1)).squeeze(-1))
            world_rot.append(parent_rot @ rotations[..., j, :, :])
    return torch.stack(world_pos, dim=-2)
