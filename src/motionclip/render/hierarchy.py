"""Pure helpers on a joint hierarchy given as parent indices (the root's parent is -1): children,
topological order, ancestors and path lengths from the root, for building the mannequin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def children(parents: Sequence[int]) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in parents]
    for j, p in enumerate(parents):
        if p >= 0:
            kids[p].append(j)
    return kids


def path_lengths(parents: Sequence[int], bone_len: np.ndarray) -> np.ndarray:
    """Distance along bones from the root to every joint."""
    out = np.zeros(len(parents))
    for j in topological_order(parents):
        if parents[j] >= 0:
            out[j] = out[parents[j]] + bone_len[j]
    return out


def topological_order(parents: Sequence[int]) -> list[int]:
    kids = children(parents)
    order = [parents.index(-1)]
    for j in order:
        order.extend(kids[j])
    return order


def ancestors(parents: Sequence[int], j: int) -> set[int]:
    out = {j}
    while parents[j] >= 0:
        j = parents[j]
        out.add(j)
    return out
