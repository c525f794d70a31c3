"""The latent bank: storage, neighbour sampling, seeds, and generation through it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from motionclip.errors import MotionCLIPError
from motionclip.model.checkpoint import load_checkpoint, save_checkpoint
from motionclip.model.latent_bank import dequantise, pick_neighbours, quantise, slerp


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


def test_trained_checkpoint_carries_its_bank_and_generation_settings(tiny_checkpoint: Path, tmp_path: Path) -> None:
    model = load_checkpoint(tiny_checkpoint)
    assert model.bank_size > 0 and model.bank_codes.dtype == torch.int8
    assert model.generation.bank_weight == pytest.approx(0.75)
    model.generation.bank_weight = 0.5
    save_checkpoint(model, tmp_path / "m.safetensors", half=True)
    again = load_checkpoint(tmp_path / "m.safetensors")
    assert torch.equal(again.bank_codes, model.bank_codes) and again.generation.bank_weight == 0.5


def test_samples_and_seeds(tiny_checkpoint: Path) -> None:
    model = load_checkpoint(tiny_checkpoint)
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
    from safetensors.torch import load_file, safe_open, save_file

    state = load_file(str(tiny_checkpoint))
    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = fh.metadata()
    for key in ("bank_codes", "bank_scale", "bank_take", "bank_start"):
        state.pop(key)
    save_file(state, str(tmp_path / "old.safetensors"), metadata=meta)
    model = load_checkpoint(tmp_path / "old.safetensors")
    assert model.bank_size == 0
    m = model.generate("a person walks", frames=20)
    torch.testing.assert_close(m.rotations, model.decode(model.text_latent(["a person walks"]), 20)[0].rotations)
    with pytest.raises(MotionCLIPError, match="no latent bank"):
        model.generate("a person walks", samples=3)
