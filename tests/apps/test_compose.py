"""Compositions: prompts joining a locomotion and a gesture, combined per body part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from synthetic import J, make_motion, skeleton
from typer.testing import CliRunner

from motionclip.apps import compose as co
from motionclip.apps import prompt_split as ps
from motionclip.errors import MotionCLIPError
from motionclip.model.checkpoint import shipped_checkpoint

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "bandai-namco"
needs_shipped = pytest.mark.skipif(not shipped_checkpoint().exists(), reason="no shipped checkpoint")
LEGS = [J[n] for n in ("UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L", "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R")]
ARM_L = [J[n] for n in ("Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L")]
ARM_R = [J[n] for n in ("Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R")]


# ------------------------------------------------------------------------------ words
@pytest.mark.parametrize(
    ("prompt", "first", "second"),
    [
        ("a person walks while waving the right hand", "a person walks", "a person is waving the right hand"),
        ("someone walks forward and waves both hands", "someone walks forward", "someone waves both hands"),
        ("a person runs with both hands raised", "a person runs", "a person with both hands raised"),
        ("a person jogs, raising the left hand.", "a person jogs", "a person is raising the left hand"),
        ("an old man walks while he waves his left hand", "an old man walks", "an old man waves his left hand"),
        ("A woman strolls as she raises both arms", "A woman strolls", "A woman raises both arms"),
        ("a person waves the right hand while a child walks", "a person waves the right hand", "a child walks"),
    ],
)
def test_split_prompt(prompt: str, first: str, second: str) -> None:
    split = ps.split_prompt(prompt)
    assert split is not None and (split.first, split.second) == (first, second)


@pytest.mark.parametrize(
    "prompt", ["a person walks forward", "a person walks and then waves", "walks and waves", "a person waves, "]
)
def test_no_split(prompt: str) -> None:
    assert ps.split_prompt(prompt) is None


def test_subject_of() -> None:
    assert ps.subject_of("an old man strolls") == "an old man"
    assert ps.subject_of("someone walks forward") == "someone"
    assert ps.subject_of("a tired woman is walking") == "a tired woman"
    assert ps.subject_of("walking") == ps.DEFAULT_SUBJECT


# ---------------------------------------------------------------------------- skeleton
def test_body_parts_from_the_hierarchy() -> None:
    parts = co.body_parts(skeleton())
    assert parts.root == J["Hips"] and parts.chest == J["Chest"] and parts.seam == (J["Spine"], J["Chest"])
    assert set(parts.names) == {"Head", "Hand_L", "Hand_R"}
    assert sorted(j for limb in parts.limbs for j in limb) == sorted([J["Neck"], J["Head"], *ARM_L, *ARM_R])


def test_combine_per_joint() -> None:
    walk, wave = make_motion("walk", 40), make_motion("wave-left-hand", 40, heading_deg=70.0)
    parts = co.body_parts(walk.skeleton)
    limbs = co.gesture_limbs(wave, walk, parts)
    assert [parts.names[i] for i in limbs] == ["Hand_L"]  # the hanging right arm is not taken
    out = co.combine(walk, wave, limbs, 1.0, parts)
    assert torch.equal(out.root_translation, walk.root_translation)
    for j in [J["Hips"], *LEGS, *ARM_R, J["Neck"], J["Head"]]:  # root heading, legs, the other arm, head
        assert torch.equal(out.rotations[:, j], walk.rotations[:, j]), j
    assert torch.allclose(out.rotations[:, ARM_L], wave.rotations[:, ARM_L], atol=1e-5)
    # the seam lies between the two, spine nearer the walk than the chest is
    spine = co.combine(walk, wave, limbs, 1.0, parts).rotations[:, J["Spine"]]
    assert torch.allclose(spine, walk.rotations[:, J["Spine"]], atol=1e-5)  # both spines identity here
    assert torch.allclose(co.combine(walk, wave, limbs, 0.0, parts).rotations, walk.rotations, atol=1e-5)
    # the hand ends where the wave puts it relative to the chest, on the walk's path
    hand = out.positions()[:, J["Hand_L"]] - out.positions()[:, J["Chest"]]
    wave_hand = wave.positions()[:, J["Hand_L"]] - wave.positions()[:, J["Chest"]]
    assert torch.allclose(hand[:, 1], wave_hand[:, 1], atol=1e-4)


def test_seam_is_graded() -> None:
    walk, bent = make_motion("walk", 20), make_motion("wave-right-hand", 20, style="elderly")
    out = co.combine(walk, bent, None, 1.0)
    angle = {j: float(torch.linalg.matrix_norm(out.rotations[:, j] - walk.rotations[:, j]).mean()) for j in (1, 2)}
    full = float(torch.linalg.matrix_norm(bent.rotations[:, 1] - walk.rotations[:, 1]).mean())
    assert 0 < angle[J["Spine"]] < full  # 1/3 of the bent spine
    assert out.rotations.shape == walk.rotations.shape


def test_fit_length_and_skeleton_check() -> None:
    m = make_motion("walk", 10)
    longer = co.fit_length(m, 15)
    assert len(longer) == 15 and torch.equal(longer.rotations[-1], m.rotations[-1])
    assert len(co.fit_length(m, 4)) == 4
    other = make_motion("walk", 10)
    other.skeleton = type(other.skeleton)(other.skeleton.names[::-1], other.skeleton.parents, other.skeleton.offsets)
    with pytest.raises(MotionCLIPError, match="different skeletons"):
        co.combine(m, other)


def test_locomotion_from_the_root_path() -> None:
    assert co.is_locomotion(make_motion("walk", 60)) and not co.is_locomotion(make_motion("wave-left-hand", 60))
    split = ps.split_prompt("a person waves the left hand while walking")
    assert split is not None
    c = co.plan_composition(split, make_motion("wave-left-hand", 30), make_motion("walk", 30))
    assert c is not None and c.lower == "a person is walking" and c.limbs == ("Hand_L",)
    assert c.line() == (
        "composed: lower body + root from 'a person is walking', upper body from 'a person waves the left hand'"
        " (limbs ending at Hand_L)"
    )
    # two locomotions (or two gestures) are not a composition
    assert co.plan_composition(split, make_motion("walk", 30), make_motion("walk", 30, phase=1.0)) is None


# --------------------------------------------------------------------- shipped model
@pytest.fixture(scope="module")
def shipped() -> Any:
    if not shipped_checkpoint().exists():
        pytest.skip("no shipped checkpoint")
    import motionclip

    return motionclip.load()


@needs_shipped
def test_generate_composes_the_examples(shipped: Any) -> None:
    from motionclip.apps.generate import generate, generate_composed
    from motionclip.generation.request import GenerateRequest

    prompts = [
        "a person walks while waving the right hand",
        "someone walks forward and waves both hands",
        "a person runs with both hands raised",
    ]
    frames = round(2 * shipped.fps)
    motions, comps = generate_composed(shipped, GenerateRequest.build(prompts, frames))
    assert all(c is not None for c in comps)
    hands = {0: ["Hand_R"], 1: ["Hand_L", "Hand_R"], 2: ["Hand_L", "Hand_R"]}
    for i, (motion, comp) in enumerate(zip(motions, comps)):
        assert comp is not None and sorted(comp.limbs) == hands[i]
        assert co.root_travel(motion) >= 0.8, prompts[i]  # a walk still walks
        alone = shipped.generate([comp.upper], frames)[0].positions()[..., 1].max(0).values
        peaks = motion.positions()[..., 1].max(0).values
        for name in comp.limbs:
            j = shipped.skeleton.names.index(name)
            assert abs(float(peaks[j] - alone[j])) < 0.15, (prompts[i], name)
    # the same through generate(); compose=False decodes the sentence whole
    assert torch.equal(generate(shipped, prompts[:1], frames)[0].rotations, motions[0].rotations)
    whole = generate(shipped, prompts[:1], frames, compose=False)[0]
    assert torch.equal(whole.rotations, shipped.generate(prompts[0], frames).rotations)


@needs_shipped
def test_single_actions_are_not_split(shipped: Any) -> None:
    from motionclip.apps.generate import generate_composed
    from motionclip.generation.request import GenerateRequest

    prompts = ["a person walks and turns left", "a person walks, turning to the left", "a person walks"]
    motions, comps = generate_composed(shipped, GenerateRequest.build(prompts, 30))
    assert comps == [None, None, None]
    for p, m in zip(prompts, motions):  # decoded whole, as before (a batch differs by float round-off only)
        assert torch.allclose(m.rotations, shipped.generate(p, 30).rotations, atol=1e-4)


@needs_shipped
def test_hand_height_matches_real_waves(shipped: Any) -> None:
    if not SHARED.is_dir():
        pytest.skip("the shared Bandai Namco data is not here")
    from motionclip.apps.compose_measure import real_peaks
    from motionclip.apps.generate import generate_composed
    from motionclip.data.sources import discover
    from motionclip.generation.request import GenerateRequest

    takes = discover("bandai-namco", SHARED).takes
    real = real_peaks(shipped, takes, "wave-right-hand")
    (motion,), (comp,) = generate_composed(
        shipped, GenerateRequest.build(["a person walks while waving the right hand"], 60)
    )
    assert comp is not None
    peak = float(motion.positions()[:, shipped.skeleton.names.index("Hand_R"), 1].max())
    assert abs(peak - real["Hand_R"]) < 0.15


@needs_shipped
def test_edit_compose_per_joint(shipped: Any) -> None:
    from motionclip.apps.edit import compose

    r = compose(shipped, "a person waves the right hand", "a person walks", frames=40)
    walk = shipped.generate("a person walks", 40)
    assert r.composition is not None and r.composition.limbs == ("Hand_R",)
    assert torch.equal(r.motion.root_translation, walk.root_translation)
    legs = [shipped.skeleton.names.index(n) for n in ("UpperLeg_L", "LowerLeg_R", "Foot_L")]
    assert torch.equal(r.motion.rotations[:, legs], walk.rotations[:, legs])
    assert r.summary().startswith("composed: lower body + root from 'a person walks'")
    assert r.z.shape == (shipped.latent_dim,)
    none = compose(shipped, "a person waves the right hand", "a person walks", scale=0.0, frames=40)
    assert torch.allclose(none.motion.rotations, walk.rotations, atol=1e-5)


@needs_shipped
def test_cli_prints_what_was_composed(shipped: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import motionclip.cli.common as common
    from motionclip.cli import app

    monkeypatch.setattr(common, "load_model", lambda checkpoint, backend_model=None: shipped)
    out = str(tmp_path / "c.bvh")
    r = CliRunner().invoke(app, ["generate", "a person walks while waving the right hand", "-o", out])
    assert r.exit_code == 0, r.output
    assert (
        "composed: lower body + root from 'a person walks', upper body from 'a person is waving the right hand'"
        in r.output
    )
    r = CliRunner().invoke(
        app, ["edit", "--upper", "a person raises both hands", "--lower", "a person runs", "-o", out]
    )
    assert r.exit_code == 0, r.output
    assert "composed: lower body + root from 'a person runs'" in r.output
