"""Interpolation and latent-arithmetic editing."""

from __future__ import annotations

import math

import pytest
import torch

from motionclip.apps import compose as co
from motionclip.apps import edit as ed
from motionclip.apps.inputs import match_norm, resolve
from motionclip.apps.interpolate import interpolate, interpolate_latents, interpolate_to_files
from motionclip.data.io import read_motion
from motionclip.errors import MotionCLIPError


def test_interpolation_path_is_linear_with_exact_ends() -> None:
    a, b = torch.randn(8), torch.randn(8)
    z = interpolate_latents(a, b, 5)
    assert z.shape == (5, 8)
    assert torch.equal(z[0], a) and torch.allclose(z[-1], b, atol=1e-6)
    assert torch.allclose(z[2:] - 2 * z[1:-1] + z[:-2], torch.zeros(3, 8), atol=1e-6)  # no curvature
    assert torch.allclose(z[2], (a + b) / 2, atol=1e-6)


@pytest.mark.parametrize("steps", [0, 1, 65])
def test_interpolation_steps_are_checked(steps: int) -> None:
    with pytest.raises(MotionCLIPError, match="--steps"):
        interpolate_latents(torch.zeros(4), torch.ones(4), steps)


def test_interpolation_endpoints_decode_like_a_and_b(model, motion_files) -> None:
    motions, caps, z = interpolate(model, str(motion_files["walk"]), "a person waves the left hand", 3, frames=20)
    assert len(motions) == 3 and all(len(m) == 20 for m in motions)
    z_a = resolve(model, str(motion_files["walk"])).z
    z_b = model.generation_latents(["a person waves the left hand"])[0]  # what generate decodes
    assert torch.allclose(z[0], z_a) and torch.allclose(z[-1], z_b, atol=1e-6)
    ref = model.decode(torch.stack([z_a, z_b]), 20)
    assert torch.allclose(motions[0].positions(), ref[0].positions(), atol=1e-5)
    assert torch.allclose(motions[-1].positions(), ref[1].positions(), atol=1e-5)
    assert caps[0].startswith("A: walk.bvh") and caps[-1].startswith("B: ")


def test_interpolation_writes_numbered_files(model, motion_files, tmp_path) -> None:
    paths = interpolate_to_files(model, str(motion_files["walk"]), str(motion_files["wave"]), 3, tmp_path / "i.npz", 12)
    assert [p.name for p in paths] == ["i_1.npz", "i_2.npz", "i_3.npz"]
    assert len(read_motion(paths[1])) == 12
    grid = interpolate_to_files(model, "a person walks", "a person runs", 2, tmp_path / "g.gif", 8, grid=True)
    assert grid == [tmp_path / "g.gif"] and grid[0].stat().st_size > 0


def test_missing_motion_file_is_an_error_not_a_prompt(model, tmp_path) -> None:
    with pytest.raises(MotionCLIPError, match="not found"):
        resolve(model, str(tmp_path / "nope.bvh"))
    with pytest.raises(MotionCLIPError, match="empty"):
        resolve(model, "   ")


def test_long_motions_average_window_latents(model, motion_files) -> None:
    src = resolve(model, str(motion_files["long"]))
    assert src.kind == "motion" and src.z.shape == (model.latent_dim,) and torch.isfinite(src.z).all()


def test_style_words_become_sentences() -> None:
    assert ed.style_text("proud") == "a proud person moves"
    assert ed.style_text("normal") == "a person moves"
    assert ed.style_text("a sad person walks") == "a sad person walks"


def test_style_edit_is_the_documented_linear_analogy(model) -> None:
    base = "a person walks"
    r0, r1, r2 = (ed.edit_style(model, "proud", text=base, scale=s, frames=10) for s in (0.0, 1.0, 2.0))
    z = model.text_latent([base, "a proud person moves", "a person moves"])
    z[0] = model.generation_latents([base])[0]  # the base decodes as generate; the direction is E(add) - E(sub)
    assert torch.allclose(r0.z, z[0], atol=1e-6)
    assert torch.allclose(r1.z, z[0] + z[1] - z[2], atol=1e-5)
    assert torch.allclose(r2.z - r0.z, 2 * (r1.z - r0.z), atol=1e-5)
    assert len(r1.motion) == 10


def test_style_edit_of_a_motion_rescales_text_terms(model, motion_files) -> None:
    r1 = ed.edit_style(model, "elderly", sub="normal", motion=str(motion_files["walk"]), scale=1.0)
    r2 = ed.edit_style(model, "elderly", sub="normal", motion=str(motion_files["walk"]), scale=2.0)
    base = r1.base.z
    assert torch.allclose(r2.z - base, 2 * (r1.z - base), atol=1e-4)
    norm = base.norm()
    assert math.isclose(float(match_norm(r1.end.z, "text", r1.base).norm()), float(norm), rel_tol=1e-4)
    assert len(r1.motion) == 30  # a motion base keeps its length


def test_compose_upper_and_lower_body(model, motion_files, tmp_path) -> None:
    """Per-joint composition: root, heading and legs of the lower motion, the chosen arms of the upper."""
    r1 = ed.compose(model, "a person waves the left hand", "a person walks", scale=1.0, frames=10)
    walk, wave = model.generate("a person walks", 10), model.generate("a person waves the left hand", 10)
    names = model.skeleton.names
    assert r1.composition is not None and r1.composition.limbs
    assert torch.equal(r1.motion.root_translation, walk.root_translation)
    legs = [names.index(n) for n in ("Hips", "UpperLeg_L", "LowerLeg_L", "Foot_R", "Toes_R")]
    assert torch.equal(r1.motion.rotations[:, legs], walk.rotations[:, legs])
    parts = co.body_parts(model.skeleton)
    for name in r1.composition.limbs:
        limb = list(parts.limbs[parts.names.index(name)])
        assert torch.allclose(r1.motion.rotations[:, limb], wave.rotations[:, limb], atol=1e-5)
    r0 = ed.compose(model, "a person waves the left hand", "a person walks", scale=0.0, frames=10)
    assert torch.allclose(r0.motion.rotations, walk.rotations, atol=1e-5)
    assert r1.summary().startswith("composed: lower body + root from 'a person walks'")
    paths = ed.write_edit(model, r1, tmp_path / "c.bvh")
    assert len(read_motion(paths[0])) == 10
    mp4 = ed.write_edit(model, r1, tmp_path / "c.mp4", grid=True)
    assert mp4[0].stat().st_size > 0
    r2 = ed.compose(model, "a person waves the left hand", str(motion_files["walk"]))
    assert len(r2.motion) == 30  # a motion file as the lower body keeps its length


def test_edit_input_errors(model, tmp_path) -> None:
    with pytest.raises(MotionCLIPError, match="exactly one"):
        ed.edit_style(model, "proud", motion="x.bvh", text="a person walks")
    with pytest.raises(MotionCLIPError, match="not found"):
        ed.edit_style(model, "proud", motion=str(tmp_path / "missing.bvh"))
    with pytest.raises(MotionCLIPError, match="--scale"):
        ed.edit_latent(torch.zeros(3), torch.zeros(3), torch.zeros(3), float("nan"))
