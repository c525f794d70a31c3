"""Reading one take for the cache: the file through its source's reader (body convention, units,
up axis, joint map of its folder), conformed to the dataset's skeleton and cut to its labelled
segment. Runs in worker processes, so it holds only picklable state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motionclip.data.bvh import read_bvh
from motionclip.data.canonical import facing_direction, facing_pairs, heading_yaw, resample
from motionclip.data.config import DataConfig
from motionclip.data.sources import SourceOptions, Take
from motionclip.errors import DatasetError, MotionCLIPError


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


def conform(res: TakeArrays, ref: TakeArrays) -> TakeArrays | None:
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


def segment(take: Take, arrays: TakeArrays, fps: float, window: int) -> TakeArrays | str:
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


def reader_for(source: str, opts: SourceOptions, cfg: DataConfig, root: str | Path) -> Reader:
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


def dominant_skeleton(loaded: dict[str, TakeArrays | str]) -> tuple[TakeArrays | None, list[str]]:
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
        if isinstance(r, TakeArrays) and conform(r, reference) is None:
            extra = sorted(set(r.names) - set(reference.names))[:4]
            problems.append(
                f"{Path(path).name}: skeleton ({len(r.names)} joints) differs from the one {top} files use "
                f"({len(reference.names)} joints{'; unknown joints ' + ', '.join(extra) if extra else ''}); skipped "
                "(a --joint-map file can rename its joints)"
            )
    return reference, problems
