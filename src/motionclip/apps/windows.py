"""Batched access to a cached dataset split for retrieval and evaluation.

Everything works on the cache's canonical windows (the same form the model trained on),
in batches so a whole split fits in memory on a laptop.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from motionclip.data.cache import MotionCache
from motionclip.data.motion import Motion
from motionclip.data.rotations import sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP

BATCH = 256


def split_indices(cache: MotionCache, split: str) -> torch.Tensor:
    """Window ids of a split; an empty split is an error, not an empty result."""
    idx = cache.window_indices(split)
    if len(idx) == 0:
        others = [s for s in ("test", "val", "train") if s != split and len(cache.window_indices(s))]
        hint = f" (too few takes for this split; try --split {others[0]})" if others else ""
        raise DatasetError(f"{cache.path}: split {split!r} has no windows{hint}")
    return idx


def batches(idx: torch.Tensor, size: int = BATCH) -> Iterator[torch.Tensor]:
    for s in range(0, len(idx), size):
        yield idx[s : s + size]


def check_compatible(model: MotionCLIP, cache: MotionCache) -> None:
    """The model must have been trained on this skeleton."""
    if not cache.skeleton.same_topology(model.skeleton):
        raise MotionCLIPError(
            f"{cache.path}: dataset skeleton ({cache.skeleton.num_joints} joints) does not match the model's "
            f"({model.skeleton.num_joints} joints)"
        )


@torch.no_grad()
def encode_windows(model: MotionCLIP, cache: MotionCache, idx: torch.Tensor, size: int = BATCH) -> torch.Tensor:
    """(N, D) latents of cached windows."""
    check_compatible(model, cache)
    model.eval()
    device = model.rot_mean.device
    out = []
    for b in batches(idx, size):
        rot, tr = cache.windows(b)
        out.append(model.encode(rot.to(device), tr.to(device)).cpu())
    return torch.cat(out)


def take_skeleton(cache: MotionCache, take: int) -> Skeleton:
    """The cache skeleton with one take's own bone offsets (its actor)."""
    sk = cache.skeleton
    return Skeleton(sk.names, sk.parents, cache.tensors["take_offsets"][take].double().numpy(), sk.end_sites)


def window_motion(cache: MotionCache, window: int) -> Motion:
    """One canonical window as a :class:`Motion` on its actor's skeleton."""
    if not 0 <= window < len(cache.tensors["window_take"]):
        raise MotionCLIPError(f"window {window} does not exist ({len(cache.tensors['window_take'])} windows)")
    idx = torch.tensor([window])
    rot, tr = cache.windows(idx)
    take = int(cache.tensors["window_take"][window])
    return Motion(take_skeleton(cache, take), sixd_to_matrix(rot[0]), tr[0], cache.fps)


def take_name(cache: MotionCache, take: int) -> str:
    names = cache.meta.get("take_names") or []
    return str(names[take]) if take < len(names) else f"take-{take}"
