"""The latent bank: storage, neighbour sampling, seeds, and generation through it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from motionclip.errors import MotionCLIPError
from motionclip.generation import load_model
from motionclip.generation.latent_bank import dequantise, pick_neighbours, quantise, slerp
from motionclip.model.checkpoint import save_checkpoint
from motionclip.model.config import GenerationConfig


def test_quantised_directions_are_close_to_the_originals() -> None:
    z = torch.randn(50, 384) * 20
    codes, scale = quantise(z)
    assert codes.dtype == torch.int8 and scale.shape == (50,)
    back = dequantise(codes, scale)
    cos = (back * F.normalize(z, dim=-1)).sum(-1)
    assert cos.min() > 0.999


def test_slerp_ends_and_middle() -> None:
    a, b = F.normalize(torch.randn(3, 8), dim=-1), F.normalize(torch.randn(3, 8), dim=-1)
    torch.testing.assert_close(slerp(a, b, 0.0), a, atol=1e-5, rtol=0)
    torch.testing.assert_close(slerp(a, b, 1.0), b, atol=1e-5, rtol=0)
    mid = slerp(a, b, 0.5)
    torch.testing.assert_close((mid * a).sum(-1), (mid * b).sum(-1), atol=1e-5, rtol=0)  # equidistant
    torch.testing.assert_close(mid.norm(dim=-1), torch.ones(3))


def test_neighbours_are_near_reproducible_and_vary_with_the_seed() -> None:
    g = torch.Generator().manual_seed(0)
    bank = F.normalize(torch.randn(200, 16, generator=g), dim=-1)
    text = bank[:2] + 0.01 * torch.randn(2, 16, generator=g)
    rows = pick_neighbours(text, bank, samples=4, top_k=8, temperature=0.05, seed=1)
    assert rows.shape == (2, 4)
    assert all(len(set(r.tolist())) == 4 for r in rows)  # without replacement
    top8 = (F.normalize(text, dim=-1) @ bank.T).topk(8, dim=-1).indices
    assert all(set(r.tolist()) <= set(t.tolist()) for r, t in zip(rows, top8))
    assert torch.equal(rows, pick_neighbours(text, bank, 4, 8, 0.05, seed=1))
    others = [pick_neighbours(text, bank, 4, 8, 0.05, seed=s) for s in range(2, 8)]
    assert any(not torch.equal(rows, o) for o in others)


def test_repeated_windows_count_once_in_the_draw() -> None:
    g = torch.Generator().manual_seed(0)
    distinct = F.normalize(torch.randn(50, 16, generator=g), dim=-1)
    bank = torch.cat([distinct[:1].repeat(6, 1), distinct])  # one window six times, nearest the text
    text = distinct[:1] + 0.01 * torch.randn(1, 16, generator=g)
    for seed in range(5):
        rows = pick_neighbours(text, bank, 4, 8, 0.05, seed)
        codes = bank[rows[0]]
        assert torch.pdist(codes).min() > 1e-3  # four different latents, not four copies of one
        assert sum(int(r) < 7 for r in rows[0]) <= 1  # the repeated window (and its twin) at most once
    # nothing but copies left: they are drawn again rather than failing
    rows = pick_neighbours(text, distinct[:1].repeat(5, 1), 3, 8, 0.05, 0)
    assert rows.shape == (1, 3)


def test_neighbour_draw_skips_the_still_half_of_the_neighbours() -> None:
    g = torch.Generator().manual_seed(0)
    bank = F.normalize(torch.randn(200, 16, generator=g), dim=-1)
    text = bank[:1] + 0.01 * torch.randn(1, 16, generator=g)
    order = (F.normalize(text, dim=-1) @ bank.T).argsort(dim=-1, descending=True)[0]
    activity = torch.ones(200)
    activity[order[:4]] = 0.01  # the four nearest are still (a take's lead-in / lead-out)
    for seed in range(10):  # pool = top_k, quantile 0.5: only the active half of the 8 nearest
        rows = pick_neighbours(text, bank, 2, 8, 0.05, seed, activity, pool=8, active_quantile=0.5)
        assert set(rows[0].tolist()) <= set(order[4:8].tolist())
    # more samples than active neighbours: drawn with replacement, still only active ones
    rows = pick_neighbours(text, bank, 6, 8, 0.05, 0, activity, pool=8, active_quantile=0.5)
    assert set(rows[0].tolist()) <= set(order[4:8].tolist())
    # a wider pool: the 8 most similar active windows of the 64 nearest
    rows = pick_neighbours(text, bank, 8, 8, 10.0, 0, activity, pool=64, active_quantile=0.5)
    assert set(rows[0].tolist()) == set(order[4:12].tolist())
    # quantile 0, no activity, or all equally active: the plain draw among the top_k
    plain = pick_neighbours(text, bank, 4, 8, 0.05, 3)
    assert torch.equal(pick_neighbours(text, bank, 4, 8, 0.05, 3, activity, active_quantile=0.0), plain)
    assert torch.equal(pick_neighbours(text, bank, 4, 8, 0.05, 3, torch.ones(200)), plain)


def test_trained_checkpoint_carries_its_bank_and_generation_settings(tiny_checkpoint: Path, tmp_path: Path) -> None:
    model = load_model(tiny_checkpoint)
    assert model.bank_size > 0 and model.bank_codes.dtype == torch.int8
    assert model.bank_activity.shape == (model.bank_size,) and bool((model.bank_activity >= 0).all())
    assert model.bank_activity_or_none() is not None  # the synthetic set has moving windows
    torch.testing.assert_close(model.bank_activity, model.measure_bank_activity(), atol=2e-3, rtol=0)  # decoded
    assert model.generation == GenerationConfig()  # a new run records the default draw
    model.generation.bank_weight = 0.5
    save_checkpoint(model, tmp_path / "m.safetensors", half=True)
    again = load_model(tmp_path / "m.safetensors")
    assert torch.equal(again.bank_codes, model.bank_codes) and again.generation.bank_weight == 0.5


def test_samples_and_seeds(tiny_checkpoint: Path) -> None:
    model = load_model(tiny_checkpoint)
    one = model.generate("a person walks", frames=20)
    again = model.generate("a person walks", frames=20)
    torch.testing.assert_close(one.rotations, again.rotations)  # same seed, same motion
    five = model.generate("a person walks", frames=20, samples=5, seed=3)
    assert isinstance(five, list) and len(five) == 5
    first = torch.stack([m.root_translation for m in five])
    repeat = torch.stack([m.root_translation for m in model.generate("a person walks", 20, samples=5, seed=3)])
    torch.testing.assert_close(first, repeat)
    spread = torch.pdist(torch.stack([m.rotations.flatten() for m in five]))
    assert spread.min() > 0  # five different motions
    both = model.generate(["a person walks", "a person waves"], frames=20, samples=2)
    assert len(both) == 4
    # bank weight 0 = the paper's direct decoding of the text embedding
    direct = model.generate("a person walks", frames=20, bank_weight=0.0)
    expected = model.decode(model.text_latent(["a person walks"]), 20)[0]
    torch.testing.assert_close(direct.rotations, expected.rotations)
    with pytest.raises(MotionCLIPError, match="samples"):
        model.generate("a person walks", samples=0)
    with pytest.raises(MotionCLIPError, match="bank weight"):
        model.generate("a person walks", bank_weight=1.5)


def test_checkpoint_without_a_bank_decodes_texts_directly(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Format v1 files from before the latent bank hold no bank tensors (later formats must)."""
    from safetensors.torch import load_file, safe_open, save_file
    from v1_checkpoint import write_v1

    v1 = write_v1(tiny_checkpoint, tmp_path / "v1.safetensors")
    state = load_file(str(v1))
    with safe_open(str(v1), framework="pt") as fh:
        meta = fh.metadata()
    for key in ("bank_codes", "bank_scale", "bank_take", "bank_start", "bank_activity"):
        state.pop(key)
    save_file(state, str(tmp_path / "old.safetensors"), metadata=meta)
    model = load_model(tmp_path / "old.safetensors")
    assert model.bank_size == 0
    m = model.generate("a person walks", frames=20)
    torch.testing.assert_close(m.rotations, model.decode(model.text_latent(["a person walks"]), 20)[0].rotations)
    with pytest.raises(MotionCLIPError, match="no latent bank"):
        model.generate("a person walks", samples=3)


