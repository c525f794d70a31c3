"""The honest vocabulary: prompts far from every training description get a note (shipped checkpoint)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from motionclip.apps.classify import FAR_CLASS_COSINE, Prediction, far_note
from motionclip.apps.vocabulary import (
    FAR_COSINE,
    Closeness,
    Neighbour,
    closeness,
    training_descriptions,
    vocabulary,
)
from motionclip.apps.vocabulary_calibration import asset_prompts, calibrate, fit_threshold, leave_one_out, score
from motionclip.model.checkpoint import shipped_checkpoint

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "bandai-namco"
needs_shipped = pytest.mark.skipif(not shipped_checkpoint().exists(), reason="no shipped checkpoint")


@pytest.fixture(scope="module")
def shipped() -> Any:
    if not shipped_checkpoint().exists():
        pytest.skip("no shipped checkpoint")
    import motionclip

    return motionclip.load()


# ------------------------------------------------------------------ without a model
def test_descriptions_from_the_checkpoint_texts_first() -> None:
    meta = {"training": {"descriptions": {"walk|elderly": ["an old man strolls", "x"], "run|normal": ["a jog"]}}}
    rows, source = training_descriptions(meta)
    assert ("an old man strolls", "walk", "elderly") in rows and ("a jog", "run", "normal") in rows
    assert "training descriptions" in source
    rows, source = training_descriptions({"training": {"texts": ["a", "b", "a"], "contents": ["walk"]}})
    assert [r[0] for r in rows] == ["a", "b"] and "texts" in source


def test_descriptions_built_from_contents_and_styles() -> None:
    rows, source = training_descriptions({"training": {"contents": ["walk", "run"], "styles": ["normal", "elderly"]}})
    texts = {r[0]: r for r in rows}
    assert "2 contents x 2 styles" in source
    assert texts["a person walks"][1] == "walk" and texts["an elderly person walks"][2] == "elderly"
    assert "a person jogs" in texts and texts["a person jogs"][1] == "run"
    assert not any(r[1] not in ("walk", "run") for r in rows)
    # a free-text class (BYOD datasets) is its own description
    rows, _ = training_descriptions({"training": {"contents": ["a man juggles"], "styles": ["normal"]}})
    assert [r[0] for r in rows] == ["a man juggles"]
    # no training record: every known label
    rows, source = training_descriptions({})
    assert "every known label" in source and {"walk", "dash", "bow"} <= {r[1] for r in rows}


def test_threshold_rule_max_f1_lowest_on_ties() -> None:
    in_cos, out_cos = [0.9, 0.8, 0.7, 0.45], [0.3, 0.4, 0.5, 0.6]
    fitted = fit_threshold(in_cos, out_cos)  # below 0.65: all 4 absent, 1 in-vocabulary (F1 0.89)
    assert fitted.threshold == pytest.approx(0.65) and fitted.out_flagged == 4 and fitted.in_flagged == 1
    assert fitted.precision == pytest.approx(0.8) and fitted.recall == pytest.approx(1.0)
    # a clean gap: the lowest threshold that flags every out prompt, midway
    assert fit_threshold([0.8, 0.9], [0.2, 0.4]).threshold == pytest.approx(0.6)
    s = score([0.9], [0.1, 0.95], 0.5)
    assert (s.precision, s.recall) == (1.0, 0.5)
    assert leave_one_out([0.8, 0.9, 0.85], [0.2, 0.4, 0.3]).f1 == 1.0


def test_note_text_and_json() -> None:
    far = Closeness("a person sits", (Neighbour("a person walks", "walk", "normal", 0.41),), 0.56)
    assert far.far and far.note == (
        "note: 'a person sits' is far from every training description; nearest: 'a person walks' (walk, cos 0.41)"
    )
    near = Closeness("a person walks", (Neighbour("a person walks", "walk", "normal", 1.0),), 0.56)
    assert not near.far and near.note is None
    body = far.to_json()
    assert body["far"] is True and body["note"] == far.note and body["nearest"][0]["content"] == "walk"
    json.dumps(body)


def test_classify_far_note() -> None:
    def pred(cos: float) -> Prediction:
        return Prediction(1, "sit down", "a person sit down", cos, 1.0)

    assert far_note([pred(0.40)]) is not None and "every offered class is far" in str(far_note([pred(0.40)]))
    assert far_note([pred(0.95)]) is None and far_note([]) is None
    assert 0.45 < FAR_CLASS_COSINE < 0.7


# --------------------------------------------------------------------- shipped model
@needs_shipped
def test_the_must_cases(shipped: Any) -> None:
    sit, walk, elderly = closeness(
        shipped, ["a person sits down on a chair", "a person walks", "an elderly person walks"]
    )
    assert sit.far and sit.note and sit.note.startswith("note: 'a person sits down on a chair' is far from every")
    assert "nearest: '" in sit.note and "cos 0." in sit.note
    assert not walk.far and walk.note is None and walk.cosine > 0.99
    assert not elderly.far and elderly.note is None
    assert len(walk.nearest) == 3 and walk.nearest[0].content == "walk"
    assert vocabulary(shipped) is vocabulary(shipped)  # embedded once per model


@needs_shipped
def test_paraphrases_near_absent_actions_far(shipped: Any) -> None:
    near = closeness(shipped, ["someone jogs", "a man is waving the left hand", "an old woman takes a walk"])
    assert not any(c.far for c in near), [c.to_json() for c in near]
    far = closeness(shipped, ["a man swims in a pool", "a person lies down on the bed", "someone eats soup"])
    assert all(c.far for c in far), [c.to_json() for c in far]


@needs_shipped
def test_shipped_threshold_is_the_calibrated_one(shipped: Any) -> None:
    cal = calibrate(shipped, asset_prompts("heldout_paraphrases.json"), asset_prompts("absent_actions.json"))
    assert abs(cal.fitted.threshold - FAR_COSINE) < 0.02, cal.fitted
    assert cal.shipped.f1 >= cal.fitted.f1 - 0.03
    assert cal.shipped.precision >= 0.8 and cal.shipped.recall >= 0.8, cal.shipped
    assert cal.auc > 0.8


@needs_shipped
def test_generate_with_closeness_keeps_generate(shipped: Any) -> None:
    from motionclip.apps.generate import generate, generate_with_closeness

    out = generate_with_closeness(shipped, ["a person walks", "a person sits down on a chair"], frames=10)
    assert len(out.motions) == 2 and all(len(m) == 10 for m in out.motions)
    assert [c.far for c in out.closeness] == [False, True] and len(out.notes) == 1
    plain = generate(shipped, ["a person walks"], frames=10)
    assert isinstance(plain, list) and len(plain) == 1


@needs_shipped
def test_cli_generate_prints_the_note(shipped: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import motionclip.cli.common as common
    from motionclip.cli import app

    monkeypatch.setattr(common, "load_model", lambda checkpoint, backend_model=None: shipped)
    runner = CliRunner()
    out = str(tmp_path / "g.bvh")
    r = runner.invoke(app, ["generate", "a person sits down on a chair", "a person walks", "-o", out, "--frames", "10"])
    assert r.exit_code == 0, r.output
    notes = [line for line in r.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "'a person sits down on a chair' is far from every training description" in notes[0]


@needs_shipped
def test_cli_classify_notes_far_classes(shipped: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(SHARED.glob("*/data/dataset-2_walk_normal_*.bvh*"))
    if not files:
        pytest.skip("the shared Bandai Namco data is not here")
    import motionclip.cli.common as common
    from motionclip.cli import app

    monkeypatch.setattr(common, "load_model", lambda checkpoint, backend_model=None: shipped)
    runner = CliRunner()
    r = runner.invoke(app, ["classify", str(files[0]), "--classes", "sit down, swim, eat soup", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["note"] and "every offered class is far" in body["note"]
    r = runner.invoke(app, ["classify", str(files[0]), "--classes", "walk, run, wave-left-hand", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["note"] is None


@needs_shipped
def test_the_shipped_vocabulary_is_precomputed_and_matches_the_live_encoder(shipped: Any) -> None:
    """The first generate on a fresh machine embeds no descriptions (the table covers them all),
    and the table is what the encoder gives: rebuild it when the checkpoint or its texts change."""
    import torch
    import torch.nn.functional as F

    from motionclip.apps.vocabulary import _precomputed, training_descriptions

    texts = [r[0] for r in training_descriptions(shipped.meta or {})[0]]
    table = _precomputed(shipped, texts)
    assert table is not None, "rebuild: python -m motionclip.apps.vocabulary --write-table ..."
    sample = texts[:: max(1, len(texts) // 12)]
    live = F.normalize(shipped.encode_text(sample).float(), dim=-1)
    got = F.normalize(table[:: max(1, len(texts) // 12)][: len(sample)], dim=-1)
    assert torch.allclose(got, live, atol=1e-4)
    assert _precomputed(shipped, [*texts[:3], "a text nobody trained on"]) is None
