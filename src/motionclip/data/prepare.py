"""Turn a folder of labelled takes into one cached training file.

The cache keeps whole takes (6D rotations, root translation, per-frame heading) so the
dataset can cut windows at any offset; windows at the configured stride and the
train/val/test split (by take) are stored alongside. See :mod:`motionclip.data.cache`.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from motionclip.data.config import DataConfig
from motionclip.data.labels import describe
from motionclip.data.sources import SourceOptions, Take, discover
from motionclip.data.splits import SPLITS, assign_splits
from motionclip.data.take_reader import TakeArrays, conform, dominant_skeleton, load_take, reader_for, segment
from motionclip.errors import DatasetError
from motionclip.io_utils import check_output_path, remove_stale_temps
from motionclip.tagged import DATASET_CACHE, write_tagged


def prepare_dataset(
    source: str,
    root: str | Path,
    out: str | Path,
    cfg: DataConfig | None = None,
    workers: int | None = None,
    progress: bool = True,
    options: SourceOptions | None = None,
) -> dict[str, Any]:
    """Build the cache file; returns a summary (counts, skipped files, notes, seconds)."""
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
    opts = options or SourceOptions()
    reader = reader_for(
        source, opts, cfg, root
    )  # a bad --up, --units, --joint-map or --body-model fails before reading
    found = discover(source, root, opts)
    if not found.takes:
        raise DatasetError(f"{root}: no labelled takes found")
    problems = list(found.problems)
    workers = workers or min(len(os.sched_getaffinity(0)), 8)
    paths = list(dict.fromkeys(str(t.path) for t in found.takes))  # a file with several spans is read once
    workers = max(1, min(workers, len(paths)))
    chunks = max(1, len(paths) // (workers * 8))
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_single_thread) as pool:
            iterator = pool.map(load_take, paths, [cfg.fps] * len(paths), [reader] * len(paths), chunksize=chunks)
            loaded = dict(zip(paths, _with_progress(iterator, len(paths), progress)))
    else:
        loaded = dict(zip(paths, _with_progress((load_take(p, cfg.fps, reader) for p in paths), len(paths), progress)))
    notes = sorted({f"{_rel(p, root)}: {r.note}" for p, r in loaded.items() if isinstance(r, TakeArrays) and r.note})
    reference, problems_sk = dominant_skeleton(loaded)
    problems += problems_sk

    kept: list[tuple[Take, TakeArrays]] = []
    short = 0
    failed: set[str] = set()
    for take in found.takes:
        res = loaded[str(take.path)]
        if isinstance(res, str):
            if str(take.path) not in failed:  # once per file, however many spans it has
                failed.add(str(take.path))
                problems.append(f"{take.path.name}: {res}; skipped")
            continue
        conformed = conform(res, reference) if reference is not None else None
        if conformed is None:
            continue  # reported once per file by dominant_skeleton
        seg = segment(take, conformed, cfg.fps, cfg.window)
        if isinstance(seg, str):
            problems.append(f"{take.name}: {seg}; skipped")
            continue
        if seg.rot6d.shape[0] < cfg.window:
            short += 1
            continue
        kept.append((take, seg))
    if not kept or reference is None:
        why = "; ".join(problems[:3]) + (f"; ... ({len(problems) - 3} more)" if len(problems) > 3 else "")
        raise DatasetError(
            f"no usable takes (all {len(found.takes)} were skipped or shorter than the window"
            + (f": {why})" if problems else ")")
        )

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
    pair_of = _text_groups(takes)
    pair_keys = sorted(set(pair_of.values()))
    descriptions = {}
    for t in takes:
        key = pair_of[_text_key(t)]
        descriptions[key] = list(t.texts) if t.texts else describe(t.content, t.style, max_phrasings=cfg.phrasings)
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
        "take_pair": torch.tensor([pair_keys.index(pair_of[_text_key(t)]) for t in takes]),
        "window_take": torch.tensor(window_take, dtype=torch.int64),
        "window_start": torch.tensor(window_start, dtype=torch.int64),
    }
    fits = np.array([a.fit for _, a in kept if a.fit is not None]).reshape(-1, 2)
    fit_summary = (
        {"takes": len(fits), "error_mm_mean": float(fits[:, 0].mean()), "error_mm_max": float(fits[:, 0].max()),
         "height_m_min": float(fits[:, 1].min()), "height_m_max": float(fits[:, 1].max())}
        if len(fits) else None
    )  # fmt: skip
    meta = {
        "source": source,
        "body": cfg.body,
        "body_fit": fit_summary,
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
        "notes": notes,
    }
    out = write_tagged(DATASET_CACHE, out, tensors, meta)
    split_windows = Counter(splits[t] for t in window_take)
    return {
        "out": str(out),
        "takes": len(takes),
        "windows": {SPLITS[k]: split_windows.get(k, 0) for k in range(3)},
        "skipped_short": short,
        "problems": problems,
        "notes": notes,
        "body": cfg.body,
        "body_fit": fit_summary,
        "seconds": time.perf_counter() - t0,
    }


def _rel(path: str, root: str | Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def _text_key(take: Take) -> tuple[str, str, tuple[str, ...]]:
    return (take.content, take.style, take.texts)


def _text_groups(takes: list[Take]) -> dict[tuple[str, str, tuple[str, ...]], str]:
    """One description group per distinct (content, style, texts): "content|style" for
    template descriptions (as before), "content|style|n" for free-text ones."""
    keys = sorted({_text_key(t) for t in takes})
    out = {}
    n = 0
    for content, style, texts in keys:
        if texts:
            out[(content, style, texts)] = f"{content}|{style}|{n}"
            n += 1
        else:
            out[(content, style, texts)] = f"{content}|{style}"
    return out


def _single_thread() -> None:
    """Workers are processes: one torch thread each avoids oversubscribing the cores."""
    torch.set_num_threads(1)


def _with_progress(iterator: Any, total: int, enabled: bool) -> list[Any]:
    from tqdm import tqdm

    return list(tqdm(iterator, total=total, desc="reading takes", unit="take", disable=not enabled))
