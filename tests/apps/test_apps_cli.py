"""The application and evaluation commands through the real typer app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from motionclip.cli import app
from motionclip.data.io import read_motion
from motionclip.errors import MotionCLIPError

runner = CliRunner()


def invoke(*args: str):  # noqa: ANN201
    return runner.invoke(app, [str(a) for a in args])


def user_error(result, match: str) -> None:
    """Bad input ends as a MotionCLIPError (the entry point prints it as one line, exit 1)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, MotionCLIPError), result.exception
    assert match in str(result.exception)


def test_interpolate_and_edit_write_by_extension(cached_model, motion_files, tmp_path) -> None:
    r = invoke("interpolate", motion_files["walk"], "a person waves the left hand", "--steps", 3,
               "--out", tmp_path / "i.bvh", "--frames", 12)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("i_*.bvh")) == ["i_1.bvh", "i_2.bvh", "i_3.bvh"]
    r = invoke("edit", "--text", "a person walks", "--add", "elderly", "--scale", 0.5, "--out", tmp_path / "e.npz")
    assert r.exit_code == 0, r.output
    assert len(read_motion(tmp_path / "e.npz")) == cached_model.window
    r = invoke("edit", "--upper", "a person waves the left hand", "--lower", motion_files["walk"],
               "--out", tmp_path / "c.gif", "--frames", 8)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c.gif").stat().st_size > 0


def test_classify_json(cached_model, motion_files) -> None:
    r = invoke("classify", motion_files["wave"], "--classes", "walk,wave-left-hand,raise-up-both-hands",
               "--top-k", 2, "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    preds = json.loads(r.stdout)["predictions"]
    assert [p["rank"] for p in preds] == [1, 2] and preds[0]["probability"] >= preds[1]["probability"]
    r = invoke("classify", motion_files["wave"], "--classes", "walk,wave-left-hand")
    assert r.exit_code == 0 and "probability" in r.stdout


def test_retrieve_and_write_hits(cached_model, synthetic_cache, tmp_path) -> None:
    r = invoke("retrieve", "a person waves the right hand", "--data", synthetic_cache, "--k", 3,
               "--json", "--out", tmp_path / "hits", "--format", "npz")  # fmt: skip
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["hits"]
    assert len(hits) == 3 and len(list((tmp_path / "hits").glob("*.npz"))) == 3


def test_eval_run_and_train_judge(synthetic_cache, tiny_checkpoint, tmp_path) -> None:
    """End to end without the model cache: --checkpoint is loaded by the command."""
    judge = tmp_path / "judge.safetensors"
    r = invoke("eval", "train-judge", "--data", synthetic_cache, "--out", judge, "--epochs", 2, "--no-progress")
    assert r.exit_code == 0, r.output
    assert judge.is_file()
    out = tmp_path / "eval.json"
    r = invoke("eval", "run", "--data", synthetic_cache, "--split", "val", "--judge", judge,
               "--checkpoint", tiny_checkpoint, "--out", out)  # fmt: skip
    assert r.exit_code == 0, r.output
    report = json.loads(out.read_text())
    assert report["split"] == "val" and report["generation"]["generated"]["n"] > 0
    for title in ("Reconstruction", "Zero-shot recognition", "Retrieval", "Generation"):
        assert title in r.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["classify", "missing.bvh", "--classes", "walk"], "not found"),
        (["classify", "{walk}", "--classes", " , "], "at least one class"),
        (["classify", "{walk}", "--classes", "walk", "--top-k", "0"], "--top-k"),
        (["retrieve", "a person walks", "--data", "{cache}", "--k", "0"], "--k"),
        (["retrieve", "a person walks", "--data", "{cache}", "--split", "holdout"], "unknown split"),
        (["retrieve", "a person walks", "--data", "missing.safetensors"], "not found"),
        (["interpolate", "missing.bvh", "a person walks", "--out", "{tmp}/x.bvh"], "not found"),
        (["interpolate", "a", "b", "--steps", "1"], "--steps"),
        (["interpolate", "a", "b", "--out", "x.fbx"], "unsupported output"),
        (["edit", "--text", "a person walks"], "--add"),
        (["edit", "--upper", "a person waves"], "--upper and --lower"),
        (["edit", "--text", "a", "--add", "b", "--upper", "c", "--lower", "d"], "choose one edit"),
        (["edit", "--text", "a person walks", "--add", "proud", "--grid", "--out", "x.bvh"], "--grid"),
        (["eval", "run", "--data", "{cache}", "--split", "holdout"], "unknown split"),
        (["eval", "run", "--data", "{cache}", "--judge", "{tmp}/none.safetensors"], "judge not found"),
        (["eval", "seeds", "--data", "{cache}", "--budget-steps", "0"], "--budget-steps"),
    ],
)
def test_bad_input_is_a_user_error(cached_model, motion_files, synthetic_cache, tmp_path, args, match) -> None:
    subs = {"{walk}": str(motion_files["walk"]), "{cache}": str(synthetic_cache)}
    args = [subs.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
    user_error(invoke(*args), match)
