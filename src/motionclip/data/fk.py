"""Batched, differentiable forward kinematics in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch


@lru_cache(maxsize=64)
def _levels(parents: tuple[int, ...]) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Joints grouped by depth, each joint's parent as a row of the level-ordered arrays,
    and the permutation that puts level order back into joint order."""
    depth: list[int] = []
    for j, p in enumerate(parents):
        if p >= j:
            raise ValueError(f"parents must come before children (joint {j} has parent {p})")
        depth.append(0 if p < 0 else depth[p] + 1)
    levels = [[j for j in range(len(parents)) if depth[j] == d] for d in range(max(depth, default=-1) + 1)]
    order = [j for level in levels for j in level]
    row = {j: i for i, j in enumerate(order)}
    parent_rows = [[row[parents[j]] for j in level] if d else [] for d, level in enumerate(levels)]
    inverse = [row[j] for j in range(len(parents))]
    return levels, parent_rows, inverse


def forward_kinematics(
    rotations: torch.Tensor,
    root_translation: torch.Tensor,
    offsets: torch.Tensor,
    parents: Sequence[int],
) -> torch.Tensor:
    """World joint positions from local rotations.

    Joints of equal depth are solved together (one batched matmul per tree level rather
    than per joint), which is what makes FK cheap inside the training loss.

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
    levels, parent_rows, inverse = _levels(tuple(int(p) for p in parents))
    roots = levels[0]
    world_rot = rotations[..., roots, :, :]
    world_pos = root_translation.unsqueeze(-2).expand(*root_translation.shape[:-1], len(roots), 3)
    for level, rows in zip(levels[1:], parent_rows[1:]):
        parent_rot = world_rot[..., rows, :, :]
        bone = (parent_rot @ offsets[..., level, :].unsqueeze(-1)).squeeze(-1)
        world_pos = torch.cat([world_pos, world_pos[..., rows, :] + bone], dim=-2)
        world_rot = torch.cat([world_rot, parent_rot @ rotations[..., level, :, :]], dim=-3)
    return world_pos[..., inverse, :]
