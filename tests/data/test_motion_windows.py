"""`MotionWindows` items and `MotionDataModule` loaders/statistics on the synthetic cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from motionclip.data.cache import MotionCache
from motionclip.data.dataset import MotionDataModule, MotionWindows, feature_stats
from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import sixd_to_matrix
from motionclip.errors import DatasetError


@pytest.fixture(scope="module")
def cache(synthetic_cache: Path) -> MotionCache:
    return MotionCache.load(synthetic_cache)


def test_item_shapes_and_labels(cache: MotionCache) -> None:
    ds = MotionWindows(cache, "train")
    w, j = cache.window, cache.skeleton.num_joints
    assert (w, j) == (30, 21)
    item = ds[0]
    assert item["rot6d"].shape == (w, j, 6) and item["rot6d"].dtype == torch.float32
    assert item["trans"].shape == (w, 3)
    assert item["offsets"].shape == (j, 3)
    for key in ("content", "style", "dataset", "text_id", "window"):
        assert item[key].shape == (), key
    take = int(cache.tensors["window_take"][item["window"]])
    assert int(item["content"]) == int(cache.tensors["take_content"][take])
    assert int(item["text_id"]) == cache.pair_text_ids[int(cache.tensors["take_pair"][take])][0]
    assert sum(len(cache.window_indices(s)) for s in ("train", "val", "test")) == len(cache.tensors["window_take"])


def test_items_are_canonical(cache: MotionCache) -> None:
    ds = MotionWindows(cache, "val")
    sk = cache.skeleton
    for i in range(0, len(ds), 5):
        item = ds[i]
        pos = forward_kinematics(sixd_to_matrix(item["rot6d"]), item["trans"], item["offsets"], sk.parents)
        torch.testing.assert_close(item["trans"][0, [0, 2]], torch.zeros(2), atol=1e-5, rtol=0)
        across = pos[0, sk.index("UpperLeg_L")] - pos[0, sk.index("UpperLeg_R")]
        across = across + pos[0, sk.index("Shoulder_L")] - pos[0, sk.index("Shoulder_R")]
        assert abs(across[2].item()) < 1e-4 * across.norm().item() + 1e-5  # left-right along X
        assert across[0] > 0  # left is +X: facing +Z


def test_fixed_items_are_deterministic(cache: MotionCache) -> None:
    a, b = MotionWindows(cache, "test"), MotionWindows(cache, "test")
    for i in (0, len(a) - 1):
        torch.testing.assert_close(a[i]["rot6d"], b[i]["rot6d"])
        assert int(a[i]["text_id"]) == int(b[i]["text_id"])


def test_jitter_stays_within_take_and_near_its_start(cache: MotionCache) -> None:
    ds = MotionWindows(cache, "train", jitter=True)
    stride = int(cache.meta["config"]["stride"])
    torch.manual_seed(0)
    seen_texts: set[int] = set()
    offsets: set[int] = set()
    rows = list(range(len(ds)))
    for _ in range(4):
        batch = ds.__getitems__(rows)
        for i in rows:
            window = int(batch["window"][i])
            take = int(cache.tensors["window_take"][window])
            start = int(batch["start"][i])
            length = int(cache.tensors["take_length"][take])
            assert 0 <= start <= length - cache.window
            stored = int(cache.tensors["window_start"][window])
            assert abs(start - stored) <= stride // 2
            offsets.add(start - stored)
            pair = int(cache.tensors["take_pair"][take])
            assert int(batch["text_id"][i]) in cache.pair_text_ids[pair]
            seen_texts.add(int(batch["text_id"][i]))
            # the served window is the take's frames from ``start``, in canonical form
            rot, trans = cache.clip(take, start)
            torch.testing.assert_close(batch["rot6d"][i], rot)
            torch.testing.assert_close(batch["trans"][i], trans)
        torch.testing.assert_close(batch["trans"][:, 0, [0, 2]], torch.zeros(len(rows), 2), atol=1e-5, rtol=0)
    assert len(offsets) > 3  # it really moves
    assert len(seen_texts) > len(cache.meta["pairs"])  # several phrasings per pair get used


def test_target_positions_are_fk_of_the_served_window(cache: MotionCache) -> None:
    for jitter in (False, True):
        batch = MotionWindows(cache, "train", jitter=jitter).__getitems__([0, 3, 5])
        fk = forward_kinematics(
            sixd_to_matrix(batch["rot6d"]), batch["trans"], batch["offsets"][:, None], cache.skeleton.parents
        )
        torch.testing.assert_close(batch["positions"], fk, atol=1e-5, rtol=0)


def test_window_positions_are_fk_of_each_window_in_any_batching(cache: MotionCache) -> None:
    idx = cache.window_indices("train")[:7]
    own = cache.window_positions(idx, batch=3)  # batches of 3, 3, 1
    for row, w in enumerate(idx.tolist()):
        rot, tr = cache.windows(torch.tensor([w]))
        offsets = cache.tensors["take_offsets"][cache.tensors["window_take"][w]]
        fk = forward_kinematics(sixd_to_matrix(rot), tr, offsets[None, None], cache.skeleton.parents)
        torch.testing.assert_close(own[row : row + 1], fk)
    taller = 1.1 * cache.tensors["take_offsets"].mean(0)  # one skeleton for every window
    rot, tr = cache.windows(idx)
    fk = forward_kinematics(sixd_to_matrix(rot), tr, taller, cache.skeleton.parents)
    torch.testing.assert_close(cache.window_positions(idx, taller, batch=4), fk)
    assert cache.window_positions(idx[:0]).shape == (0, cache.window, len(cache.skeleton.parents), 3)


def test_stats_are_computed_on_train_only(synthetic_cache: Path) -> None:
    dm = MotionDataModule(synthetic_cache, batch_size=4)
    stats = dm.stats
    assert stats["rot_mean"].shape == (21, 6) and stats["rot_std"].shape == (21, 6)
    assert stats["trans_mean"].shape == (3,) and stats["trans_std"].shape == (3,)
    assert (stats["rot_std"] > 0).all() and (stats["trans_std"] > 0).all()
    cache = dm.cache
    train = feature_stats(*cache.windows(cache.window_indices("train")))
    every = feature_stats(*cache.windows(torch.arange(len(cache.tensors["window_take"]))))
    for key in stats:
        torch.testing.assert_close(stats[key], train[key])
    assert not torch.allclose(stats["rot_mean"], every["rot_mean"], atol=1e-4)


def test_feature_stats_floor() -> None:
    rot = torch.zeros(2, 5, 3, 6)
    trans = torch.ones(2, 5, 3)
    stats = feature_stats(rot, trans, eps=1e-3)
    assert torch.equal(stats["rot_std"], torch.full((3, 6), 1e-3))
    assert torch.equal(stats["trans_mean"], torch.ones(3))


def test_loaders(synthetic_cache: Path) -> None:
    dm = MotionDataModule(synthetic_cache, batch_size=8)
    batch = next(iter(dm.train_dataloader()))
    assert batch["rot6d"].shape == (8, 30, 21, 6)
    assert batch["trans"].shape == (8, 30, 3)
    assert batch["offsets"].shape == (8, 21, 3)
    val = list(dm.val_dataloader())
    assert sum(len(b["window"]) for b in val) == len(dm.cache.window_indices("val"))
    again = list(dm.val_dataloader())
    torch.testing.assert_close(val[0]["rot6d"], again[0]["rot6d"])  # validation is fixed


def test_image_embeddings_and_bad_split(synthetic_cache: Path) -> None:
    cache = MotionCache.load(synthetic_cache)
    emb = torch.randn(len(cache.tensors["window_take"]), 16)
    ds = MotionWindows(cache, "train", image_embeddings=emb)
    item = ds[3]
    torch.testing.assert_close(item["image_emb"], emb[int(item["window"])])
    with pytest.raises(DatasetError, match="unknown split"):
        MotionWindows(cache, "holdout")


def test_cache_load_errors(tmp_path: Path, synthetic_cache: Path) -> None:
    from safetensors.torch import save_file

    with pytest.raises(DatasetError, match="not found"):
        MotionCache.load(tmp_path / "none.safetensors")
    (tmp_path / "text.safetensors").write_text("hello, this is not a cache")
    with pytest.raises(DatasetError, match="not a readable dataset cache"):
        MotionCache.load(tmp_path / "text.safetensors")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(DatasetError, match="without motionclip metadata"):
        MotionCache.load(tmp_path / "plain.safetensors")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "model.safetensors"), metadata={"motionclip": '{"format": "m"}'})
    with pytest.raises(DatasetError, match="not a dataset cache"):
        MotionCache.load(tmp_path / "model.safetensors")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "badjson.safetensors"), metadata={"motionclip": "{oops"})
    with pytest.raises(DatasetError, match="JSON"):
        MotionCache.load(tmp_path / "badjson.safetensors")
    meta = '{"format": "motionclip-dataset-v1"}'
    save_file({"rot6d": torch.zeros(2)}, str(tmp_path / "partial.safetensors"), metadata={"motionclip": meta})
    with pytest.raises(DatasetError, match="missing"):
        MotionCache.load(tmp_path / "partial.safetensors")
