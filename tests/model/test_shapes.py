"""Shapes of the encoder, decoder and latent; the latent lives in the backend's space."""

from __future__ import annotations

import pytest
import torch
from model_helpers import random_windows
from synthetic import skeleton, tiny_model_config

from motionclip.data.motion import Motion
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.config import ModelConfig
from motionclip.text import MINILM_DIM


@pytest.fixture
def fresh_model() -> MotionCLIP:
    torch.manual_seed(0)
    return MotionCLIP(ModelConfig(tiny_model_config(), window=30), skeleton()).eval()


def test_encoder_decoder_shapes(fresh_model: MotionCLIP) -> None:
    m = fresh_model
    j = m.skeleton.num_joints
    assert m.features == j * 6 + 3
    rot, trans = random_windows(m, batch=3, frames=30)
    x = m.normalise(rot, trans)
    assert x.shape == (3, 30, m.features)
    z = m.encoder(x)
    assert z.shape == (3, m.latent_dim) == (3, 384)
    y = m.decoder(z, 17)
    assert y.shape == (3, 17, m.features)
    z2, pred_rot, pred_trans = m(rot, trans)
    assert torch.equal(z, z2)
    assert pred_rot.shape == (3, 30, j, 6) and pred_trans.shape == (3, 30, 3)
    assert m.positions(pred_rot, pred_trans).shape == (3, 30, j, 3)
    offsets = torch.as_tensor(m.skeleton.offsets, dtype=torch.float32).expand(3, j, 3)
    assert torch.allclose(m.positions(rot, trans, offsets), m.positions(rot, trans), atol=1e-6)


def test_normalise_round_trip(fresh_model: MotionCLIP) -> None:
    m = fresh_model
    m.rot_mean.uniform_(-1, 1)
    m.rot_std.uniform_(0.5, 2)
    m.trans_mean.uniform_(-1, 1)
    m.trans_std.uniform_(0.5, 2)
    rot, trans = random_windows(m)
    r2, t2 = m.denormalise(m.normalise(rot, trans))
    assert torch.allclose(r2, rot, atol=1e-5) and torch.allclose(t2, trans, atol=1e-5)


def test_padding_mask_ignores_padded_frames(fresh_model: MotionCLIP) -> None:
    m = fresh_model
    rot, trans = random_windows(m, batch=1, frames=20)
    mask = torch.zeros(1, 20, dtype=torch.bool)
    mask[:, :12] = True
    rot_b, trans_b = rot.clone(), trans.clone()
    rot_b[:, 12:] = random_windows(m, batch=1, frames=8, seed=5)[0]
    trans_b[:, 12:] += 3.0
    with torch.no_grad():
        z_a = m.encode(rot, trans, mask)
        z_b = m.encode(rot_b, trans_b, mask)
        z_short = m.encode(rot[:, :12], trans[:, :12])
    assert torch.allclose(z_a, z_b, atol=1e-5)
    assert torch.allclose(z_a, z_short, atol=1e-5)


def test_decode_and_generate_outputs(tiny_model) -> None:
    m = tiny_model
    assert m.latent_dim == MINILM_DIM == m.meta["config"]["architecture"]["latent_dim"]
    assert m.meta["config"]["backend"] == m.backend_name == "minilm"
    z = torch.nn.functional.normalize(torch.randn(2, m.latent_dim), dim=-1)
    motions = m.decode(z, frames=45)
    assert len(motions) == 2 and all(isinstance(x, Motion) for x in motions)
    assert len(motions[0]) == 45 and motions[0].skeleton == m.skeleton and motions[0].fps == m.fps
    assert len(m.decode(z[0])[0]) == m.window  # (D,) latent, default length
    one = m.generate("a person walks")
    assert isinstance(one, Motion) and len(one) == m.window
    many = m.generate(["a person walks", "a person waves"], frames=12)
    assert [len(x) for x in many] == [12, 12]
    text = m.encode_text(["a person walks", "a person waves"])
    assert text.shape == (2, m.latent_dim)
    assert torch.allclose(text.norm(dim=-1), torch.ones(2), atol=1e-5)


def test_encode_motion_and_reconstruct(tiny_model) -> None:
    from synthetic import make_motion

    m = tiny_model
    walk = make_motion("walk", frames=40)
    wave = make_motion("wave-left-hand", frames=25)
    z = m.encode_motion([walk, wave])
    assert z.shape == (2, m.latent_dim)
    # a padded batch gives the same latents as one motion at a time
    assert torch.allclose(z[1], m.encode_motion(wave)[0], atol=1e-4)
    rec = m.reconstruct(walk)
    assert len(rec) == 40 and rec.skeleton == m.skeleton
    assert not m.training  # user API leaves the mode as it found it
