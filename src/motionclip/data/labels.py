"""Natural-language descriptions built from content and style labels.

Each window's text is drawn from several phrasings of its (content, style) pair so the
text loss does not tie a motion to one fixed string, and prompts people type in other
words still land near the motion. Three sentence shapes, interleaved:

- ``{subject} {verb}``            e.g. "an elderly person walks and turns left"
- ``{neutral} {verb} {adverb}``  e.g. "a woman walks, turning to the left slowly, like an elderly person"
- ``the {noun} {verb}``           e.g. "the old man is walking and turning left"

Verb phrases (synonyms and ``is ...ing`` forms) come from :data:`CONTENT_PHRASES`
(the tables are data: ``phrasings.json``); a
style is an adjective in its subjects and an adverb in its adverbs (:data:`STYLE_PHRASES`);
neutral subjects are :data:`NEUTRAL_SUBJECTS`. Each tuple's first entry is the canonical
phrasing: ``describe(...)[0]``, :func:`class_prompt` and :func:`style_prompt` use only
first entries, so evaluation and zero-shot prompts do not change when synonyms are added.
Unknown labels fall back to the label text with dashes turned into spaces.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

# How many descriptions ``describe`` returns per (content, style) by default.
DEFAULT_PHRASINGS = 14


def _phrasings() -> dict[str, Any]:
    """The phrasing tables, kept as data beside this module (``phrasings.json``)."""
    text = (resources.files("motionclip.data") / "phrasings.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_TABLES = _phrasings()
# Subjects that carry no style (the ``{neutral} {verb} {adverb}`` shape).
NEUTRAL_SUBJECTS: tuple[str, ...] = tuple(_TABLES["neutral_subjects"])
CONTENT_PHRASES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _TABLES["contents"].items()}
# style: (subjects = the style as an adjective, adverbs = the style as an adverb)
STYLE_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    k: (tuple(subjects), tuple(adverbs)) for k, (subjects, adverbs) in _TABLES["styles"].items()
}


def content_phrases(content: str) -> tuple[str, ...]:
    return CONTENT_PHRASES.get(content, (content.replace("-", " ").replace("_", " "),))


def style_phrases(style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words = style.replace("-", " ").replace("_", " ")
    return STYLE_PHRASES.get(style, ((f"a {words} person",), (f"in a {words} way",)))


def _definite(subject: str) -> str | None:
    """ "an old man" -> "the old man"; None for a subject without an article ("someone")."""
    for article in ("a ", "an "):
        if subject.startswith(article):
            return "the " + subject[len(article) :]
    return None


def describe(content: str, style: str, max_phrasings: int = DEFAULT_PHRASINGS) -> list[str]:
    """Distinct descriptions of a (content, style) pair, most natural first.

    Phrase ``k`` uses verb phrase ``k mod V`` (shifted by one every full pass, so later
    passes pair verbs with other shapes) and shape ``k mod 3``; each shape cycles its own
    subjects / adverbs. So the first ``V`` phrasings already hold every verb phrase, and
    every prefix mixes the three shapes. The first is always ``{subject[0]} {verb[0]}``.
    """
    verbs = content_phrases(content)
    subjects, adverbs = style_phrases(style)
    nouns = [n for n in map(_definite, subjects) if n] or ["the person"]
    v = len(verbs)
    seen: dict[str, None] = {}
    limit = 3 * v * max(len(subjects), len(adverbs), len(nouns), len(NEUTRAL_SUBJECTS)) * 2
    for k in range(limit):
        if len(seen) >= max_phrasings:
            break
        r, shape = divmod(k, 3)
        verb = verbs[(k + k // v) % v]
        if shape == 0:
            text = f"{subjects[r % len(subjects)]} {verb}"
        elif shape == 1:
            text = f"{NEUTRAL_SUBJECTS[r % len(NEUTRAL_SUBJECTS)]} {verb} {adverbs[r % len(adverbs)]}"
        else:
            text = f"{nouns[(r + 1) % len(nouns)]} {verb}"
        seen.setdefault(text, None)
    return list(seen)[:max_phrasings]


def class_prompt(content: str) -> str:
    """The text used for a content class in zero-shot recognition. A class that is
    already a sentence (free-text datasets use the first description when a take has no
    class label) is used as it is."""
    if " " in content.strip() and content not in CONTENT_PHRASES:
        return content.strip()
    return f"a person {content_phrases(content)[0]}"


def style_prompt(style: str) -> str:
    """The text used for a style class in zero-shot recognition."""
    return f"{style_phrases(style)[0][0]} moves"
