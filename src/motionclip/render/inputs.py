"""Validation of renderer inputs, so every entry point fails early with a clear RenderError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from motionclip.render.config import RenderError


def as_positions(positions: Any, *, single_pose: bool = False) -> np.ndarray:
    """Return positions as a finite float64 (T, J, 3) array (a (J, 3) pose when ``single_pose``)."""
    if hasattr(positions, "detach"):  # torch.Tensor without importing torch
        positions = positions.detach().cpu().numpy()
    try:
        arr = np.asarray(positions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"positions must be numeric, got {type(positions).__name__}") from exc
    want = 2 if single_pose else 3
    if arr.ndim != want or arr.shape[-1] != 3:
        shape = "(J, 3)" if single_pose else "(T, J, 3)"
        raise RenderError(f"positions must have shape {shape}, got {arr.shape}")
    if single_pose:
        arr = arr[None]
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise RenderError(f"positions are empty: shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise RenderError("positions contain NaN or inf")
    return arr


def check_parents(parents: Sequence[int], num_joints: int) -> list[int]:
    """Check ``parents`` describes one tree over ``num_joints`` joints (exactly one -1 root, no cycles)."""
    try:
        par = [int(p) for p in parents]
    except (TypeError, ValueError) as exc:
        raise RenderError("parents must be a sequence of ints") from exc
    if len(par) != num_joints:
        raise RenderError(f"parents has {len(par)} entries but positions have {num_joints} joints")
    roots = [j for j, p in enumerate(par) if p == -1]
    if len(roots) != 1:
        raise RenderError(f"parents must contain exactly one root (-1), found {len(roots)}")
    for j, p in enumerate(par):
        if p < -1 or p >= num_joints or p == j:
            raise RenderError(f"invalid parent {p} for joint {j}")
    for j in range(num_joints):  # walking up from every joint must reach the root
        seen = 0
        k = j
        while par[k] != -1:
            k = par[k]
            seen += 1
            if seen > num_joints:
                raise RenderError(f"parents contain a cycle through joint {j}")
    return par


def check_names(names: Sequence[str] | None, num_joints: int) -> list[str] | None:
    """Names are optional; when given they must match the joint count."""
    if names is None:
        return None
    out = [str(n) for n in names]
    if len(out) != num_joints:
        raise RenderError(f"names has {len(out)} entries but positions have {num_joints} joints")
    return out
