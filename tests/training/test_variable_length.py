"""Variable-length training: one clip length per batch, padding masks, masked losses."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from model_helpers import quick_run

from motionclip.data.cache import MotionCache
from motionclip.data.dataset import LengthBatchSampler, MotionWindows
from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import sixd_to_matrix
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.generation import load_model
from motionclip.training.config import LossConfig
from motionclip.training.losses import LossScales, normalised_reconstruction_losses, paper_reconstruction_losses
from motionclip.training.run import train


def test_sampler_gives_one_length_per_batch_and_equal_frame_budgets() -> None:
    s = LengthBatchSampler(200, batch_size=16, window=60, min_frames=30, max_frames=240, seed=1)
    batches = list(s)
    seen = [row for b in batches for row, _ in b]
    assert len(seen) == len(set(seen))  # each row at most once per epoch
    for b in batches:
        lengths = {n for _, n in b}
        assert len(lengths) == 1
        n = lengths.pop()
        assert 30 <= n <= 240 and len(b) == max(1, round(16 * 60 / n))
    assert {n for b in batches for _, n in b} != {60}  # lengths vary
    assert [b[0] for b in list(s)] != [b[0] for b in batches]  # a new order each epoch
    with pytest.raises(DatasetError, match="clip lengths"):
        LengthBatchSampler(10, 4, 60, 50, 40)


def test_long_clips_are_padded_and_masked(synthetic_cache: Path) -> None:
    cache = MotionCache.load(synthetic_cache)
    ds = MotionWindows(cache, "train", jitter=True)
    n = 4 * cache.window
    batch = ds.__getitems__([(i, n) for i in range(len(ds))])
    assert batch["rot6d"].shape[1] == n and batch["mask"].shape == (len(ds), n)
    t = cache.tensors
    for i in range(len(ds)):
        take = int(t["window_take"][batch["window"][i]])
        real = min(n, int(t["take_length"][take]) - int(batch["start"][i]))
        assert int(batch["mask"][i].sum()) == real and bool(batch["mask"][i, :real].all())
        if real < n:  # padding repeats the last real frame
            torch.testing.assert_close(
                batch["rot6d"][i, real:], batch["rot6d"][i, real - 1 : real].expand(n - real, -1, -1)
            )
    fk = forward_kinematics(
        sixd_to_matrix(batch["rot6d"]), batch["trans"], batch["offsets"][:, None], cache.skeleton.parents
    )
    torch.testing.assert_close(batch["positions"], fk, atol=1e-5, rtol=0)
    short = ds.__getitems__([(0, 10), (1, 10)])
    assert short["rot6d"].shape[1] == 10 and bool(short["mask"].all())


def test_padding_changes_neither_the_loss_nor_the_real_frames(tiny_checkpoint: Path) -> None:
    model = load_model(tiny_checkpoint)
    g = torch.Generator().manual_seed(0)
    feats, pos = torch.randn(2, 20, model.features, generator=g), torch.randn(2, 20, 21, 3, generator=g)
    pred_f, pred_p = torch.randn(2, 20, model.features, generator=g), torch.randn(2, 20, 21, 3, generator=g)
    mask = torch.ones(2, 20, dtype=torch.bool)
    mask[1, 12:] = False
    scales = LossScales.identity()
    a = normalised_reconstruction_losses(pred_f, pred_p, feats, pos, scales, mask)
    feats2, pos2 = feats.clone(), pos.clone()
    feats2[1, 12:] += 100.0
    pos2[1, 12:] -= 50.0
    b = normalised_reconstruction_losses(pred_f, pred_p, feats2, pos2, scales, mask)
    for k in a:
        torch.testing.assert_close(a[k], b[k])
    rot, tr = torch.randn(2, 20, 21, 6, generator=g), torch.randn(2, 20, 3, generator=g)
    p1 = paper_reconstruction_losses(rot, tr, pred_p, rot * 0, tr * 0, pos, mask)
    p2 = paper_reconstruction_losses(rot, tr, pred_p, rot * 0, tr * 0, pos2, mask)
    torch.testing.assert_close(p1["position"], p2["position"])
    # decoder and encoder: real frames do not see the padding
    z = torch.randn(1, model.latent_dim, generator=g)
    m = torch.zeros(1, 25, dtype=torch.bool)
    m[:, :15] = True
    with torch.no_grad():
        padded = model.decode_normalised(z, 25, m)[:, :15]
        plain = model.decode_normalised(z, 15)
        torch.testing.assert_close(padded, plain, atol=1e-5, rtol=1e-5)
        x = torch.randn(1, 25, model.features, generator=g)
        torch.testing.assert_close(model.encoder(x, m), model.encoder(x[:, :15]), atol=1e-5, rtol=1e-5)


def test_training_on_variable_length_clips(synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path) -> None:
    run = quick_run(steps=3)
    run.train.window_min_frames, run.train.window_max_frames = 10, 60
    summary = train(synthetic_cache, run, tmp_path, progress=False, log=lambda *_: None)
    assert summary["global_step"] == 3
    model = load_model(tmp_path / "model.safetensors")
    assert model.trained_frames == 60
    assert len(model.generate("a person walks", frames=50)) == 50  # one pass within the trained range
    run.train.window_min_frames = 1
    with pytest.raises(MotionCLIPError, match="window_min_frames"):
        from motionclip.training.config import validate_run_config

        validate_run_config(run)
    assert LossConfig().recipe == "normalised"


def test_the_old_clip_frame_keys_still_read() -> None:
    """Run files, scripts and summaries written before ``train.clip_*_frames`` became
    ``train.window_*_frames`` keep working."""
    from motionclip.config import apply_overrides, from_dict, to_dict
    from motionclip.training.config import TrainRunConfig

    run = apply_overrides(TrainRunConfig(), ["train.clip_min_frames=10", "train.clip_max_frames=60"])
    assert (run.train.window_min_frames, run.train.window_max_frames) == (10, 60)
    old = to_dict(TrainRunConfig())
    old["train"] = {("clip_max_frames" if k == "window_max_frames" else k): v for k, v in old["train"].items()}
    old["train"]["clip_max_frames"] = 90
    assert from_dict(TrainRunConfig, old).train.window_max_frames == 90
