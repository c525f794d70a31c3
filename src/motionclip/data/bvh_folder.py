"""A folder of BVH files plus a labels file: the "bring your own data" source.

Labels file (``--labels``; default ``labels.csv`` or ``labels.jsonl`` in the folder):

- CSV with a header row. Columns: ``file`` (path relative to the folder, extension
  optional), ``text`` (a free-text description); optional ``class`` (action label for
  zero-shot evaluation), ``style``, ``start`` and ``end`` (seconds, both or neither).
  Several rows may name the same file: rows with the same (file, start, end) add
  descriptions to one labelled span; other spans of a take become takes of their own.
  A ``text`` cell may hold several descriptions separated by ``|``.
- JSONL: one object per line with the same keys; ``text`` may be a list of strings.

Files under the folder without any label row are reported and skipped; a label row
naming a file that is not there is an error (a typo would otherwise drop data silently).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from motionclip.errors import DatasetError

LABEL_NAMES = ("labels.csv", "labels.jsonl")
BVH_SUFFIXES = (".bvh.gz", ".bvh")
MAX_LABEL_BYTES = 64 * 1024 * 1024
COLUMNS = ("file", "text", "class", "style", "start", "end")
DEFAULT_STYLE = "neutral"


@dataclass
class LabelRow:
    """One labelled span of a file (merged over the rows that name it)."""

    file: str
    texts: list[str] = field(default_factory=list)
    label: str | None = None
    style: str | None = None
    start: float | None = None
    end: float | None = None
    where: str = ""


def bvh_files(root: Path) -> dict[str, Path]:
    """Every .bvh/.bvh.gz below ``root`` keyed by relative path without the extension."""
    out: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        name = p.name.lower()
        suffix = next((s for s in BVH_SUFFIXES if name.endswith(s)), None)
        if suffix is None or not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        out[rel[: -len(suffix)]] = p
    return out


def _seconds(value: object, where: str, key: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatasetError(f"{where}: {key} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise DatasetError(f"{where}: {key} must be a finite number of seconds >= 0, got {value!r}")
    return v


def _texts(value: object, where: str) -> list[str]:
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split("|")
    elif value is None:
        items = []
    else:
        raise DatasetError(f"{where}: text must be a string or a list of strings, got {type(value).__name__}")
    out = []
    for t in items:
        if not isinstance(t, str):
            raise DatasetError(f"{where}: text list holds a {type(t).__name__}, not a string")
        t = " ".join(t.split())
        if t:
            out.append(t)
    return out


def _records(path: Path) -> list[tuple[str, dict[str, object]]]:
    """(where, raw record) per data row of a CSV or JSONL labels file."""
    if not path.is_file():
        raise DatasetError(f"{path}: labels file not found")
    if path.stat().st_size > MAX_LABEL_BYTES:
        raise DatasetError(f"{path}: larger than {MAX_LABEL_BYTES // 2**20} MiB; not a labels file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read labels ({exc})") from None
    out: list[tuple[str, dict[str, object]]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{path}:{n}: not a JSON object ({exc.args[0]})") from None
            if not isinstance(rec, dict):
                raise DatasetError(f"{path}:{n}: expected a JSON object per line")
            out.append((f"{path}:{n}", rec))
        return out
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "file" not in header or "text" not in header:
        raise DatasetError(f"{path}: CSV header must have 'file' and 'text' columns (got {', '.join(header)})")
    reader.fieldnames = header
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise DatasetError(f"{path}:{n}: more cells than header columns (quote texts that contain commas)")
        out.append((f"{path}:{n}", {k: v for k, v in row.items() if v is not None}))
    return out


def read_labels(path: Path, files: dict[str, Path], root: Path) -> list[LabelRow]:
    """Labelled spans, merged per (file, start, end); errors name the file and line."""
    spans: dict[tuple[str, float | None, float | None], LabelRow] = {}
    for where, rec in _records(path):
        name = str(rec.get("file") or "").strip().replace("\\", "/")
        if not name:
            raise DatasetError(f"{where}: empty 'file'")
        key = name
        for suffix in BVH_SUFFIXES:
            if key.lower().endswith(suffix):
                key = key[: -len(suffix)]
        if key not in files:
            raise DatasetError(f"{where}: file {name!r} not found under {root}")
        texts = _texts(rec.get("text"), where)
        if not texts:
            raise DatasetError(f"{where}: empty 'text' (give at least one description)")
        start, end = _seconds(rec.get("start"), where, "start"), _seconds(rec.get("end"), where, "end")
        if (start is None) != (end is None):
            raise DatasetError(f"{where}: give both start and end (seconds) or neither")
        if start is not None and end is not None and end <= start:
            raise DatasetError(f"{where}: segment end {end:g} s is not after start {start:g} s")
        label = str(rec.get("class") or "").strip() or None
        style = str(rec.get("style") or "").strip() or None
        span = spans.setdefault((key, start, end), LabelRow(key, [], label, style, start, end, where))
        for t in texts:
            if t not in span.texts:
                span.texts.append(t)
        for attr, value in (("label", label), ("style", style)):
            have = getattr(span, attr)
            if value is not None and have is not None and have != value:
                raise DatasetError(f"{where}: {attr} {value!r} disagrees with {have!r} given at {span.where}")
            if have is None:
                setattr(span, attr, value)
    if not spans:
        raise DatasetError(f"{path}: no label rows")
    return list(spans.values())


def find_labels_file(root: Path, labels: str | Path | None) -> Path:
    if labels is not None:
        p = Path(labels)
        if not p.is_file():
            raise DatasetError(f"{p}: labels file not found")
        return p
    for name in LABEL_NAMES:
        if (root / name).is_file():
            return root / name
    raise DatasetError(
        f"{root}: no labels file; give --labels FILE (CSV with file,text[,class,style,start,end] or JSONL) "
        f"or put {' or '.join(LABEL_NAMES)} in the folder"
    )
