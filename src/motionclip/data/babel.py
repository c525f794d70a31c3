"""BABEL action labels (``train.json`` / ``val.json``) over AMASS sequences.

Each file maps a sequence id to ``{"babel_sid", "url", "feat_p", "dur", "seq_ann",
"frame_ann"}``. ``feat_p`` is the AMASS path, e.g. ``CMU/CMU/141/141_05_poses.npz``
(the first folder repeats the sub-dataset name; AMASS archives unpack without it).
``seq_ann`` / ``frame_ann`` are ``null`` or ``{"babel_lid", "anntr_id", "mul_act",
"labels": [...]}``; a label has ``raw_label`` (the annotator's words), ``proc_label``
(normalised), ``seg_id``, ``act_cat`` (list of action categories) and, in ``frame_ann``
only, ``start_t`` / ``end_t`` in seconds.

Each frame-level segment becomes one take (the sequence-level label when a sequence has
no frame labels): texts are its raw and processed labels, its class is its first
``act_cat``. ``train.json`` takes are split into train/val as usual; ``val.json`` takes
form the test split, as in BABEL's own benchmark (its test labels are not public).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from motionclip.errors import DatasetError

BABEL_FILES = {"train.json": None, "val.json": 2}  # file -> fixed split (2 = test)
MAX_JSON_BYTES = 1024**3


@dataclass(frozen=True)
class Segment:
    sid: str
    feat_p: str
    texts: tuple[str, ...]
    act_cat: str
    start: float | None
    end: float | None
    split: int | None


def _load(path: Path) -> dict:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise DatasetError(f"{path}: larger than 1 GiB; not a BABEL file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"{path}: not readable BABEL JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object of sequences keyed by babel_sid")
    return data


def _labels(ann: object, where: str) -> list[dict]:
    if ann is None:
        return []
    if not isinstance(ann, dict) or not isinstance(ann.get("labels"), list):
        raise DatasetError(f"{where}: annotation without a 'labels' list")
    return [lab for lab in ann["labels"] if isinstance(lab, dict)]


def _segment(
    sid: str, feat_p: str, lab: dict, dur: float, frame: bool, split: int | None, where: str
) -> Segment | None:
    texts = tuple(dict.fromkeys(t.strip() for t in (lab.get("raw_label"), lab.get("proc_label"))
                                if isinstance(t, str) and t.strip()))  # fmt: skip
    cats = lab.get("act_cat") or []
    if not isinstance(cats, list) or not cats or not texts:
        return None
    start = end = None
    if frame:
        try:
            start, end = float(lab["start_t"]), float(lab["end_t"])
        except (KeyError, TypeError, ValueError):
            raise DatasetError(f"{where}: frame label without numeric start_t/end_t") from None
        if end < start:
            raise DatasetError(f"{where}: segment end_t {end:g} is before start_t {start:g}")
        if end == start:
            return None
        start, end = max(0.0, start), min(end, dur) if dur > 0 else end
    return Segment(sid, feat_p, texts, str(cats[0]).strip(), start, end, split)


def read_babel(folder: Path) -> tuple[list[Segment], list[str]]:
    """Every labelled segment of ``folder``'s train.json/val.json, and problems found."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: BABEL folder not found (it holds train.json and val.json)")
    found = [name for name in BABEL_FILES if (folder / name).is_file()]
    if not found:
        raise DatasetError(f"{folder}: no BABEL train.json or val.json here")
    segments: list[Segment] = []
    problems: list[str] = []
    for name in found:
        path = folder / name
        for sid, seq in _load(path).items():
            where = f"{path}: sequence {sid}"
            if not isinstance(seq, dict) or not isinstance(seq.get("feat_p"), str):
                raise DatasetError(f"{where}: entry without a 'feat_p' path")
            try:
                dur = float(seq.get("dur") or 0.0)
            except (TypeError, ValueError):
                raise DatasetError(f"{where}: 'dur' is not a number") from None
            frame = _labels(seq.get("frame_ann"), where)
            labs, is_frame = (frame, True) if frame else (_labels(seq.get("seq_ann"), where), False)
            got = [s for lab in labs if (s := _segment(str(sid), seq["feat_p"], lab, dur, is_frame,
                                                        BABEL_FILES[name], where)) is not None]  # fmt: skip
            if not got:
                problems.append(f"{name} sequence {sid}: no usable labels; skipped")
            segments.extend(got)
    return segments, problems


def resolve_feat_p(amass_root: Path, feat_p: str) -> Path | None:
    """The AMASS file ``feat_p`` names, with or without its repeated first folder."""
    rel = Path(feat_p)
    for cand in (amass_root / rel, amass_root / Path(*rel.parts[1:]) if len(rel.parts) > 1 else None):
        if cand is not None and cand.is_file():
            return cand
    return None
