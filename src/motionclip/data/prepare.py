"""Turn a folder of labelled takes into one cached training file.

The cache keeps whole takes (6D rotations, root translation, per-frame heading) so the
dataset can cut windows at any offset; windows at the configured stride and the
train/val/test split (by take) are stored alongside. See :mod:`motionclip.data.cache`.
"""

from __future__ import annotations

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

from motionclip.data.bvh import read_bvh
from motionclip.data.canonical import facing_direction, facing_pairs, heading_yaw, resample
from motionclip.data.config import DataConfig
from motionclip.data.labels import describe
from motionclip.data.sources import SourceOptions, Take, discover
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.io_utils import check_output_path, remove_stale_temps
from motionclip.tagged import DATASET_CACHE, write_tagged

SPLITS = ("train", "val", "test")


@dataclass
class TakeArrays:
    name: str
    rot6d: np.ndarray  # (F, J, 6)
    trans: np.ndarray  # (F, 3)
    yaw: np.ndarray  # (F,) rotation about +Y that makes frame f face +Z
    offsets: np.ndarray  # (J, 3)
    names: tuple[str, ...]
    parents: tuple[int, ...]
    note: str | None = None  # e.g. "detected Z-up; converted to Y-up"
    fit: tuple[float, float] | None = None  # canonical body: (landmark error mm, height m)


@dataclass(frozen=True)
class Reader:
    """How one source's files become motions (picklable, for the worker pool)."""

    kind: str = "bvh"
    up: str = "auto"
    joint_map: tuple[tuple[str, str], ...] = ()
    body_model: Any = None  # amass.BodyModel
    body: str = "canonical-v1"  # DataConfig.body
    units: str = "auto"  # bvh: auto or a motionclip.data.units.UNITS key
    root: str | None = None  # the source folder, where per-folder joint maps stop

    def read(self, path: str) -> tuple[Any, str | None, tuple[float, float] | None]:
        """(motion, note, (fit error mm, height m) on the canonical body or None)."""
        from motionclip.data.body import CANONICAL_BODY, body_from_rig
        from motionclip.data.retarget import rename_joints

        mapping: dict[str, str] = {}
        units: str | None = None  # AMASS motions are in metres already
        if self.kind == "amass":
            from motionclip.data.amass import read_amass

            motion, notes = read_amass(path, self.body_model), []
        else:
            from motionclip.data.up_axis import to_y_up

            motion, up_note = to_y_up(read_bvh(path), self.up)
            notes = [up_note] if up_note else []
            mapping = {**dict(self.joint_map), **folder_joint_map(Path(path), self.root)}
            units = self.units
        if self.body != CANONICAL_BODY:
            return rename_joints(motion, mapping), "; ".join(notes) or None, None
        fitted, more = body_from_rig(motion, mapping or None, units)
        return fitted.motion, "; ".join(notes + more) or None, (fitted.error_mm, fitted.height_m)


JOINT_MAP_NAMES = ("joint_map.json", "joint_map.csv")


def folder_joint_map(path: Path, root: str | None) -> dict[str, str]:
    """The joint map that applies to ``path``: the nearest ``joint_map.json``/``.csv`` in its
    folder or a folder above it, up to ``root`` (so a folder can mix rigs, one map per
    sub-folder); ``{}`` if none."""
    if root is None:
        return {}
    from motionclip.data.retarget import read_joint_map

    top = Path(root).resolve()
    folder = path.resolve().parent
    while True:
        for name in JOINT_MAP_NAMES:
            if (folder / name).is_file():
                return read_joint_map(folder / name)
        if folder == top or folder.parent == folder or top not in folder.parents:
            return {}
        folder = folder.parent


def load_take(path: str, fps: float, reader: Reader | None = None) -> TakeArrays | str:
    """Read one take; returns an error string instead of raising (for worker pools)."""
    try:
        motion, note, fit = (reader or Reader()).read(path)
        motion = resample(motion, fps)
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
        note=note,
        fit=fit,
    )


def _conform(res: TakeArrays, ref: TakeArrays) -> TakeArrays | None:
    """``res`` in ``ref``'s joint order if it has the same joints and tree in another order."""
    if res.names == ref.names and res.parents == ref.parents:
        return res
    if sorted(res.names) != sorted(ref.names):
        return None
    index = {n: i for i, n in enumerate(res.names)}
    perm = [index[n] for n in ref.names]
    got = [res.names[res.parents[i]] if res.parents[i] >= 0 else None for i in perm]
    want = [ref.names[p] if p >= 0 else None for p in ref.parents]
    if got != want:
        return None
    return TakeArrays(res.name, res.rot6d[:, perm], res.trans, res.yaw, res.offsets[perm], ref.names, ref.parents,
                      res.note, res.fit)  # fmt: skip


