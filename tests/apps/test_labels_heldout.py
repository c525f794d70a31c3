"""Training descriptions (labels.describe) and the held-out paraphrase set kept apart from them."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from motionclip.data.labels import (
    CONTENT_PHRASES,
    DEFAULT_PHRASINGS,
    STYLE_PHRASES,
    class_prompt,
    content_phrases,
    describe,
    style_prompt,
)

DATASET2_CONTENTS = (
    "raise-up-both-hands",
    "raise-up-left-hand",
    "raise-up-right-hand",
    "run",
    "walk",
    "walk-turn-left",
    "walk-turn-right",
    "wave-both-hands",
    "wave-left-hand",
    "wave-right-hand",
)
SHARED_DATASET2 = Path(__file__).resolve().parents[3] / "shared/data/bandai-namco/Bandai-Namco-Research-Motiondataset-2"


def heldout() -> list[dict[str, str]]:
    path = resources.files("motionclip") / "assets" / "heldout_paraphrases.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["prompts"])


def every_training_description() -> set[str]:
    """Every phrasing describe can produce for any known pair (any max_phrasings)."""
    return {t for c in CONTENT_PHRASES for s in STYLE_PHRASES for t in describe(c, s, max_phrasings=10**6)}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_canonical_prompts_unchanged() -> None:
    # evaluation and zero-shot tables are keyed to these exact strings
    assert describe("walk", "normal")[0] == "a person walks"
    assert describe("walk", "elderly")[0] == "an elderly person walks"
    assert describe("walk-turn-left", "elderly")[0] == "an elderly person walks and turns left"
    assert describe("wave-left-hand", "normal")[0] == "a person waves the left hand"
    assert class_prompt("walk") == "a person walks"
    assert class_prompt("dash") == "a person dashes forward"
    assert class_prompt("raise-up-right-hand") == "a person raises the right hand"
    assert style_prompt("proud") == "a proud person moves"
    assert style_prompt("normal") == "a person moves"
    assert style_prompt("elderly") == "an elderly person moves"
    for content in CONTENT_PHRASES:
        for style in STYLE_PHRASES:
            assert describe(content, style)[0] == f"{STYLE_PHRASES[style][0][0]} {CONTENT_PHRASES[content][0]}"


@pytest.mark.parametrize("content", sorted(CONTENT_PHRASES))
def test_many_varied_phrasings_per_pair(content: str) -> None:
    for style in ("normal", "elderly", "active", "youthful"):
        texts = describe(content, style)
        assert len(texts) == DEFAULT_PHRASINGS == len(set(texts)) >= 12
        verbs = CONTENT_PHRASES[content]
        # every synonym appears among the first len(verbs) phrasings (a short prefix still varies)
        firsts = describe(content, style, max_phrasings=len(verbs))
        assert all(any(t.endswith(f" {v}") or f" {v} " in t for t in firsts) for v in verbs), (content, style)
        # all three sentence shapes occur: styled subject, neutral subject + adverb, "the ..." noun
        assert any(t.startswith("the ") for t in texts)
        adverbs = STYLE_PHRASES[style][1]
        assert any(t.endswith(f" {a}") for t in texts for a in adverbs)
        assert all(re.fullmatch(r"[a-z][a-z ,\-]*[a-z]", t) for t in texts), texts


def test_styles_as_adjectives_and_adverbs() -> None:
    for style, (subjects, adverbs) in STYLE_PHRASES.items():
        assert len(subjects) >= 4 and len(adverbs) >= 4, style
        texts = describe("walk", style, max_phrasings=10**6)
        assert all(any(t.startswith(s + " ") for t in texts) for s in subjects), style
        assert all(any(t.endswith(" " + a) for t in texts) for a in adverbs), style


def test_run_and_dash_stay_distinguishable() -> None:
    run, dash = set(content_phrases("run")), set(content_phrases("dash"))
    assert not run & dash
    assert not any(w in p for p in run for w in ("sprint", "dash", "fast", "full speed"))
    assert not any("jog" in p for p in dash)
    assert len(run) >= 8 and len(dash) >= 8
    assert not set(describe("run", "normal", 10**6)) & set(describe("dash", "normal", 10**6))


def test_unknown_labels_still_readable() -> None:
    texts = describe("moon-walk", "super_cool")
    assert texts[0] == "a super cool person moon walk"
    assert all("moon walk" in t and "_" not in t for t in texts)


def test_heldout_covers_dataset2_contents() -> None:
    rows = heldout()
    counts = {c: sum(r["content"] == c for r in rows) for c in DATASET2_CONTENTS}
    assert all(n >= 3 for n in counts.values()), counts
    assert all(r["content"] in CONTENT_PHRASES and r["style"] in STYLE_PHRASES for r in rows)
    assert len({r["prompt"] for r in rows}) == len(rows)


def test_dataset2_content_list_matches_the_data() -> None:
    cfg = SHARED_DATASET2 / "cfg" / "content_label.txt"
    if not cfg.is_file():
        pytest.skip("the shared Bandai Namco dataset-2 is not here")
    labels = {line.strip().partition("_")[2] for line in cfg.read_text().splitlines() if line.strip()}
    assert labels == set(DATASET2_CONTENTS)


def test_heldout_is_really_held_out() -> None:
    training = every_training_description()
    vocabulary = set().union(*map(words, training))
    for row in heldout():
        prompt = row["prompt"]
        assert prompt not in training and prompt.lower() not in training, prompt
        assert words(prompt) - vocabulary, f"{prompt!r} uses only training words"
