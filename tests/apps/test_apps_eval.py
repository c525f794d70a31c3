"""Evaluation suite: metrics, judge, prompts, ablation and seed study."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from motionclip.apps.eval import metrics
from motionclip.apps.eval.generation import diversity, fid, multimodality
from motionclip.apps.eval.judge import JudgeError, check_judge, load_judge
from motionclip.apps.eval.prompts import (
    Prompt,
    choose_prompts,
    default_prompts_path,
    read_prompts,
    write_prompts,
)
from motionclip.apps.eval.run import evaluate
from motionclip.data.cache import MotionCache
from motionclip.data.labels import CONTENT_PHRASES, STYLE_PHRASES, class_prompt, style_prompt
from motionclip.errors import DatasetError, MotionCLIPError

TINY_OVERRIDES = [
    "model.num_layers=1",
    "model.num_heads=4",
    "model.ff_size=64",
    "model.dropout=0",
    "train.batch_size=8",
    "train.lr=1e-3",
]

EVAL_KEYS = {
    "format", "data", "split", "checkpoint", "backend", "windows", "seconds",
    "reconstruction", "zero_shot", "retrieval", "generation",
}  # fmt: skip


def check_schema(report: dict) -> None:
    """Every documented key of ``eval run`` is present and numeric where it should be."""
    assert EVAL_KEYS <= set(report)
    rec = report["reconstruction"]
    for key in ("mpjpe_mm", "mpjpe_root_relative_mm", "rotation_error_deg", "velocity_error_mm_per_frame"):
        assert math.isfinite(rec[key]) and rec[key] >= 0
    for key in ("content", "style"):
        zs = report["zero_shot"][key]
        assert {"top1", "top5", "n"} <= set(zs["overall"])
        assert zs["per_dataset"] and all({"top1", "top5", "n", "classes"} <= set(v) for v in zs["per_dataset"].values())
    for key in ("text_to_motion", "motion_to_text"):
        r = report["retrieval"][key]
        assert {"R@1", "R@5", "R@10", "chance", "queries", "candidates"} <= set(r)
        assert 0 <= r["R@1"] <= r["R@5"] <= r["R@10"] <= 1
    gen = report["generation"]
    assert set(gen) == {"judge", "prompts", "generated", "real"}
    assert {
        "content_acc",
        "style_acc",
        "fid",
        "diversity",
        "within_content_variety",
        "n",
        "realism",
        "r_precision",
        "reencoding_cosine",
    } <= set(gen["generated"])
    assert {"content_acc", "style_acc", "fid", "diversity", "within_content_variety", "matched_n"} <= set(gen["real"])


def test_fid_matches_closed_form_for_diagonal_gaussians() -> None:
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 3, generator=g) * torch.tensor([1.0, 2.0, 0.5]) + 1.0
    b = torch.randn(4000, 3, generator=g) * torch.tensor([0.5, 1.0, 0.5])
    va, vb = a.double().var(0), b.double().var(0)
    expected = (a.double().mean(0) - b.double().mean(0)).square().sum() + (va + vb - 2 * (va * vb).sqrt()).sum()
    assert fid(a, b) == pytest.approx(float(expected), rel=0.05)  # off-diagonal noise only
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)


def test_diversity_and_multimodality() -> None:
    feats = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert 0 < diversity(feats) < 5.0
    assert diversity(feats[:1]) != diversity(feats[:1])  # NaN for one sample
    labels = torch.tensor([0, 1])
    assert math.isnan(multimodality(feats, labels))
    assert multimodality(torch.zeros(4, 2), torch.tensor([0, 0, 1, 1])) == 0.0


def test_zero_shot_and_retrieval_are_perfect_for_ideal_latents(model, synthetic_cache) -> None:
    cache = MotionCache.load(synthetic_cache)
    idx = cache.window_indices("test")
    lab = cache.window_labels(idx)
    content_emb = model.encode_text([class_prompt(c) for c in cache.contents])
    zs = metrics.zero_shot(model, cache, idx, content_emb[lab["content"]])
    assert zs["content"]["overall"]["top1"] == 1.0
    assert zs["content"]["per_dataset"]["dataset-2"]["classes"] == 4
    style_emb = model.encode_text([style_prompt(s) for s in cache.styles])
    assert metrics.zero_shot(model, cache, idx, style_emb[lab["style"]])["style"]["overall"]["top1"] == 1.0
    pair_emb = model.encode_text([cache.texts[ids[0]] for ids in cache.pair_text_ids])
    ret = metrics.retrieval(model, cache, idx, pair_emb[lab["pair"]])
    assert ret["text_to_motion"]["R@1"] == pytest.approx(1.0)
    assert ret["motion_to_text"]["R@1"] == pytest.approx(1.0)
    assert ret["motion_to_text"]["chance"]["R@1"] == pytest.approx(1 / ret["motion_to_text"]["candidates"])


def test_reconstruction_can_reuse_latents(model, synthetic_cache) -> None:
    from motionclip.apps.windows import encode_windows

    cache = MotionCache.load(synthetic_cache)
    idx = cache.window_indices("val")
    fresh = metrics.reconstruction(model, cache, idx, size=7)
    reused = metrics.reconstruction(model, cache, idx, encode_windows(model, cache, idx))
    for key in ("mpjpe_mm", "rotation_error_deg", "velocity_error_mm_per_frame"):
        assert fresh[key] == pytest.approx(reused[key], rel=1e-4)


def test_eval_report_has_every_key(model, synthetic_cache, judge_file, tiny_checkpoint) -> None:
    report = evaluate(model, synthetic_cache, "test", judge=judge_file, checkpoint=str(tiny_checkpoint))
    check_schema(report)
    assert report["windows"] == len(MotionCache.load(synthetic_cache).window_indices("test"))
    assert report["generation"]["prompts"]["source"].startswith("dataset descriptions")
    assert report["generation"]["generated"]["n"] == 8  # 4 contents x 2 styles
    json.dumps(report)  # serialisable
    with pytest.raises(DatasetError, match="unknown split"):
        evaluate(model, synthetic_cache, "dev")


def test_generation_by_duration_and_per_dataset(model, synthetic_cache, judge_file) -> None:
    seconds = 3 * model.window / model.fps
    report = evaluate(model, synthetic_cache, "test", judge=judge_file, durations=[seconds])
    gen = report["generation"]["generated"]
    long = gen["by_duration"][f"{seconds:g}s"]
    assert long["windows_judged"] == 3 * gen["n"] and 0 <= long["content_acc"] <= 1
    assert set(gen["per_dataset"]) <= set(MotionCache.load(synthetic_cache).datasets) and gen["per_dataset"]
    assert sum(v["n"] for v in gen["per_dataset"].values()) >= gen["n"]
    sm = gen["samples"]  # ACTOR multimodality: variety among samples of one prompt
    assert sm["samples_per_prompt"] == 5 and sm["multimodality"] > 0 and 0 <= sm["content_acc"] <= 1


def test_judge_roundtrip(judge_file, synthetic_cache, tiny_checkpoint) -> None:
    cache = MotionCache.load(synthetic_cache)
    judge, meta = load_judge(judge_file)
    assert meta["contents"] == cache.contents and meta["training"]["steps"] > 0
    rot, tr = cache.windows(cache.window_indices("val"))
    first = judge.predict(rot, tr)
    again, _ = load_judge(judge_file)
    second = again.predict(rot, tr)
    assert torch.equal(first["content"], second["content"])
    assert torch.allclose(first["features"], second["features"])
    assert first["features"].shape == (len(rot), judge.cfg.feature_dim)
    check_judge(meta, cache)
    with pytest.raises(JudgeError, match="other labels"):
        check_judge({**meta, "contents": ["walk"]}, cache)
    with pytest.raises(JudgeError, match="not found"):
        load_judge(Path(judge_file).with_name("none.safetensors"))
    with pytest.raises(JudgeError, match="not a judge"):
        load_judge(tiny_checkpoint)


def test_prompts_files(tmp_path, synthetic_cache) -> None:
    shipped = read_prompts(default_prompts_path())
    assert len(shipped) > 100
    assert all(p.content in CONTENT_PHRASES and p.style in STYLE_PHRASES for p in shipped)
    cache = MotionCache.load(synthetic_cache)
    prompts, source = choose_prompts(cache)
    assert "dataset descriptions" in source and len(prompts) == len(cache.meta["pairs"])
    mine = [Prompt("an old man walks", "walk", "elderly")]
    path = write_prompts(mine, tmp_path / "p.txt", header="test")
    assert read_prompts(path) == mine
    assert choose_prompts(cache, path) == (mine, str(path))
    write_prompts([Prompt("a person bows", "bow", "normal")], tmp_path / "bad.txt")
    with pytest.raises(MotionCLIPError, match="labels not in"):
        choose_prompts(cache, tmp_path / "bad.txt")
    (tmp_path / "broken.txt").write_text("just text\n")
    with pytest.raises(MotionCLIPError, match=r"broken.txt:1"):
        read_prompts(tmp_path / "broken.txt")


def test_ablation_and_seeds(synthetic_cache, tmp_path, embedding_cache_dir) -> None:
    from motionclip.apps.eval.ablation import run_ablation
    from motionclip.apps.eval.seeds import run_seeds

    quiet = {"progress": False, "log": lambda *_: None}
    report = run_ablation(synthetic_cache, 2, tmp_path / "abl", TINY_OVERRIDES, "test", **quiet)
    rows = {r["variant"]: r for r in report["rows"]}
    assert set(rows) == {"full", "no-text", "no-image"}
    assert rows["no-image"]["available"] is False and "image tower" in rows["no-image"]["reason"]
    assert {"loss.text=0", "loss.contrastive=0", "loss.text_reconstruction=0"} <= set(rows["no-text"]["overrides"])
    for key in ("full", "no-text"):
        assert {"mpjpe_mm", "content_top1", "content_top5", "style_top1", "style_top5", "t2m_R@5"} <= set(rows[key])
    assert json.loads((tmp_path / "abl" / "ablation.json").read_text())["budget_steps"] == 2
    again = run_ablation(synthetic_cache, 2, tmp_path / "abl", TINY_OVERRIDES, "test", **quiet)
    assert all(r.get("reused", True) for r in again["rows"])
    with pytest.raises(MotionCLIPError, match="different config"):
        run_ablation(synthetic_cache, 3, tmp_path / "abl", TINY_OVERRIDES, "test", **quiet)
    # a run written before a config field existed trained with its default: still the same run
    summary = tmp_path / "abl" / "full" / "summary.json"
    old = json.loads(summary.read_text())
    del old["config"]["loss"]["limb_velocity"]
    summary.write_text(json.dumps(old))
    assert all(
        r.get("reused", True)
        for r in run_ablation(synthetic_cache, 2, tmp_path / "abl", TINY_OVERRIDES, "test", **quiet)["rows"]
    )

    seeds = run_seeds(synthetic_cache, 2, 2, tmp_path / "seeds", TINY_OVERRIDES, **quiet)
    assert seeds["seeds"] == [0, 1] and len(seeds["values"]) == 2
    assert seeds["mean"] == pytest.approx(sum(seeds["values"]) / 2)
    assert seeds["std"] >= 0 and (tmp_path / "seeds" / "seeds.json").is_file()
    assert seeds["spread"]["content_top1"]["mean"] == pytest.approx(seeds["mean"])
    assert all(r["limb_ratio_mean"] > 0 for r in seeds["runs"])
    assert rows["full"]["limb_ratio_min"] <= rows["full"]["limb_ratio_mean"]
    with pytest.raises(MotionCLIPError, match="--n"):
        run_seeds(synthetic_cache, 0, 2, tmp_path / "seeds", TINY_OVERRIDES, **quiet)
    with pytest.raises(MotionCLIPError, match="--budget-steps"):
        run_seeds(synthetic_cache, 1, 0, tmp_path / "seeds", TINY_OVERRIDES, **quiet)


def test_study_config_applies_the_preset_before_overrides() -> None:
    from motionclip.apps.eval.studies import budget_config
    from motionclip.training.config import PRESETS

    run = budget_config(["loss.text=0"], 7, ["train.seed=2"], preset="shipped")
    assert "loss.limb_speed=20" in PRESETS["shipped"] and run.loss.limb_speed == 20
    assert run.loss.text == 0 and run.train.seed == 2 and run.train.max_steps == 7
    with pytest.raises(MotionCLIPError, match="unknown preset"):
        budget_config([], 7, preset="nope")
    # the budget is known when the settings are checked: a cosine schedule needs it
    cosine = budget_config(["train.lr_schedule=cosine", "train.warmup_steps=2"], 7, preset="shipped")
    assert cosine.train.lr_schedule == "cosine" and cosine.train.max_steps == 7


def test_eval_refuses_a_cache_on_another_body(model, synthetic_root, judge_file, tmp_path) -> None:
    """A canonical-body model scored on a cache of the files' own rig (or the reverse) would be noise."""
    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    rig_cache = tmp_path / "rig.safetensors"
    cfg = DataConfig(window=30, stride=10, val_fraction=0.25, test_fraction=0.25, body="rig")
    prepare_dataset("bandai-namco", synthetic_root, rig_cache, cfg, workers=1, progress=False)
    assert model.body == "canonical-v1" and MotionCache.load(rig_cache).body == "rig"
    with pytest.raises(MotionCLIPError, match="holds the 'rig' body but the model reads the 'canonical-v1' body"):
        evaluate(model, rig_cache, split="test")
    _, meta = load_judge(judge_file)
    with pytest.raises(JudgeError, match="judge was trained on the 'canonical-v1' body"):
        check_judge(meta, MotionCache.load(rig_cache), judge_file)
