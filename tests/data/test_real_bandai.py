"""A few real Bandai Namco takes from ../shared (skipped when it is absent).

Copies of real files go to pytest's temporary folders only, never into the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.cache import MotionCache
from motionclip.data.canonical import canonicalize, facing_direction
from motionclip.data.config import DataConfig
from motionclip.data.labels import CONTENT_PHRASES, STYLE_PHRASES
from motionclip.data.prepare import prepare_dataset
from motionclip.data.sources import discover
from motionclip.data.splits import assign_splits

PARTS = ("Bandai-Namco-Research-Motiondataset-1", "Bandai-Namco-Research-Motiondataset-2")
NAMES = (
    "Hips", "Spine", "Chest", "Neck", "Head",
    "Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L",
    "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R",
    "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
    "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R",
)  # fmt: skip


def takes(shared: Path, part: str) -> list[Path]:
    return sorted((shared / "data" / "bandai-namco" / part / "data").glob("*.bvh.gz"))


def pick(files: list[Path], k: int) -> list[Path]:
    """``k`` takes spread over the sorted list (different contents), deterministic."""
    return [files[i * (len(files) - 1) // (k - 1)] for i in range(k)]


@pytest.fixture(scope="module")
def samples(shared_dir: Path) -> list[Path]:
    out = []
    for part in PARTS:
        files = takes(shared_dir, part)
        assert len(files) > 100, part
        out += pick(files, 3)
    return out


def chain_length(skeleton, joint: int) -> float:  # noqa: ANN001
    total = 0.0
    while skeleton.parents[joint] >= 0:
        total += float(np.linalg.norm(skeleton.offsets[joint]))
        joint = skeleton.parents[joint]
    return total


def test_real_takes_read_in_metres(samples: list[Path]) -> None:
    for path in samples:
        m = read_bvh(path)
        pos = m.positions()
        assert m.skeleton.names == NAMES  # joint_Root folded away
        assert m.fps == pytest.approx(30.0, rel=1e-4) and m.euler_order == "ZXY"
        assert pos.shape == (len(m), 21, 3)
        assert torch.isfinite(pos).all()
        sk = m.skeleton
        # head-to-foot bone chain: a human body height in metres
        height = chain_length(sk, sk.index("Head")) + chain_length(sk, sk.index("Foot_L"))
        assert 1.3 <= height <= 2.0, (path.name, height)
        # the body stands on the floor, Y up: feet near 0, head well above, hips about 0.9 m
        feet = pos[:, [sk.index(n) for n in ("Foot_L", "Foot_R", "Toes_L", "Toes_R")], 1]
        assert -0.1 < feet.min() < 0.2, path.name
        assert 1.1 < pos[:, sk.index("Head"), 1].max() < 2.0, path.name
        assert 0.6 < m.root_translation[0, 1] < 1.2, path.name
        assert pos[..., [0, 2]].abs().max() < 10.0  # inside a capture volume, metres
        # constant bone lengths
        bone = (pos[:, sk.index("LowerLeg_L")] - pos[:, sk.index("UpperLeg_L")]).norm(dim=-1)
        assert float(bone.max() - bone.min()) < 1e-4


def test_real_takes_round_trip(samples: list[Path], tmp_path: Path) -> None:
    for path in samples:
        m = read_bvh(path)
        for name, order in ((f"{path.stem}.bvh", None), (f"{path.stem}_xyz.bvh.gz", "XYZ")):
            back = read_bvh(write_bvh(m, tmp_path / name, euler_order=order))
            assert back.skeleton == m.skeleton and len(back) == len(m)
            torch.testing.assert_close(back.positions(), m.positions(), atol=1e-4, rtol=0)
            torch.testing.assert_close(back.rotations, m.rotations, atol=1e-4, rtol=0)


def test_real_take_without_folding_keeps_positions(samples: list[Path]) -> None:
    m = read_bvh(samples[0])
    full = read_bvh(samples[0], fold_dummy_root=False)
    assert full.skeleton.names == ("joint_Root", *NAMES)
    # unfolded, the Hips' per-frame translation channels are lost (non-root position
    # channels are bone offsets), so only frame 0 matches
    torch.testing.assert_close(full.positions()[0, 1:], m.positions()[0], atol=1e-5, rtol=0)


def test_real_take_canonical(samples: list[Path]) -> None:
    for path in samples[::2]:
        c = canonicalize(read_bvh(path))
        torch.testing.assert_close(c.root_translation[0, [0, 2]], torch.zeros(2), atol=1e-5, rtol=0)
        torch.testing.assert_close(facing_direction(c, 0), torch.tensor([0.0, 0.0, 1.0]), atol=1e-5, rtol=0)


def test_every_real_label_has_written_phrases(shared_dir: Path) -> None:
    for part in PARTS:
        cfg = shared_dir / "data" / "bandai-namco" / part / "cfg"
        for line in (cfg / "content_label.txt").read_text().split():
            assert line.partition("_")[2] in CONTENT_PHRASES, line
        for line in (cfg / "style_label.txt").read_text().split():
            assert line.partition("_")[2] in STYLE_PHRASES, line


def test_real_split_reaches_every_label(shared_dir: Path) -> None:
    """Dataset-1 has about one take per (content, style): each content and style must still
    reach val and test (stratifying by pair alone left about half of them out)."""
    found = discover("bandai-namco", shared_dir / "data" / "bandai-namco")
    assert len(found.takes) > 2700
    assert [p for p in found.problems if "no matching" not in p] == []
    for seed in (0, 1, 2):
        splits = assign_splits(found.takes, DataConfig(seed=seed))
        shares = np.bincount(splits, minlength=3) / len(splits)
        np.testing.assert_allclose(shares, [0.8, 0.1, 0.1], atol=0.01)
        for level in ("content", "style"):
            per: dict[tuple[str, str], np.ndarray] = {}
            for take, split in zip(found.takes, splits):
                per.setdefault((take.dataset, getattr(take, level)), np.zeros(3, int))[split] += 1
            for key, counts in per.items():
                if counts.sum() >= 10:
                    assert (counts > 0).all(), (seed, level, key, counts)


def test_prepare_on_a_real_subset(shared_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "bandai"
    chosen: list[Path] = []
    for part in PARTS:
        src = shared_dir / "data" / "bandai-namco" / part
        (root / part / "data").mkdir(parents=True)
        shutil.copytree(src / "cfg", root / part / "cfg")
        for bvh in pick(takes(shared_dir, part), 6):
            stem = bvh.name[: -len(".bvh.gz")]
            shutil.copy(bvh, root / part / "data" / bvh.name)
            shutil.copy(bvh.with_name(f"{stem}.json"), root / part / "data" / f"{stem}.json")
            chosen.append(bvh)
    cfg = DataConfig(window=60, stride=20)
    out = tmp_path / "real.safetensors"
    summary = prepare_dataset("bandai-namco", root, out, cfg, workers=1, progress=False)
    assert summary["problems"] == []
    lengths = [len(read_bvh(p)) for p in chosen]
    kept = [n for n in lengths if n >= cfg.window]
    assert summary["takes"] == len(kept)
    assert summary["skipped_short"] == len(lengths) - len(kept)
    assert sum(summary["windows"].values()) == sum((n - cfg.window) // cfg.stride + 1 for n in kept)
    cache = MotionCache.load(out)
    assert cache.datasets == ["dataset-1", "dataset-2"]
    assert cache.skeleton.names == NAMES
    rot, trans = cache.windows(torch.arange(len(cache.tensors["window_take"])))
    assert rot.shape[1:] == (60, 21, 6)
    torch.testing.assert_close(trans[:, 0, [0, 2]], torch.zeros(len(trans), 2), atol=1e-4, rtol=0)
    info = cache.summary()
    assert info["hours_total"] == pytest.approx(sum(kept) / 30 / 3600)
