"""Splitting a prompt that joins two actions ("a person walks while waving the right hand",
"someone walks forward and waves both hands") into two sentences with the same subject, so
that each part can be decoded on its own and the motions combined per body part
(:mod:`motionclip.apps.compose`). Sequences ("walks, then sits") are not split."""

from __future__ import annotations

import re
from dataclasses import dataclass

from motionclip.data.labels import CONTENT_PHRASES

DEFAULT_SUBJECT = "a person"


# connectors, strongest first: the first one present splits the prompt (once)
_CONNECTORS = (
    ("while", re.compile(r"\s+while\s+")),
    ("as", re.compile(r"\s+as\s+")),
    ("with", re.compile(r"\s+with\s+")),
    ("and", re.compile(r"\s*,?\s+and\s+")),
    (",", re.compile(r"\s*,\s*")),
)


_SEQUENCE = re.compile(r"^(then|after|afterwards|later|before|next)\b")


_ARTICLES = {"a", "an", "the", "this", "that", "one"}


_PRONOUNS = {"he", "she", "they", "it"}


_OWN_SUBJECT = re.compile(r"^(a|an|the|someone|somebody|everyone|he|she|they)\b")


_VERBS = {"is", "are", "was", "does", "keeps"} | {p.split()[0] for ps in CONTENT_PHRASES.values() for p in ps}


# ------------------------------------------------------------------------------ words
@dataclass(frozen=True)
class Split:
    """A prompt cut into two sentences (``first`` as written, ``second`` given a subject)."""

    prompt: str
    first: str
    second: str
    connector: str


def subject_of(sentence: str) -> str:
    """The words before the verb ("an old man strolls" -> "an old man"); ``DEFAULT_SUBJECT``
    when there is no recognisable subject."""
    tokens = sentence.split()
    for i, tok in enumerate(tokens):
        if i == 0:
            continue
        word = tok.strip(",.").lower()
        prev = tokens[i - 1].lower()
        if word in _VERBS or (word.endswith("s") and not word.endswith("ss") and prev not in _ARTICLES and i >= 2):
            return " ".join(tokens[:i])
    return DEFAULT_SUBJECT


def _sentence(part: str, subject: str, connector: str) -> str:
    """A part after the connector as a sentence of its own."""
    words = part.split()
    first = words[0].lower()
    if connector == "with":
        return f"{subject} with {part}"
    if first in _PRONOUNS:
        return " ".join([subject, *words[1:]])
    if _OWN_SUBJECT.match(part.lower()):
        return part
    if first.endswith("ing"):
        return f"{subject} is {part}"
    return f"{subject} {part}"


def split_prompt(prompt: str) -> Split | None:
    """Cut ``prompt`` at its strongest connector into two sentences, or None (no connector,
    an empty side, or a sequence such as "A and then B")."""
    text = prompt.strip().rstrip(".!").strip()
    lowered = text.lower()
    for name, pattern in _CONNECTORS:
        m = pattern.search(lowered)
        if m is None:
            continue
        left, right = text[: m.start()].strip(" ,"), text[m.end() :].strip(" ,")
        if not left or not right or _SEQUENCE.match(right.lower()) or len(left.split()) < 2:
            return None
        return Split(prompt, left, _sentence(right, subject_of(left), name), name)
    return None