def test_checkpoint_without_bank_activity_draws_from_every_neighbour(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Format v2 files (e.g. earlier shipped checkpoints) were written before the bank recorded its activity."""
    import json

    from safetensors.torch import load_file, safe_open, save_file

    from motionclip.tagged import MODEL_CHECKPOINT

    state = load_file(str(tiny_checkpoint))
    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = json.loads(fh.metadata()[MODEL_CHECKPOINT.key])
    state.pop("bank_activity")
    meta["format"] = "motionclip-checkpoint-v2"
    save_file(state, str(tmp_path / "older.safetensors"), metadata={MODEL_CHECKPOINT.key: json.dumps(meta)})
    model = load_model(tmp_path / "older.safetensors")
    assert model.bank_size > 0 and model.bank_activity_or_none() is None
    assert len(model.generate("a person walks", frames=20, samples=2)) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pool", 0, "generation.pool"),
        ("active_quantile", 1.0, "active_quantile"),
        ("active_quantile", -0.1, "active_quantile"),
    ],
)
def test_generation_settings_out_of_range_are_refused(field: str, value: float, message: str) -> None:
    from motionclip.model.config import GenerationConfig, validate_generation_config

    validate_generation_config(GenerationConfig())
    with pytest.raises(MotionCLIPError, match=message):
        validate_generation_config(GenerationConfig(**{field: value}))
