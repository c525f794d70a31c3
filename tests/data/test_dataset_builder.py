"""`prepare_dataset` on small generated Bandai-style folders: windows, skips, splits, texts."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from synthetic import ACTIONS, STYLES, make_motion

from motionclip.data.bvh import write_bvh
from motionclip.data.cache import MotionCache
from motionclip.data.config import DataConfig
from motionclip.data.labels import CONTENT_PHRASES, describe
from motionclip.data.prepare import prepare_dataset
from motionclip.data.sources import Take, discover
from motionclip.data.splits import assign_splits
from motionclip.errors import DatasetError

WINDOW, STRIDE = 20, 7
CFG = DataConfig(window=WINDOW, stride=STRIDE, val_fraction=0.25, test_fraction=0.25, seed=0)

# (dataset, content, style, take, frames, fps); frames are at the file's fps
TAKES = [
    ("dataset-2", "walk", "normal", 1, 40, 30.0),
    ("dataset-2", "walk", "normal", 2, 27, 30.0),
    ("dataset-2", "walk", "normal", 3, 20, 30.0),  # exactly one window
    ("dataset-2", "walk", "normal", 4, 19, 30.0),  # short
    ("dataset-2", "walk", "elderly", 1, 33, 30.0),
    ("dataset-2", "walk", "elderly", 2, 81, 60.0),  # 41 frames at 30 fps
    ("dataset-2", "walk", "elderly", 3, 12, 30.0),  # short
    ("dataset-2", "walk", "elderly", 4, 25, 30.0),
    ("dataset-2", "wave-left-hand", "normal", 1, 34, 30.0),
    ("dataset-2", "wave-left-hand", "normal", 2, 48, 30.0),
    ("dataset-2", "wave-left-hand", "normal", 3, 21, 30.0),
    ("dataset-2", "wave-left-hand", "elderly", 1, 30, 30.0),
    ("dataset-2", "wave-left-hand", "elderly", 2, 36, 30.0),
    ("dataset-2", "wave-left-hand", "elderly", 3, 29, 30.0),
    ("dataset-1", "bow", "proud", 1, 26, 30.0),
    ("dataset-1", "bow", "proud", 2, 39, 30.0),
    ("dataset-1", "bow", "proud", 3, 22, 30.0),
]
LABELS = {
    "dataset-1": (["walk", "bow"], ["normal", "proud"]),
    "dataset-2": (["walk", "wave-left-hand"], ["normal", "elderly"]),
}


def resampled_length(frames: int, fps: float) -> int:
    return frames if fps == 30.0 else (frames - 1) * 30 // int(fps) + 1


def expected_windows(frames: int) -> int:
    return (frames - WINDOW) // STRIDE + 1 if frames >= WINDOW else 0


def build_folder(root: Path) -> Path:
    for ds, (contents, styles) in LABELS.items():
        part = root / f"Bandai-Namco-Research-Motiondataset-{ds[-1]}"
        (part / "cfg").mkdir(parents=True)
        (part / "data").mkdir()
        (part / "cfg" / "content_label.txt").write_text("".join(f"{ds}_{c}\n" for c in contents))
        (part / "cfg" / "style_label.txt").write_text("".join(f"{ds}_{s}\n" for s in styles))
    for ds, content, style, k, frames, fps in TAKES:
        contents, styles = LABELS[ds]
        data = root / f"Bandai-Namco-Research-Motiondataset-{ds[-1]}" / "data"
        name = f"{ds}_{content}_{style}_{k:03d}"
        action = content if content in ACTIONS else "raise-up-both-hands"
        style_kind = style if style in STYLES else "normal"
        m = make_motion(action, frames, fps=fps, style=style_kind, heading_deg=25.0 * k)
        write_bvh(m, data / f"{name}.bvh.gz")
        labels = {"content": contents.index(content), "style": styles.index(style)}
        (data / f"{name}.json").write_text(json.dumps(labels))
    data2 = root / "Bandai-Namco-Research-Motiondataset-2" / "data"
    # a label without its BVH, a BVH without its label, unusable labels, a broken file
    (data2 / "dataset-2_walk_normal_099.json").write_text(json.dumps({"content": 0, "style": 0}))
    write_bvh(make_motion("walk", 30), data2 / "dataset-2_walk_normal_098.bvh.gz")
    write_bvh(make_motion("walk", 30), data2 / "dataset-2_walk_normal_097.bvh.gz")
    (data2 / "dataset-2_walk_normal_097.json").write_text(json.dumps({"content": 7, "style": 0}))
    text = data2 / "dataset-2_walk_normal_096.bvh"
    write_bvh(make_motion("walk", 30), text)
    text.write_text(text.read_text().rsplit("\n", 6)[0] + "\n")  # truncated MOTION block
    (data2 / "dataset-2_walk_normal_096.json").write_text(json.dumps({"content": 0, "style": 0}))
    (data2 / "notes.txt").write_text("not a take")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = build_folder(tmp_path_factory.mktemp("mixed"))
    out = tmp_path_factory.mktemp("mixed-cache") / "cache.safetensors"
    summary = prepare_dataset("bandai-namco", root, out, CFG, workers=1, progress=False)
    return root, out, summary


def test_window_counts(built: tuple[Path, Path, dict]) -> None:
    _, out, summary = built
    lengths = [resampled_length(f, fps) for *_, f, fps in TAKES]
    kept = [n for n in lengths if n >= WINDOW]
    total = sum(expected_windows(n) for n in kept)
    assert sum(summary["windows"].values()) == total
    assert summary["takes"] == len(kept)
    cache = MotionCache.load(out)
    t = cache.tensors
    assert len(t["window_take"]) == total
    assert sorted(t["take_length"].tolist()) == sorted(kept)
    assert t["rot6d"].shape == (sum(kept), 21, 6)
    assert t["trans"].shape == (sum(kept), 3) and t["yaw"].shape == (sum(kept),)
    for take in range(len(kept)):
        starts = t["window_start"][t["window_take"] == take]
        n = int(t["take_length"][take])
        assert len(starts) == expected_windows(n)
        assert starts.tolist() == list(range(0, n - WINDOW + 1, STRIDE))
    assert cache.summary()["windows"] == summary["windows"]


def test_short_takes_are_skipped_and_counted(built: tuple[Path, Path, dict]) -> None:
    _, out, summary = built
    short = sum(resampled_length(f, fps) < WINDOW for *_, f, fps in TAKES)
    assert short == 2
    assert summary["skipped_short"] == short
    cache = MotionCache.load(out)
    assert cache.meta["skipped_short"] == short
    names = cache.meta["take_names"]
    assert "dataset-2_walk_normal_004" not in names and "dataset-2_walk_elderly_003" not in names
    assert "dataset-2_walk_normal_003" in names  # exactly one window long


def test_unmatched_and_broken_files_are_reported_not_fatal(built: tuple[Path, Path, dict]) -> None:
    _, out, summary = built
    problems = "\n".join(summary["problems"])
    assert re.search(r"dataset-2_walk_normal_099\.json: no matching BVH", problems)
    assert re.search(r"dataset-2_walk_normal_098\.bvh\.gz: no matching JSON", problems)
    assert re.search(r"dataset-2_walk_normal_097\.json: unusable labels", problems)
    assert re.search(r"dataset-2_walk_normal_096\.bvh: .*truncated", problems)
    assert len(summary["problems"]) == 4
    names = MotionCache.load(out).meta["take_names"]
    assert not {f"dataset-2_walk_normal_{k:03d}" for k in (96, 97, 98, 99)} & set(names)
    assert MotionCache.load(out).summary()["problems"] == 4


def test_labels_and_datasets(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    cache = MotionCache.load(out)
    assert cache.datasets == ["dataset-1", "dataset-2"]
    assert cache.contents == ["bow", "walk", "wave-left-hand"]
    assert cache.styles == ["elderly", "normal", "proud"]
    t = cache.tensors
    for i, name in enumerate(cache.meta["take_names"]):
        ds, content, style, _ = name.split("_")
        assert cache.datasets[int(t["take_dataset"][i])] == ds
        assert cache.contents[int(t["take_content"][i])] == content
        assert cache.styles[int(t["take_style"][i])] == style
        assert cache.meta["pairs"][int(t["take_pair"][i])] == f"{content}|{style}"


def test_no_take_in_two_splits(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    cache = MotionCache.load(out)
    names = cache.meta["take_names"]
    assert len(names) == len(set(names))
    by_split = {s: set() for s in ("train", "val", "test")}
    for split in by_split:
        takes = cache.window_labels(cache.window_indices(split))["take"]
        by_split[split] = {names[int(k)] for k in takes}
    assert not by_split["train"] & by_split["val"]
    assert not by_split["train"] & by_split["test"]
    assert not by_split["val"] & by_split["test"]
    assert sum(len(v) for v in by_split.values()) == len(names)
    assert all(by_split.values())  # every split has takes


def fake_takes(groups: dict[tuple[str, str], int]) -> list[Take]:
    return [
        Take(Path(f"{c}_{s}_{k}.bvh"), f"dataset-2_{c}_{s}_{k:03d}", "dataset-2", c, s)
        for (c, s), n in groups.items()
        for k in range(n)
    ]


def test_split_is_stratified() -> None:
    takes = fake_takes({("walk", "normal"): 12, ("run", "normal"): 10, ("walk", "elderly"): 20, ("bow", "sad"): 2})
    cfg = DataConfig(val_fraction=0.1, test_fraction=0.1, seed=0)
    for seed in range(5):
        cfg.seed = seed
        splits = assign_splits(takes, cfg)
        per_group: dict[tuple[str, str], Counter] = {}
        for take, s in zip(takes, splits):
            per_group.setdefault((take.content, take.style), Counter())[s] += 1
        for (c, s), counts in per_group.items():
            n = sum(counts.values())
            if n >= 10:  # big enough for a 10 % share: all three splits get some
                assert all(counts[k] >= 1 for k in range(3)), (c, s, counts)
                assert counts[0] >= 0.6 * n
        total = Counter(splits)
        assert abs(total[0] / len(takes) - 0.8) < 0.1
        assert total[1] >= 3 and total[2] >= 3


def test_split_covers_labels_of_one_take_pairs() -> None:
    """Dataset-1-like: one take per (content, style) pair, beside a big dataset-2-like part.
    Each content and each style with enough takes still reaches val and test."""
    rng = random.Random(0)
    contents = [f"c{i}" for i in range(17)]
    styles = [f"s{i}" for i in range(15)]
    pairs = rng.sample([(c, s) for c in contents for s in styles], 174)
    takes = [Take(Path(f"{c}_{s}.bvh"), f"dataset-1_{c}_{s}_001", "dataset-1", c, s) for c, s in pairs]
    takes += [
        Take(Path(f"d2_{c}_{s}_{k}.bvh"), f"dataset-2_{c}_{s}_{k:03d}", "dataset-2", c, s)
        for c in ("walk", "run", "wave")
        for s in ("normal", "happy")
        for k in range(rng.randint(20, 60))
    ]
    for seed in range(5):
        splits = assign_splits(takes, DataConfig(val_fraction=0.1, test_fraction=0.1, seed=seed))
        assert abs(Counter(splits)[0] / len(takes) - 0.8) < 0.01
        for level in ("content", "style", "pair"):
            per: dict[tuple[str, str], Counter] = {}
            for take, s in zip(takes, splits):
                label = (take.content, take.style) if level == "pair" else getattr(take, level)
                per.setdefault((take.dataset, label), Counter())[s] += 1
            for key, counts in per.items():
                if sum(counts.values()) >= 10:
                    assert counts[1] >= 1 and counts[2] >= 1, (seed, level, key, counts)


def test_split_is_seeded() -> None:
    takes = fake_takes({("walk", "normal"): 15, ("run", "normal"): 15, ("walk", "elderly"): 15})
    a = assign_splits(takes, DataConfig(seed=3))
    assert a == assign_splits(takes, DataConfig(seed=3))
    assert a != assign_splits(takes, DataConfig(seed=4))
    assert len({tuple(assign_splits(takes, DataConfig(seed=s))) for s in range(6)}) > 1


def test_prepare_is_deterministic_per_seed(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    root, out, _ = built
    again = tmp_path / "again.safetensors"
    other = tmp_path / "other.safetensors"
    prepare_dataset("bandai-namco", root, again, CFG, workers=1, progress=False)
    prepare_dataset("bandai-namco", root, other, DataConfig(**{**vars(CFG), "seed": 5}), workers=1, progress=False)
    a, b, c = load_file(str(out)), load_file(str(again)), load_file(str(other))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert not torch.equal(a["take_split"], c["take_split"])
    assert torch.equal(a["rot6d"], c["rot6d"])  # only the split changed


def test_worker_processes_give_the_same_cache(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    root, out, _ = built
    pooled = tmp_path / "pooled.safetensors"
    summary = prepare_dataset("bandai-namco", root, pooled, CFG, workers=2, progress=False)
    assert len(summary["problems"]) == 4
    a, b = load_file(str(out)), load_file(str(pooled))
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_texts_are_natural_and_varied(built: tuple[Path, Path, dict]) -> None:
    _, out, _ = built
    cache = MotionCache.load(out)
    descriptions = cache.meta["descriptions"]
    assert set(descriptions) == set(cache.meta["pairs"])
    for pair, texts in descriptions.items():
        content, style = pair.split("|")
        assert len(texts) >= 4 and len(set(texts)) == len(texts)
        for text in texts:
            assert re.fullmatch(r"[a-z][a-z ,\-]*[a-z]", text), text  # plain words, no label syntax
            assert "_" not in text and "dataset" not in text and "|" not in text
            assert any(v in text for v in CONTENT_PHRASES[content]), text
        assert texts == describe(content, style, max_phrasings=CFG.phrasings)
    assert "an elderly person walks" in descriptions["walk|elderly"]
    assert any("waves the left hand" in t for t in descriptions["wave-left-hand|normal"])
    # the flattened list and the per-pair ids agree
    for p, ids in enumerate(cache.pair_text_ids):
        assert [cache.texts[i] for i in ids] == descriptions[cache.meta["pairs"][p]]


def test_unknown_labels_fall_back_to_readable_text() -> None:
    texts = describe("moon-walk", "super_cool")
    assert texts and all("-" not in t and "_" not in t for t in texts)
    assert any("moon walk" in t for t in texts)


def test_discovery_without_takes_and_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        discover("bandai-namco", tmp_path / "missing")
    with pytest.raises(DatasetError, match="no Bandai Namco dataset"):
        discover("bandai-namco", tmp_path)
    with pytest.raises(DatasetError, match="unknown source"):
        discover("cmu", tmp_path)
    part = tmp_path / "Bandai-Namco-Research-Motiondataset-2"
    (part / "cfg").mkdir(parents=True)
    (part / "data").mkdir()
    with pytest.raises(DatasetError, match="label files"):
        discover("bandai-namco", tmp_path)
    (part / "cfg" / "content_label.txt").write_text("dataset-2_walk\n")
    (part / "cfg" / "style_label.txt").write_text("dataset-2_normal\n")
    with pytest.raises(DatasetError, match="no labelled takes"):
        prepare_dataset("bandai-namco", tmp_path, tmp_path / "c.safetensors", CFG, workers=1, progress=False)
    # the folder of one dataset (with cfg/ and data/) works as the root too
    write_bvh(make_motion("walk", 10), part / "data" / "dataset-2_walk_normal_001.bvh.gz")
    (part / "data" / "dataset-2_walk_normal_001.json").write_text('{"content": 0, "style": 0}')
    assert [t.name for t in discover("bandai-namco", part).takes] == ["dataset-2_walk_normal_001"]
    with pytest.raises(DatasetError, match="shorter than the window"):
        prepare_dataset("bandai-namco", part, tmp_path / "c.safetensors", CFG, workers=1, progress=False)
    assert not (tmp_path / "c.safetensors").exists()
    with pytest.raises(DatasetError, match="window"):
        prepare_dataset("bandai-namco", part, tmp_path / "c.safetensors", DataConfig(window=1), workers=1)