def _segment(take: Take, arrays: TakeArrays, fps: float, window: int) -> TakeArrays | str:
    """The frames of ``take``'s time span; a span shorter than the window is widened
    around its middle to one window where the file is long enough (so short actions, as
    in BABEL, are kept with a little context rather than dropped)."""
    n = arrays.rot6d.shape[0]
    if take.start is None or take.end is None:
        return arrays
    s, e = int(round(take.start * fps)), int(round(take.end * fps))
    if s >= n:
        return f"segment {take.start:g}-{take.end:g} s starts after the take ends ({n / fps:.2f} s)"
    e = min(max(e, s + 1), n)
    if e - s < window <= n:
        mid = (s + e) // 2
        s = min(max(0, mid - window // 2), n - window)
        e = s + window
    return TakeArrays(arrays.name, arrays.rot6d[s:e], arrays.trans[s:e], arrays.yaw[s:e], arrays.offsets,
                      arrays.names, arrays.parents, arrays.note, arrays.fit)  # fmt: skip


def _strata(take: Take) -> tuple[tuple[str, ...], ...]:
    """The label groups a split is balanced over, finest first."""
    return (
        ("pair", take.dataset, take.content, take.style),
        ("content", take.dataset, take.content),
        ("style", take.dataset, take.style),
        ("dataset", take.dataset),
    )


def assign_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
    """Split by take group (one file's spans stay together), keeping splits the dataset
    fixes itself (``Take.split``); see :func:`assign_take_splits` for the rest."""
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(takes):
        groups.setdefault(t.group or f"#{i}", []).append(i)
    out = [0] * len(takes)
    free: list[list[int]] = []
    fixed = set()
    for members in groups.values():
        split = next((takes[i].split for i in members if takes[i].split is not None), None)
        if split is None:
            free.append(members)
        else:
            fixed.add(split)
            for i in members:
                out[i] = split
    if free:
        val = 0.0 if 1 in fixed else cfg.val_fraction
        test = 0.0 if 2 in fixed else cfg.test_fraction
        sub = (
            cfg
            if (val, test) == (cfg.val_fraction, cfg.test_fraction)
            else DataConfig(**{**asdict(cfg), "val_fraction": val, "test_fraction": test})
        )
        reps = assign_take_splits([takes[m[0]] for m in free], sub)
        for members, split in zip(free, reps):
            for i in members:
                out[i] = split
    return out


def assign_take_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
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
    reader = _reader(source, opts, cfg, root)  # a bad --up, --units, --joint-map or --body-model fails before reading
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
    reference, problems_sk = _dominant_skeleton(loaded)
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
        conformed = _conform(res, reference) if reference is not None else None
        if conformed is None:
            continue  # reported once per file by _dominant_skeleton
        seg = _segment(take, conformed, cfg.fps, cfg.window)
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


def _reader(source: str, opts: SourceOptions, cfg: DataConfig, root: str | Path) -> Reader:
    """The file reader for ``source``, with its options checked up front."""
    from motionclip.data.config import check_body
    from motionclip.data.units import check_units
    from motionclip.data.up_axis import check_up

    body = check_body(cfg.body)
    used = {"bvh": {"labels", "up", "joint_map", "units"}, "amass": {"labels", "annotations", "body_model"},
            "bandai-namco": {"units"}}.get(source, set())  # fmt: skip
    given = {"labels": opts.labels, "annotations": opts.annotations, "body_model": opts.body_model,
             "up": None if opts.up == "auto" else opts.up, "joint_map": opts.joint_map,
             "units": None if opts.units == "auto" else opts.units}  # fmt: skip
    stray = [k for k, v in given.items() if v is not None and k not in used]
    if stray and source in ("bvh", "amass", "bandai-namco"):
        flag = "--" + stray[0].replace("_", "-")
        raise DatasetError(f"{flag} does not apply to --source {source}")
    if source == "amass":
        from motionclip.data.amass import load_body_models

        return Reader("amass", body_model=load_body_models(opts.body_model), body=body)
    up = "y" if source == "bandai-namco" else check_up(opts.up)  # Bandai Namco is Y-up (measured on every file)
    units = "cm" if source == "bandai-namco" and opts.units == "auto" else check_units(opts.units)
    mapping: tuple[tuple[str, str], ...] = ()
    if opts.joint_map is not None:
        from motionclip.data.retarget import read_joint_map

        mapping = tuple(read_joint_map(opts.joint_map).items())
    return Reader("bvh", up=up, joint_map=mapping, body=body, units=units, root=str(root))


def _dominant_skeleton(loaded: dict[str, TakeArrays | str]) -> tuple[TakeArrays | None, list[str]]:
    """The skeleton most files use (ties: the first file's), and one line per other file."""
    ok = [r for r in loaded.values() if isinstance(r, TakeArrays)]
    if not ok:
        return None, []
    counts = Counter((r.names, r.parents) for r in ok)
    top = counts.most_common(1)[0][1]
    key = next((r.names, r.parents) for r in ok if counts[(r.names, r.parents)] == top)
    reference = next(r for r in ok if (r.names, r.parents) == key)
    problems = []
    for path, r in loaded.items():
        if isinstance(r, TakeArrays) and _conform(r, reference) is None:
            extra = sorted(set(r.names) - set(reference.names))[:4]
            problems.append(
                f"{Path(path).name}: skeleton ({len(r.names)} joints) differs from the one {top} files use "
                f"({len(reference.names)} joints{'; unknown joints ' + ', '.join(extra) if extra else ''}); skipped "
                "(a --joint-map file can rename its joints)"
            )
    return reference, problems


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
