"""Zero-shot classification and text->motion retrieval."""

from __future__ import annotations

import pytest
import torch

from motionclip.apps.classify import class_text, classify, parse_classes, rank_classes
from motionclip.apps.retrieve import retrieve, write_hits
from motionclip.data.cache import MotionCache
from motionclip.data.io import read_motion
from motionclip.errors import DatasetError, MotionCLIPError


def test_parse_classes() -> None:
    assert parse_classes(" walk, run ,kick,") == ["walk", "run", "kick"]
    assert parse_classes(["walk,run", "kick"]) == ["walk", "run", "kick"]
    with pytest.raises(MotionCLIPError, match="at least one class"):
        parse_classes(" , ")
    with pytest.raises(MotionCLIPError, match="duplicate"):
        parse_classes("walk,run,walk")


def test_class_prompts() -> None:
    assert class_text("walk") == "a person walks"
    assert class_text("proud") == "a proud person moves"
    assert class_text("jumping-jacks") == "a person jumping jacks"
    assert class_text("a person kicks") == "a person kicks"
    assert class_text("walk", raw=True) == "walk"


def test_ranking_puts_the_matching_class_first() -> None:
    emb = torch.nn.functional.normalize(torch.randn(6, 32), dim=-1)
    labels = [f"c{i}" for i in range(6)]
    preds = rank_classes(3.0 * emb[4], emb, labels, labels, top_k=3)  # latent = scaled class text embedding
    assert [p.rank for p in preds] == [1, 2, 3]
    assert preds[0].label == "c4" and preds[0].cosine == pytest.approx(1.0, abs=1e-5)
    assert preds[0].probability > 0.5
    assert preds[0].cosine >= preds[1].cosine >= preds[2].cosine
    every = rank_classes(emb[4], emb, labels, labels, top_k=99)
    assert len(every) == 6 and sum(p.probability for p in every) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(MotionCLIPError, match="--top-k"):
        rank_classes(emb[0], emb, labels, labels, top_k=0)


def test_classify_motion_file(model, motion_files) -> None:
    preds = classify(model, str(motion_files["walk"]), "walk,wave-left-hand,raise-up-both-hands", top_k=2)
    assert len(preds) == 2 and preds[0].cosine >= preds[1].cosine
    assert {p.label for p in preds} <= {"walk", "wave-left-hand", "raise-up-both-hands"}
    with pytest.raises(MotionCLIPError, match="not found"):
        classify(model, "missing.bvh", "walk")
    with pytest.raises(MotionCLIPError, match="at least one class"):
        classify(model, str(motion_files["walk"]), "")


def test_retrieve_ranks_split_windows(model, synthetic_cache, tmp_path) -> None:
    cache = MotionCache.load(synthetic_cache)
    hits = retrieve(model, cache, "a person walks", "test", k=4)
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert all(hits[i].cosine >= hits[i + 1].cosine for i in range(3))
    test_windows = set(cache.window_indices("test").tolist())
    assert all(h.window in test_windows and h.content in cache.contents for h in hits)
    assert all(h.take.startswith("dataset-2_") for h in hits)
    paths = write_hits(cache, hits[:2], tmp_path / "hits", "bvh")
    assert len(paths) == 2 and paths[0].name.startswith("01_")
    assert len(read_motion(paths[0])) == cache.window
    many = retrieve(model, cache, "a person walks", "test", k=1000)
    assert len(many) == len(test_windows)


def test_retrieve_errors(model, synthetic_cache) -> None:
    cache = MotionCache.load(synthetic_cache)
    with pytest.raises(MotionCLIPError, match="--k"):
        retrieve(model, cache, "a person walks", "test", k=0)
    with pytest.raises(DatasetError, match="unknown split"):
        retrieve(model, cache, "a person walks", "holdout", k=3)
    with pytest.raises(MotionCLIPError, match="--format"):
        write_hits(cache, [], "x", "fbx")
