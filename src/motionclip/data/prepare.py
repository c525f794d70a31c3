"""Turn a folder of labelled takes into one cached training file.

The cache keeps whole takes (6D rotations, root translation, per-frame heading) so the
dataset can cut windows at any offset; windows at the configured stride and the
train/val/test split (by take) are stored alongside. See :mod:`motionclip.data.cache`.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file

from motionclip.config import DataConfig
from motionclip.data.bvh import read_bvh
from motionclip.data.canonical import facing_direction, resample
from motionclip.data.labels import describe
from motionclip.data.sources import Take, discover
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.io_utils import atomic_path

SPLITS = ("train", "val", "test")
CACHE_FORMAT = "motionclip-dataset-v1"


@dataclass
class TakeArrays:
    name: str
    rot6d: np.ndarray  # (F, J, 6)
    trans: np.ndarray  # (F, 3)
    yaw: np.ndarray  # (F,) rotation about +Y that makes frame f face +Z
    offsets: np.ndarray  # (J, 3)
    names: tuple[str, ...]
    parents: tuple[int, ...]


def heading_yaw(positions: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """Per-frame yaw (radians) that turns the body to face +Z; positions (F, J, 3)."""
    across = sum(positions[:, left] - positions[:, right] for left, right in pairs)
    forward_x = -across[:, 2]  # (left-right) x up = (-a_z, 0, a_x)
    forward_z = across[:, 0]
    return -torch.atan2(forward_x, forward_z)


def load_take(path: str, fps: float) -> TakeArrays | str:
    """Read one take; returns an error string instead of raising (for worker pools)."""
    from motionclip.data.canonical import _left_right_pairs

    try:
        motion = resample(read_bvh(path), fps)
        pairs = _left_right_pairs(motion.skeleton)
        facing_direction(motion, 0)  # raises a clear error if there are no left/right joints
        yaw = heading_yaw(motion.positions(), pairs)
    except MotionCLIPError as exc:
        return str(exc)
    sk = motion.skeleton
    return TakeArrays(
        name=Path(path).name,
        rot6d=motion.rotations_6d().numpy().astype(np.float32),
        trans=motion.root_translation.numpy().astype(np.float32),
        yaw=yaw.numpy().astype(np.float32),
        offsets=sk.offsets.astype(np.float32),
        names=sk.names,
        parents=sk.parents,
    )


def assign_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
    """Split by take, stratified by (dataset, content, style), seeded.

    Groups are visited in a seeded order and each take goes to the split furthest below
    its target share, so every split gets every frequent label and small groups still
    spread across splits over the whole dataset.
    """
    rng = np.random.default_rng(cfg.seed)
    target = np.array([1.0 - cfg.val_fraction - cfg.test_fraction, cfg.val_fraction, cfg.test_fraction])
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, t in enumerate(takes):
        groups[(t.dataset, t.content, t.style)].append(i)
    keys = sorted(groups)
    rng.shuffle(keys)
    counts = np.zeros(3)
    out = [0] * len(takes)
    for key in keys:
        members = list(groups[key])
        rng.shuffle(members)
        local = np.zeros(3)
        for i in members:
            # stratify inside the group first, then keep the global shares on target
            deficit = target * (local.sum() + 1) - local + 0.5 * (target * (counts.sum() + 1) - counts)
            split = int(np.argmax(deficit))
            out[i] = split
            local[split] += 1
            counts[split] += 1
    return out


def prepare_dataset(
    source: str,
    root: str | Path,
    out: str | Path,
    cfg: DataConfig | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Build the cache file; returns a summary (counts, skipped files, seconds)."""
    cfg = cfg or DataConfig()
    if cfg.window < 2 or cfg.stride < 1:
        raise DatasetError("window must be >= 2 frames and stride >= 1")
    t0 = time.perf_counter()
    found = discover(source, root)
    if not found.takes:
        raise DatasetError(f"{root}: no labelled takes found")
    problems = list(found.problems)
    workers = workers or min(len(os.sched_getaffinity(0)), 8)
    paths = [str(t.path) for t in found.takes]
    chunks = max(1, len(paths) // (workers * 8))
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_single_thread) as pool:
            iterator = pool.map(load_take, paths, [cfg.fps] * len(paths), chunksize=chunks)
            results = _with_progress(iterator, len(paths), progress)
    else:
        results = _with_progress((load_take(p, cfg.fps) for p in paths), len(paths), progress)

    kept: list[tuple[Take, TakeArrays]] = []
    short = 0
    reference: TakeArrays | None = None
    for take, res in zip(found.takes, results):
        if isinstance(res, str):
            problems.append(f"{take.path.name}: {res}; skipped")
            continue
        if reference is None:
            reference = res
        elif res.names != reference.names or res.parents != reference.parents:
            problems.append(f"{take.path.name}: skeleton differs from the first take's; skipped")
            continue
        if res.rot6d.shape[0] < cfg.window:
            short += 1
            continue
        kept.append((take, res))
    if not kept or reference is None:
        raise DatasetError(f"no usable takes (all {len(found.takes)} were skipped or shorter than the window)")

    takes = [t for t, _ in kept]
    splits = assign_splits(takes, cfg)
    contents = sorted({t.content for t in takes})
    styles = sorted({t.style for t in takes})
    datasets = sorted({t.dataset for t in takes})
    lengths = np.array([a.rot6d.shape[0] for _, a in kept], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    window_take, window_start = [], []
    for ti, n in enumerate(lengths):
        for s in range(0, int(n) - cfg.window + 1, cfg.stride):
            window_take.append(ti)
            window_start.append(s)
    pair_keys = sorted({f"{t.content}|{t.style}" for t in takes})
    descriptions = {k: describe(*k.split("|"), max_phrasings=cfg.phrasings) for k in pair_keys}
    train_offsets = np.stack([a.offsets for (_, a), s in zip(kept, splits) if s == 0] or [reference.offsets])

    tensors = {
        "rot6d": torch.from_numpy(np.concatenate([a.rot6d for _, a in kept])),
        "trans": torch.from_numpy(np.concatenate([a.trans for _, a in kept])),
        "yaw": torch.from_numpy(np.concatenate([a.yaw for _, a in kept])),
        "take_start": torch.from_numpy(starts),
        "take_length": torch.from_numpy(lengths),
        "take_offsets": torch.from_numpy(np.stack([a.offsets for _, a in kept])),
        "take_content": torch.tensor([contents.index(t.content) for t in takes]),
        "take_style": torch.tensor([styles.index(t.style) for t in takes]),
        "take_dataset": torch.tensor([datasets.index(t.dataset) for t in takes]),
        "take_split": torch.tensor(splits),
        "take_pair": torch.tensor([pair_keys.index(f"{t.content}|{t.style}") for t in takes]),
        "window_take": torch.tensor(window_take, dtype=torch.int64),
        "window_start": torch.tensor(window_start, dtype=torch.int64),
    }
    meta = {
        "format": CACHE_FORMAT,
        "source": source,
        "root": str(root),
        "config": asdict(cfg),
        "skeleton": {
            "names": list(reference.names),
            "parents": list(reference.parents),
            "offsets": train_offsets.mean(0).tolist(),
        },
        "contents": contents,
        "styles": styles,
        "datasets": datasets,
        "pairs": pair_keys,
        "descriptions": descriptions,
        "take_names": [t.name for t in takes],
        "skipped_short": short,
        "problems": problems,
    }
    out = Path(out)
    with atomic_path(out, suffix=".safetensors") as tmp:
        save_file(tensors, str(tmp), metadata={"motionclip": json.dumps(meta)})
    split_windows = Counter(splits[t] for t in window_take)
    return {
        "out": str(out),
        "takes": len(takes),
        "windows": {SPLITS[k]: split_windows.get(k, 0) for k in range(3)},
        "skipped_short": short,
        "problems": problems,
        "seconds": time.perf_counter() - t0,
    }


def _single_thread() -> None:
    """Workers are processes: one torch thread each avoids oversubscribing the cores."""
    torch.set_num_threads(1)


def _with_progress(iterator: Any, total: int, enabled: bool) -> list[Any]:
    from tqdm import tqdm

    return list(tqdm(iterator, total=total, desc="reading takes", unit="take", disable=not enabled))
