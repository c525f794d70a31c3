"""Discovering takes and their labels in supported motion-capture collections."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from motionclip.errors import DatasetError

BVH_SUFFIXES = (".bvh.gz", ".bvh")


@dataclass(frozen=True)
class Take:
    """One captured take and its labels."""

    path: Path
    name: str
    dataset: str
    content: str
    style: str


@dataclass
class Discovery:
    takes: list[Take]
    problems: list[str]  # human-readable reasons files were skipped


def _bvh_stem(path: Path) -> str | None:
    for suffix in BVH_SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return None


def _read_labels(cfg: Path) -> list[str]:
    return [ln.strip() for ln in cfg.read_text(encoding="utf-8").splitlines() if ln.strip()]


def discover_bandai_namco(root: str | Path) -> Discovery:
    """Find takes in a copy of the Bandai Namco Research Motion dataset.

    ``root`` is the folder holding ``Bandai-Namco-Research-Motiondataset-{1,2}`` (or one of
    them). Each take is ``data/NAME.bvh[.gz]`` with ``NAME.json`` = {"content": i, "style": j}
    indexing ``cfg/content_label.txt`` / ``cfg/style_label.txt`` (entries "dataset-N_label").
    A BVH without JSON, or JSON without BVH, is reported in ``problems`` and skipped.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder not found")
    parts = sorted(p for p in [root, *root.iterdir()] if (p / "cfg").is_dir() and (p / "data").is_dir())
    if not parts:
        raise DatasetError(
            f"{root}: no Bandai Namco dataset here (expected folders with cfg/ and data/ inside)"
        )
    takes: list[Take] = []
    problems: list[str] = []
    for part in parts:
        try:
            contents = _read_labels(part / "cfg" / "content_label.txt")
            styles = _read_labels(part / "cfg" / "style_label.txt")
        except OSError as exc:
            raise DatasetError(f"{part}: cannot read label files ({exc})") from None
        data = part / "data"
        bvhs = {stem: p for p in data.iterdir() if (stem := _bvh_stem(p)) is not None}
        jsons = {p.name[: -len(".json")]: p for p in data.glob("*.json")}
        for stem in sorted(set(bvhs) - set(jsons)):
            problems.append(f"{bvhs[stem].name}: no matching JSON label file; skipped")
        for stem in sorted(set(jsons) - set(bvhs)):
            problems.append(f"{jsons[stem].name}: no matching BVH file; skipped")
        for stem in sorted(set(bvhs) & set(jsons)):
            try:
                meta = json.loads(jsons[stem].read_text(encoding="utf-8"))
                content_label = contents[int(meta["content"])]
                style_label = styles[int(meta["style"])]
            except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                problems.append(f"{jsons[stem].name}: unusable labels ({exc!r}); skipped")
                continue
            dataset, _, content = content_label.partition("_")
            _, _, style = style_label.partition("_")
            takes.append(Take(bvhs[stem], stem, dataset, content or content_label, style or style_label))
    return Discovery(takes, problems)


SOURCES = {"bandai-namco": discover_bandai_namco}


def discover(source: str, root: str | Path) -> Discovery:
    try:
        finder = SOURCES[source]
    except KeyError:
        raise DatasetError(f"unknown source {source!r}; supported: {', '.join(SOURCES)}") from None
    return finder(root)
