"""Training: the loss goes down, ablation flags drop their terms, resume continues the step count."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
import torch
from model_helpers import logged_values, quick_run, read_metrics
from synthetic import tiny_model_config

from motionclip.data.dataset import MotionDataModule
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.config import ModelConfig
from motionclip.training.config import LossConfig, TrainRunConfig
from motionclip.training.lightning import MotionCLIPModule
from motionclip.training.losses import total_loss
from motionclip.training.run import train


def _module(cache_path: Path, loss: LossConfig | None = None, use_image: bool = False, dim: int = 384):
    """A tiny module plus one fixed batch of 8 training windows (no embedding model needed)."""
    dm = MotionDataModule(cache_path, batch_size=8, jitter=False)
    run = TrainRunConfig(model=tiny_model_config(), loss=loss or LossConfig())
    run.model.latent_dim = dim
    torch.manual_seed(0)
    model = MotionCLIP(ModelConfig(run.model, fps=dm.cache.fps, window=dm.cache.window), dm.cache.skeleton, dm.stats)
    texts = torch.nn.functional.normalize(torch.randn(len(dm.cache.texts), dim), dim=-1)
    module = MotionCLIPModule(model, run, texts, use_image=use_image)
    ds = dm.dataset("train")
    batch = torch.utils.data.default_collate([ds[i] for i in range(8)])
    return module, batch


def test_overfitting_eight_windows_reduces_the_loss(synthetic_cache: Path) -> None:
    module, batch = _module(synthetic_cache)
    module.train()
    opt = torch.optim.AdamW(module.model.parameters(), lr=1e-3)
    losses = []
    for _ in range(30):
        terms, _ = module._terms(batch)
        loss = total_loss(terms, module.run.loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.5 * losses[0], losses
    terms, _ = module._terms(batch)
    assert set(terms) == {
        "rotation",
        "position",
        "velocity",
        "joint_velocity",
        "joint_acceleration",
        "trajectory",
        "text",
    }
    paper, batch = _module(synthetic_cache, LossConfig(recipe="paper"))
    assert set(paper._terms(batch)[0]) == {"rotation", "position", "velocity", "text"}


def test_ablation_weights_remove_terms(synthetic_cache: Path) -> None:
    module, batch = _module(synthetic_cache, LossConfig(text=0.0, velocity=0.0, image=0.0))
    terms, _ = module._terms(batch)
    assert "text" not in terms and "image" not in terms
    full = LossConfig(text=0.0, velocity=0.0)
    expected = terms["rotation"] * full.rotation + terms["position"] * full.position
    expected = expected + terms["trajectory"] * full.trajectory
    assert torch.allclose(total_loss(terms, module.run.loss), expected)
    # a zero weight drops a term even when it was computed
    terms["velocity"] = torch.tensor(100.0)
    terms["joint_velocity"] = torch.tensor(100.0)
    assert torch.allclose(total_loss(terms, module.run.loss), expected)
    with pytest.raises(ValueError, match="zero"):
        total_loss(terms, LossConfig(rotation=0, position=0, velocity=0, trajectory=0, text=0, image=0))


def test_acceleration_term_sees_jitter_a_velocity_term_can_miss() -> None:
    from motionclip.training.losses import LossScales, normalised_reconstruction_losses

    t = torch.linspace(0, 2, 60)
    pos = torch.zeros(1, 60, 2, 3)
    pos[0, :, 1, 1] = 0.2 * torch.sin(2 * torch.pi * 2 * t)  # a waving joint
    feats = torch.zeros(1, 60, 4)
    scales = LossScales.identity()
    same = normalised_reconstruction_losses(feats, pos, feats, pos, scales)
    assert float(same["joint_acceleration"]) == 0.0
    jitter = pos.clone()
    jitter[0, :, 1, 1] += 0.005 * (-1) ** torch.arange(60)  # 5 mm frame-to-frame zig-zag
    still = pos.clone()
    still[0, :, 1, 1] = 0.0
    j, s = (normalised_reconstruction_losses(feats, x, feats, pos, scales) for x in (jitter, still))
    # jitter: a tiny pose error, a large error in accelerations (16x the pose term's)
    assert float(j["joint_acceleration"]) > 10 * float(j["position"]) > 0
    assert float(s["joint_acceleration"]) > 0  # a frozen wave misses the accelerations too
    weights = LossConfig(acceleration=30.0)
    extra = total_loss(j, weights) - total_loss(j, LossConfig())
    assert torch.allclose(extra, 30.0 * j["joint_acceleration"])
    # padded frames are ignored: jitter only in the masked-out half costs nothing
    late = pos.clone()
    late[0, 30:, 1, 1] += 0.005 * (-1) ** torch.arange(30)
    mask = torch.ones(1, 60, dtype=torch.bool)
    mask[0, 30:] = False
    hidden = normalised_reconstruction_losses(feats, late, feats, pos, scales, mask)
    assert float(hidden["joint_acceleration"]) == 0.0 < float(j["joint_acceleration"])


def test_fine_tuning_from_a_model_with_a_latent_bank(
    synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path
) -> None:
    from motionclip.generation import load_model

    start = load_model(tiny_checkpoint)
    assert start.bank_size > 0  # training stores a bank: the start model carries one
    run = quick_run(steps=2, init_from=str(tiny_checkpoint))
    messages: list[str] = []
    train(synthetic_cache, run, tmp_path, progress=False, log=messages.append)
    assert any("initialised weights" in m for m in messages)
    tuned = load_model(tmp_path / "model.safetensors")
    assert tuned.bank_size == start.bank_size
    # the start checkpoint is recorded by name: no folder of this machine in the header
    header = (tmp_path / "model.safetensors").read_bytes()[:100_000].decode("utf-8", "replace")
    assert str(tiny_checkpoint.parent) not in header and str(tmp_path) not in header
    assert tuned.meta["training"]["config"]["train"]["init_from"] == "model.safetensors"


def test_image_term_needs_an_image_tower_and_embeddings(synthetic_cache: Path) -> None:
    image = torch.nn.functional.normalize(torch.randn(8, 384), dim=-1)
    # backend without an image tower -> use_image False -> no image term even if targets are present
    module, batch = _module(synthetic_cache)
    assert "image" not in module._terms({**batch, "image_emb": image})[0]
    # image tower on but loss.image = 0 -> off
    module, batch = _module(synthetic_cache, LossConfig(image=0.0), use_image=True)
    assert not module.use_image
    # on: cosine distance to the targets; zero rows (windows render-frames skipped) are ignored
    module, batch = _module(synthetic_cache, use_image=True)
    module.eval()
    terms, z = module._terms({**batch, "image_emb": image})
    cos = torch.nn.functional.cosine_similarity(z, image, dim=-1)
    assert torch.allclose(terms["image"], (1 - cos).mean(), atol=1e-6)
    partial = image.clone()
    partial[4:] = 0
    terms, z = module._terms({**batch, "image_emb": partial})
    assert torch.allclose(terms["image"], (1 - cos[:4]).mean(), atol=1e-6)
    terms, _ = module._terms({**batch, "image_emb": torch.zeros(8, 384)})
    assert "image" not in terms


def test_train_without_text_loss_logs_no_text(synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path) -> None:
    # tiny_checkpoint warms the embedding cache, so this run never loads MiniLM
    run = quick_run(steps=3)
    run.loss.text = 0.0
    messages: list[str] = []
    summary = train(synthetic_cache, run, tmp_path, progress=False, log=messages.append)
    assert summary["global_step"] == 3
    assert "train/text" not in summary["metrics"] and "train/image" not in summary["metrics"]
    assert "train/rotation" in summary["metrics"]
    header = read_metrics(tmp_path)[0].keys()
    assert "train/text" not in header and "val/text" not in header and "train/image" not in header
    # loss.image defaults to 0.01 but MiniLM has no image tower: said once, text-only training
    assert any("image loss off" in m for m in messages)
    losses = logged_values(tmp_path, "train/loss")
    assert len(losses) == 3
    w = run.loss
    weights = {"rotation": w.rotation, "position": w.position, "velocity": w.velocity,
               "joint_velocity": w.velocity, "trajectory": w.trajectory}  # fmt: skip
    rec = {k: logged_values(tmp_path, f"train/{k}") for k in weights}
    for i, loss in enumerate(losses):
        assert loss == pytest.approx(sum(weights[k] * r[i] for k, r in rec.items()), rel=1e-4)


def _is_safetensors(path: Path) -> dict:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 0 < n < len(raw) and raw[8:9] == b"{"
    header = json.loads(raw[8 : 8 + n])
    assert "__metadata__" in header
    return header


def test_resume_continues_the_step_count(synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path) -> None:
    from motionclip.training.ckpt_io import META_KEY, load_state

    run = quick_run(steps=4, checkpoint_every=2)
    first = train(synthetic_cache, run, tmp_path, progress=False, log=lambda *_: None)
    assert first["global_step"] == 4
    ckpts = tmp_path / "checkpoints"
    names = sorted(p.name for p in ckpts.iterdir())
    assert names == ["last.ckpt", "step0000002.ckpt", "step0000004.ckpt"], names
    last = ckpts / "last.ckpt"
    # safetensors + JSON, never a pickle / torch zip archive
    header = _is_safetensors(last)
    assert META_KEY in header["__metadata__"]
    assert not zipfile.is_zipfile(last) and last.read_bytes()[:1] != b"\x80"
    with pytest.raises(Exception):
        torch.load(last, weights_only=True)
    state = load_state(last)
    assert state["global_step"] == 4 and "optimizer_states" in state and "state_dict" in state

    run = quick_run(steps=8, checkpoint_every=2)
    second = train(synthetic_cache, run, tmp_path, resume="last", progress=False, log=lambda *_: None)
    assert second["global_step"] == 8
    assert load_state(ckpts / "last.ckpt")["global_step"] == 8
    assert (ckpts / "step0000006.ckpt").exists() and (ckpts / "step0000008.ckpt").exists()
    # the CSV log keeps the first part's rows (Lightning alone would delete them) and continues
    steps = [int(r["step"]) for r in read_metrics(tmp_path) if r.get("train/loss")]
    assert steps == list(range(8)), steps

    # resuming from an explicit step file works too, and a missing file is a clear error
    from motionclip.errors import MotionCLIPError

    with pytest.raises(MotionCLIPError, match="cannot resume"):
        train(synthetic_cache, run, tmp_path, resume=tmp_path / "nope.ckpt", progress=False, log=lambda *_: None)

    # a checkpoint of other settings is refused before the run starts: nothing in the run folder changes
    from motionclip.training.ckpt_io import save_state

    before = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if p.is_file())
    good = load_state(ckpts / "last.ckpt")
    key = "model.decoder.head.weight"
    wrong_shape = dict(good, state_dict={**good["state_dict"], key: torch.zeros(3, 3)})
    no_optimizer = dict(good, optimizer_states=[{"state": {}, "param_groups": [{"params": [0, 1]}]}])
    cases = [
        (wrong_shape, f"tensor {key!r} has shape (3, 3), this model needs {tuple(good['state_dict'][key].shape)}"),
        (no_optimizer, "its optimizer state covers [2] parameters, this model trains "),
    ]
    elsewhere = tmp_path.parent / f"{tmp_path.name}-bad"
    elsewhere.mkdir()
    for i, (state, message) in enumerate(cases):
        bad = elsewhere / f"bad{i}.ckpt"
        save_state(state, bad)
        with pytest.raises(MotionCLIPError) as err:
            train(synthetic_cache, run, tmp_path, resume=bad, progress=False, log=lambda *_: None)
        assert str(err.value).startswith(
            f"cannot resume from {bad}: it is not a checkpoint of this model and settings ("
        )
        assert message in str(err.value)
    after = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if p.is_file())
    assert after == before


def test_resuming_a_checkpoint_without_bank_buffers_fills_them(synthetic_cache: Path) -> None:
    module, _ = _module(synthetic_cache)
    state = {k: v for k, v in module.state_dict().items() if "bank_" not in k}
    checkpoint = {"state_dict": state}
    module.on_load_checkpoint(checkpoint)
    module.load_state_dict(checkpoint["state_dict"])  # strict: every key present again


def test_limb_velocity_term_weighs_each_joint_in_its_own_units() -> None:
    from motionclip.training.losses import LossScales, normalised_reconstruction_losses

    t = torch.linspace(0, 2, 60)
    pos = torch.zeros(4, 60, 4, 3)
    pos[:, :, 1, 1] = 0.3 * torch.sin(2 * torch.pi * 1 * t)  # a striding foot: large motion
    pos[:, :, 2, 0] = 0.02 * torch.sin(2 * torch.pi * 3 * t)  # the idle hand: a small sway
    pos[:, :, 3, 2] = 1e-5 * t  # a joint that barely moves relative to the root
    scales = LossScales.from_data(pos)
    assert scales.joint_speed is not None and scales.joint_speed.shape == (4,)
    floor = 0.25 * float(scales.joint_speed[1:].median())
    assert float(scales.joint_speed[3]) == pytest.approx(floor)  # floored, cannot blow up the term
    feats = torch.zeros(4, 60, 4)

    def halved(joint: int) -> torch.Tensor:
        damped = pos.clone()
        damped[:, :, joint] *= 0.5
        return normalised_reconstruction_losses(feats, damped, feats, pos, scales)["limb_velocity"]

    # damping the small sway by half costs as much as damping the stride by half ...
    assert float(halved(2)) == pytest.approx(float(halved(1)), rel=0.05)
    # ... while in the global joint-velocity term the sway is ~25x cheaper than the stride
    plain = LossScales(scales.joint_std, scales.trajectory_std)  # no per-joint speeds: no such term

    def global_halved(joint: int) -> float:
        damped = pos.clone()
        damped[:, :, joint] *= 0.5
        terms = normalised_reconstruction_losses(feats, damped, feats, pos, plain)
        assert "limb_velocity" not in terms
        return float(terms["joint_velocity"])

    assert global_halved(2) < global_halved(1) / 20
    assert float(normalised_reconstruction_losses(feats, pos, feats, pos, scales)["limb_velocity"]) == 0.0
    weights = LossConfig(limb_velocity=2.0)
    terms = {"limb_velocity": halved(2), "rotation": torch.tensor(0.0)}
    assert torch.allclose(total_loss(terms, weights), 2.0 * halved(2) + 0.0)


def test_limb_speed_term_ignores_phase_and_penalises_damping() -> None:
    from motionclip.training.losses import LossScales, normalised_reconstruction_losses

    t = torch.linspace(0, 2, 60)
    pos = torch.zeros(2, 60, 3, 3)
    pos[:, :, 1, 0] = 0.1 * torch.sin(2 * torch.pi * 2 * t)  # a waving hand
    pos[:, :, 2, 1] = 0.02 * torch.sin(2 * torch.pi * 3 * t)  # the idle one
    scales = LossScales.from_data(pos)
    feats = torch.zeros(2, 60, 3)

    def terms(pred: torch.Tensor, mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        return normalised_reconstruction_losses(feats, pred, feats, pos, scales, mask)

    shifted = pos.clone()  # the same wave half a period later (phase unknown to the latent)
    shifted[:, :, 1, 0] = 0.1 * torch.sin(2 * torch.pi * 2 * t + torch.pi)
    damped = pos.clone()
    damped[:, :, 1:] *= 0.3
    # the per-frame term prefers the damped wave to the right wave at the wrong phase ...
    assert float(terms(damped)["limb_velocity"]) < float(terms(shifted)["limb_velocity"])
    # ... the speed term does not: a shifted wave moves as much as the real one
    assert float(terms(shifted)["limb_speed"]) < 1e-3 * float(terms(damped)["limb_speed"])
    assert float(terms(pos)["limb_speed"]) == pytest.approx(0.0, abs=1e-6)
    # padded frames do not count: a prediction that goes wild after the clip ends costs nothing
    mask = torch.ones(2, 60, dtype=torch.bool)
    mask[:, 40:] = False
    wild = pos.clone()
    wild[:, 40:] += torch.randn(2, 20, 3, 3)
    assert float(terms(wild, mask)["limb_speed"]) == pytest.approx(0.0, abs=1e-6)
    assert float(terms(wild)["limb_speed"]) > 1.0
    weighted = total_loss({"limb_speed": terms(damped)["limb_speed"]}, LossConfig(limb_speed=3.0))
    assert torch.allclose(weighted, 3.0 * terms(damped)["limb_speed"])
