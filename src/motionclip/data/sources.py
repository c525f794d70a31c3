"""Discovering takes and their labels in supported motion-capture collections.

Sources: ``bandai-namco`` (its own layout), ``bvh`` (any folder of BVH files plus a
labels file, see :mod:`.bvh_folder`) and ``amass`` (AMASS ``.npz`` with BABEL or
HumanML3D labels, see :mod:`.amass`, :mod:`.babel`, :mod:`.humanml3d`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from motionclip.errors import DatasetError

BVH_SUFFIXES = (".bvh.gz", ".bvh")
AMASS_LABELS = ("babel", "humanml3d")


@dataclass(frozen=True)
class Take:
    """One labelled span of a captured file.

    ``texts``: free-text descriptions (empty: built from content and style by
    ``labels.describe``). ``start``/``end``: the span in seconds (None: the whole file).
    ``group``: takes of one group (one file) always share a split. ``split``: a split
    fixed by the dataset itself (0 train, 1 val, 2 test), or None to assign one.
    ``kind``: how to read ``path`` ("bvh" or "amass").
    """

    path: Path
    name: str
    dataset: str
    content: str
    style: str
    texts: tuple[str, ...] = ()
    start: float | None = None
    end: float | None = None
    group: str = ""
    split: int | None = None
    kind: str = "bvh"


@dataclass
class SourceOptions:
    """Options of ``data prepare`` that only some sources use."""

    labels: str | None = None  # bvh: labels file; amass: "babel" or "humanml3d"
    annotations: Path | None = None  # amass: the BABEL or HumanML3D folder
    body_model: Path | None = None  # amass: SMPL-H model.npz
    up: str = "auto"  # bvh: auto, y or z
    joint_map: Path | None = None  # bvh: source -> dominant joint names
    units: str = "auto"  # bvh: auto, cm, m, mm, in, cmu, dm (motionclip.data.units)
    notes: list[str] = field(default_factory=list)


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
        raise DatasetError(f"{root}: no Bandai Namco dataset here (expected folders with cfg/ and data/ inside)")
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


def discover_bvh(root: str | Path, options: SourceOptions | None = None) -> Discovery:
    """Every labelled span of the BVH files below ``root`` (see :mod:`.bvh_folder`)."""
    from motionclip.data.bvh_folder import DEFAULT_STYLE, bvh_files, find_labels_file, read_labels

    opts = options or SourceOptions()
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder not found")
    files = bvh_files(root)
    if not files:
        raise DatasetError(f"{root}: no .bvh or .bvh.gz files in this folder or below")
    rows = read_labels(find_labels_file(root, opts.labels), files, root)
    labelled = {r.file for r in rows}
    problems = [f"{files[k].name}: no label row in the labels file; skipped" for k in sorted(set(files) - labelled)]
    dataset = root.resolve().name or "bvh"
    takes = []
    count: dict[str, int] = {}
    for r in rows:
        k = count[r.file] = count.get(r.file, 0) + 1
        name = r.file if (r.start is None and k == 1) else f"{r.file}@{r.start:g}-{r.end:g}s"
        content = r.label or r.texts[0]
        takes.append(Take(files[r.file], name, dataset, content, r.style or DEFAULT_STYLE, tuple(r.texts),
                          r.start, r.end, group=r.file))  # fmt: skip
    return Discovery(takes, problems)


def discover_amass(root: str | Path, options: SourceOptions | None = None) -> Discovery:
    """AMASS sequences under ``root`` labelled by BABEL or HumanML3D (``--labels``)."""
    from motionclip.data.babel import read_babel, resolve_feat_p
    from motionclip.data.humanml3d import read_humanml3d

    opts = options or SourceOptions()
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: AMASS folder not found")
    kind = (opts.labels or "").strip().lower()
    if kind not in AMASS_LABELS:
        raise DatasetError(f"--source amass needs --labels babel or --labels humanml3d (got {opts.labels!r})")
    if opts.annotations is None:
        raise DatasetError(f"--labels {kind} needs --annotations FOLDER (the {kind} files)")
    folder = Path(opts.annotations)
    takes: list[Take] = []
    problems: list[str] = []
    missing: set[str] = set()
    if kind == "babel":
        segments, problems = read_babel(folder)
        for s in segments:
            path = resolve_feat_p(root, s.feat_p)
            if path is None:
                missing.add(s.feat_p)
                continue
            span = "" if s.start is None else f"@{s.start:g}-{s.end:g}s"
            takes.append(Take(path, f"{s.sid}{span}", "babel", s.act_cat, "neutral", s.texts, s.start, s.end,
                              group=s.feat_p, split=s.split, kind="amass"))  # fmt: skip
    else:
        clips, problems = read_humanml3d(folder)
        for c in clips:
            path = root / c.amass_path
            if not path.is_file():
                missing.add(c.amass_path)
                continue
            takes.append(Take(path, c.name, "humanml3d", c.texts[0], "neutral", c.texts, c.start, c.end,
                              group=c.name.split("-")[0] if c.split is not None else c.amass_path,
                              split=c.split, kind="amass"))  # fmt: skip
    for rel in sorted(missing):
        problems.append(f"{rel}: labelled but not found under {root}; skipped")
    return Discovery(takes, problems)


SOURCES = {"bandai-namco": discover_bandai_namco, "bvh": discover_bvh, "amass": discover_amass}


def discover(source: str, root: str | Path, options: SourceOptions | None = None) -> Discovery:
    try:
        finder = SOURCES[source]
    except KeyError:
        raise DatasetError(f"unknown source {source!r}; supported: {', '.join(SOURCES)}") from None
    if source == "bandai-namco":
        return discover_bandai_namco(root)
    return finder(root, options)  # type: ignore[call-arg]  # the other finders take options
