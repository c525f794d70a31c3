"""Turn a folder of labelled takes into one cached training file.

The cache keeps whole takes (6D rotations, root translation, per-frame heading) so the
dataset can cut windows at any offset; windows at the configured stride and the
train/val/test split (by take) are stored alongside. See :mod:`motionclip.data.cache`.
"""

from __future__ import annotations

import json
import math
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
from motionclip.data.canonical import facing_direction, facing_pairs, heading_yaw, resample
from motionclip.data.labels import describe
from motionclip.data.sources import Take, discover
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.io_utils import atomic_path, check_output_path, remove_stale_temps

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


def load_take(path: str, fps: float) -> TakeArrays | str:
    """Read one take; returns an error string instead of raising (for worker pools)."""
    try:
        motion = resample(read_bvh(path), fps)
        facing_direction(motion, 0)  # clear error if left/right joints are missing or coincide
        yaw = heading_yaw(motion.positions(), facing_pairs(motion.skeleton))
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


def _strata(take: Take) -> tuple[tuple[str, ...], ...]:
    """The label groups a split is balanced over, finest first."""
    return (
        ("pair", take.dataset, take.content, take.style),
        ("content", take.dataset, take.content),
        ("style", take.dataset, take.style),
        ("dataset", take.dataset),
    )


def assign_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
    """Split by take, stratified by (dataset, content, style), seeded.

    Groups are visited in a seeded order and each take goes to the split furthest below
    its target share, summed over its (dataset, content, style) group, its content, its
    style and its dataset. So every split gets every frequent label even where each
    (content, style) pair has only one or two takes (as in Bandai Namco dataset-1, where
    stratifying by pair alone left whole contents and styles out of val/test).
    """
    rng = np.random.default_rng(cfg.seed)
    target = np.array([1.0 - cfg.val_fraction - cfg.test_fraction, cfg.val_fraction, cfg.test_fraction])
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, t in enumerate(takes):
        groups[_strata(t)[0]].append(i)
    keys = sorted(groups)
    rng.shuffle(keys)
    counts: dict[tuple[str, ...], np.ndarray] = defaultdict(lambda: np.zeros(3))
    out = [0] * len(takes)
    for key in keys:
        members = list(groups[key])
        rng.shuffle(members)
        for i in members:
            strata = _strata(takes[i])
            deficit = sum(target * (counts[s].sum() + 1) - counts[s] for s in strata)
            split = int(np.argmax(deficit))
            out[i] = split
            for s in strata:
                counts[s][split] += 1
    _fill_empty_splits(takes, out, counts, target, rng)
    return out


def _fill_empty_splits(
    takes: list[Take],
    out: list[int],
    counts: dict[tuple[str, ...], np.ndarray],
    target: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Swap takes so that each label big enough for a split (size x share >= 1) has one there.

    The greedy pass above nearly always manages; where a content and a style compete for
    the same few takes it can leave a label out of val or test. Each fix swaps a take of
    that label with a take of the missing split from the same dataset (so the split sizes
    do not change), and only if the swap leaves no other big-enough label without a split.
    """
    strata = [_strata(t) for t in takes]
    members: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, st in enumerate(strata):
        for s in st:
            members[s].append(i)

    def needs(s: tuple[str, ...], k: int) -> bool:
        return bool(counts[s].sum() * target[k] >= 1 - 1e-9)

    def empties(i: int, split: int, shared: set[tuple[str, ...]]) -> bool:
        """Would taking take ``i`` out of ``split`` leave a label that needs it without one?"""
        return any(s not in shared and counts[s][split] == 1 and needs(s, split) for s in strata[i])

    def can_swap(t: int, u: int, label: tuple[str, ...]) -> bool:
        if label in strata[u]:
            return False
        shared = set(strata[t]) & set(strata[u])  # labels of both: their counts do not change
        return not empties(t, out[t], shared) and not empties(u, out[u], shared)

    for label in sorted(members):
        if label[0] == "dataset":
            continue
        for k in range(3):
            if counts[label][k] > 0 or not needs(label, k):
                continue
            mine = [members[label][j] for j in rng.permutation(len(members[label]))]
            mine.sort(key=lambda i: -counts[label][out[i]])  # take from the fullest split first
            pool = members[("dataset", label[1])]
            others = [pool[j] for j in rng.permutation(len(pool)) if out[pool[j]] == k]
            swap = next(((t, u) for t in mine for u in others if can_swap(t, u, label)), None)
            if swap is None:
                continue
            t, u = swap
            j = out[t]
            for s in strata[t]:
                counts[s][j] -= 1
                counts[s][k] += 1
            for s in strata[u]:
                counts[s][k] -= 1
                counts[s][j] += 1
            out[t], out[u] = k, j


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
    if not (math.isfinite(cfg.fps) and 1 <= cfg.fps <= 1000):
        raise DatasetError(f"fps must be a number between 1 and 1000, got {cfg.fps}")
    if not (0 <= cfg.val_fraction < 1 and 0 <= cfg.test_fraction < 1 and cfg.val_fraction + cfg.test_fraction < 1):
        raise DatasetError("val and test fractions must be in [0, 1) and sum to less than 1")
    out_path = check_output_path(out)  # before reading hundreds of takes
    remove_stale_temps(out_path.parent, lambda name: name == out_path.name)  # a killed earlier prepare
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
