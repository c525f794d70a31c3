"""HumanML3D captions over AMASS sequences.

``index.csv`` has columns ``source_path,start_frame,end_frame,new_name``: ``source_path``
is the AMASS file as HumanML3D's own pose data (``./pose_data/KIT/3/x_poses.npy`` for
AMASS ``KIT/3/x_poses.npz``; ``humanact12`` rows are not AMASS and are skipped); the
frame range counts frames at 20 fps *after* HumanML3D trims the start of some
sub-datasets (Eyes_Japan_Dataset and MPI_HDM05 3 s, TotalCapture and MPI_Limits 1 s,
Transitions_mocap 0.5 s), which is reproduced here. ``texts/<new_name stem>.txt`` holds
one caption per line as ``caption#tokens#start#end``: start/end are seconds within the
clip, ``0.0#0.0`` meaning the whole clip. Optional ``train.txt``/``val.txt``/``test.txt``
list the clip names of HumanML3D's split, which is then kept.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from motionclip.errors import DatasetError

INDEX_FPS = 20.0
TRIM_SECONDS = {"Eyes_Japan_Dataset": 3.0, "MPI_HDM05": 3.0, "TotalCapture": 1.0, "MPI_Limits": 1.0,
                "Transitions_mocap": 0.5}  # fmt: skip
INDEX_COLUMNS = ("source_path", "start_frame", "end_frame", "new_name")
SPLIT_FILES = {"train.txt": 0, "val.txt": 1, "test.txt": 2}


@dataclass(frozen=True)
class Clip:
    name: str
    amass_path: str  # relative to the AMASS root
    texts: tuple[str, ...]
    start: float  # seconds in the AMASS sequence
    end: float
    split: int | None


def _amass_rel(source_path: str) -> str | None:
    parts = [p for p in source_path.replace("\\", "/").split("/") if p not in ("", ".")]
    if "humanact12" in parts or not parts:
        return None
    if parts[0] == "pose_data":
        parts = parts[1:]
    rel = "/".join(parts)
    return rel[: -len(".npy")] + ".npz" if rel.endswith(".npy") else rel


def _trim(rel: str) -> float:
    return next((s for key, s in TRIM_SECONDS.items() if key in rel), 0.0)


def _captions(path: Path) -> list[tuple[str, float, float]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("#")
        if len(parts) < 4:
            raise DatasetError(f"{path}:{n}: expected 'caption#tokens#start#end', got {line!r}")
        try:
            start, end = float(parts[-2]), float(parts[-1])
        except ValueError:
            raise DatasetError(f"{path}:{n}: start/end are not numbers ({parts[-2]!r}, {parts[-1]!r})") from None
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < 0:
            raise DatasetError(f"{path}:{n}: start/end must be seconds >= 0")
        if end < start and end != 0.0:
            raise DatasetError(f"{path}:{n}: caption end {end:g} s is before its start {start:g} s")
        caption = " ".join("#".join(parts[:-3]).split())
        if caption:
            out.append((caption, start, end))
    return out


def _splits(folder: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, k in SPLIT_FILES.items():
        if (folder / name).is_file():
            for line in (folder / name).read_text(encoding="utf-8").split():
                out[Path(line.strip()).stem] = k
    return out


def read_humanml3d(folder: Path) -> tuple[list[Clip], list[str]]:
    """Captioned clips from ``folder`` (index.csv + texts/), and the rows skipped."""
    index = folder / "index.csv"
    if not index.is_file():
        raise DatasetError(f"{folder}: no HumanML3D index.csv here")
    if not (folder / "texts").is_dir():
        raise DatasetError(f"{folder}: no HumanML3D texts/ folder here")
    splits = _splits(folder)
    clips: list[Clip] = []
    problems: list[str] = []
    with open(index, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in INDEX_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{index}: missing columns {', '.join(missing)}")
        for n, row in enumerate(reader, start=2):
            where = f"{index}:{n}"
            rel = _amass_rel(row["source_path"] or "")
            name = Path(row["new_name"] or "").stem
            if rel is None:
                problems.append(f"{where}: {row['source_path']} is not an AMASS sequence; skipped")
                continue
            try:
                f0, f1 = int(float(row["start_frame"])), int(float(row["end_frame"]))
            except (TypeError, ValueError):
                raise DatasetError(f"{where}: start_frame/end_frame are not integers") from None
            if f1 <= f0 or f0 < 0:
                raise DatasetError(f"{where}: end_frame {f1} is not after start_frame {f0}")
            text_file = folder / "texts" / f"{name}.txt"
            if not text_file.is_file():
                problems.append(f"{where}: no texts/{name}.txt; skipped")
                continue
            base = _trim(rel) + f0 / INDEX_FPS
            clip_end = _trim(rel) + f1 / INDEX_FPS
            spans: dict[tuple[float, float], list[str]] = {}
            for caption, s, e in _captions(text_file):
                span = (base, clip_end) if (s == 0.0 and e == 0.0) else (base + s, min(base + e, clip_end))
                if span[1] <= span[0]:
                    continue
                spans.setdefault(span, [])
                if caption not in spans[span]:
                    spans[span].append(caption)
            for k, ((s, e), texts) in enumerate(sorted(spans.items())):
                clips.append(Clip(name if k == 0 else f"{name}-{k}", rel, tuple(texts), s, e, splits.get(name)))
    return clips, problems
