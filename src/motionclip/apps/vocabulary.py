"""How close a prompt is to what the model was trained on (an honest vocabulary).

The model only knows the motions of its training data, and it meets a prompt through the
frozen text encoder: any prompt decodes to *some* motion, usually the nearest training
behaviour. So every prompt is compared, by cosine in the text-embedding space (independent
of the motion model), with the training descriptions; the nearest ones are reported, and a
prompt whose best cosine is below :data:`FAR_COSINE` gets a note::

    note: 'a person sits down on a chair' is far from every training description;
    nearest: 'a person is showing the way' (guide, cos 0.36)

The training descriptions are the checkpoint's own texts when it stores them
(``meta["training"]["descriptions"]``: ``{"content|style": [texts]}``, or ``["texts"]``; at most
:data:`MAX_DESCRIPTIONS`), else built from the checkpoint's contents x styles
(``meta["training"]``; older checkpoints: every label :mod:`motionclip.data.labels` knows) as
every synonym of each content with a neutral subject ("a person jogs") plus each pair's
canonical sentence (``describe(c, s)[0]``, "an elderly person walks"): 548 texts for the
shipped checkpoint, embedded once per model object (and kept in the embedding disk cache).
All ``describe`` phrasings (5,568) separate no better (AUC 0.86 vs 0.88 on the sets below)
and cost ten times the embedding time on a cold cache.

A prompt joining two actions is judged by its farther part when it is composed
(``apps.compose``) or joined by "while" ("a person sits down while waving the right hand":
'a person sits down' is far), unless it is itself a training sentence.

Calibration (``python -m motionclip.apps.vocabulary``): in-vocabulary prompts are the held-out
paraphrases (``assets/heldout_paraphrases.json``, words and shapes training never uses), out
of vocabulary the prompts of actions absent from the data (``assets/absent_actions.json``).
Rule: flag "far" when the best cosine is below the threshold; the threshold maximises F1 of
flagging absent actions, taken midway between neighbouring scores, the lowest on ties.
It also prints a leave-one-out estimate (the threshold refitted without each prompt).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch
import torch.nn.functional as F

from motionclip.apps.prompt_split import Split, split_prompt
from motionclip.data.labels import CONTENT_PHRASES, STYLE_PHRASES, content_phrases, describe
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP

# Best cosine below which a prompt is "far from every training description": the max-F1 threshold
# of ``python -m motionclip.apps.vocabulary`` on the shipped checkpoint's vocabulary (24 contents x
# 19 styles): precision 0.857, recall 0.857 of flagging absent actions; leave-one-out 0.833 / 0.857.
FAR_COSINE = 0.5644
NEAREST = 3  # training descriptions reported per prompt
EXACT_COSINE = 0.95  # a joined prompt this close to a training sentence is judged whole (not by its parts)
# Connectors whose parts are judged without decoding: "A while B" is two actions; "with", "and"
# and "," often join one ("reaches upward with the left arm", "jumps up and down").
PART_CONNECTORS = ("while",)
MAX_DESCRIPTIONS = 4096  # a checkpoint storing more texts is compared with an evenly spaced subset


@dataclass(frozen=True)
class Neighbour:
    """One training description near a prompt."""

    text: str
    content: str
    style: str
    cosine: float


@dataclass(frozen=True)
class Closeness:
    """A prompt's nearest training descriptions (best first) and whether it is far from all."""

    prompt: str
    nearest: tuple[Neighbour, ...]
    threshold: float = FAR_COSINE
    part: str | None = None  # the part of a joined prompt ("A while B") these neighbours are of

    @property
    def cosine(self) -> float:
        return self.nearest[0].cosine if self.nearest else -1.0

    @property
    def far(self) -> bool:
        return self.cosine < self.threshold

    @property
    def note(self) -> str | None:
        """``note: ...`` for a far prompt, else None."""
        if not self.far:
            return None
        if not self.nearest:
            return f"note: {self.prompt!r}: the model has no training descriptions to compare it with"
        n = self.nearest[0]
        what = repr(self.prompt) if self.part is None else f"{self.part!r} (in {self.prompt!r})"
        nearest = f"{n.text!r} ({n.content}, cos {n.cosine:.2f})"
        return f"note: {what} is far from every training description; nearest: {nearest}"

    def to_json(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "cosine": round(self.cosine, 4),
            "threshold": self.threshold,
            "far": self.far,
            "note": self.note,
            "part": self.part,
            "nearest": [
                {"text": n.text, "content": n.content, "style": n.style, "cosine": round(n.cosine, 4)}
                for n in self.nearest
            ],
        }


@dataclass
class Vocabulary:
    """Training descriptions, their labels and unit embeddings (N, D)."""

    texts: list[str]
    contents: list[str]
    styles: list[str]
    embeddings: torch.Tensor
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def nearest(self, prompt_embeddings: torch.Tensor, k: int = NEAREST) -> list[list[Neighbour]]:
        """For each (D,) row: the ``k`` nearest distinct descriptions, best first."""
        if not self.texts:
            return [[] for _ in range(len(prompt_embeddings))]
        cos = F.normalize(prompt_embeddings.float(), dim=-1) @ self.embeddings.T
        top = cos.topk(min(k, len(self.texts)), dim=1)
        return [
            [Neighbour(self.texts[i], self.contents[i], self.styles[i], float(c)) for c, i in zip(vals, idx.tolist())]
            for vals, idx in zip(top.values.tolist(), top.indices)
        ]

    def best_cosine(self, prompt_embeddings: torch.Tensor) -> torch.Tensor:
        """(N,) best cosine of each prompt with any description."""
        if not self.texts:
            return torch.full((len(prompt_embeddings),), -1.0)
        return (F.normalize(prompt_embeddings.float(), dim=-1) @ self.embeddings.T).max(dim=1).values


def training_descriptions(meta: dict[str, Any]) -> tuple[list[tuple[str, str, str]], str]:
    """(text, content, style) triples the checkpoint was trained on, and where they came from."""
    raw = meta.get("training")
    training: dict[str, Any] = raw if isinstance(raw, dict) else {}
    rows: list[tuple[str, str, str]] = []
    stored = training.get("descriptions")
    if isinstance(stored, dict):
        for pair, texts in stored.items():
            content, _, style = str(pair).partition("|")
            if isinstance(texts, list):
                rows += [(t, content, style) for t in texts if isinstance(t, str) and t.strip()]
        if rows:
            return _unique(rows), "the checkpoint's training descriptions"
    texts = training.get("texts")
    if isinstance(texts, list):
        rows = [(t, "", "") for t in texts if isinstance(t, str) and t.strip()]
        if rows:
            return _unique(rows), "the checkpoint's training texts"
    contents, styles = strings(training.get("contents")), strings(training.get("styles"))
    if contents and styles:
        source = f"labels.describe over the checkpoint's {len(contents)} contents x {len(styles)} styles"
    else:
        contents, styles = list(CONTENT_PHRASES), list(STYLE_PHRASES)
        source = "labels.describe over every known label (the checkpoint names no contents)"
    neutral = "normal" if "normal" in styles else ""
    for content in contents:
        if " " in content.strip() and content not in CONTENT_PHRASES:  # a free-text class is its own text
            rows += [(content.strip(), content, style) for style in styles]
            continue
        # every synonym of the action, with a neutral subject, and each pair's canonical sentence
        rows += [(f"a person {verb}", content, neutral) for verb in content_phrases(content)]
        rows += [(describe(content, style, max_phrasings=1)[0], content, style) for style in styles]
    return _unique(rows), source


def strings(x: Any) -> list[str]:
    """``x`` if it is a non-empty list of non-empty strings, else []."""
    return list(x) if isinstance(x, list) and x and all(isinstance(v, str) and v.strip() for v in x) else []


def _unique(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """One row per text, at most ``MAX_DESCRIPTIONS`` (evenly spaced) so embedding them stays cheap."""
    seen: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        seen.setdefault(row[0], row)
    out = list(seen.values())
    if len(out) > MAX_DESCRIPTIONS:
        out = [out[i * len(out) // MAX_DESCRIPTIONS] for i in range(MAX_DESCRIPTIONS)]
    return out


_VOCABULARIES: weakref.WeakKeyDictionary[MotionCLIP, Vocabulary] = weakref.WeakKeyDictionary()


PRECOMPUTED = {"minilm": "vocabulary-minilm.safetensors"}
"""Embeddings of the shipped checkpoint's training descriptions by each backend's default
weights (an embedding table, ``motionclip.text.table``), so that the first ``generate`` on a
fresh machine does not spend seconds embedding hundreds of descriptions; rebuild it with
``python -m motionclip.apps.vocabulary --write-table`` when the shipped checkpoint changes."""


def _precomputed(model: MotionCLIP, texts: list[str]) -> torch.Tensor | None:
    """(N, D) embeddings of ``texts`` from the shipped table, if it has every one of them."""
    name = PRECOMPUTED.get(model.backend_name)
    if name is None or model.backend_model is not None or not texts:
        return None
    from motionclip.tagged import TEXT_TABLE, read_tagged

    path = resources.files("motionclip") / "assets" / name
    if not path.is_file():
        return None
    tensors, meta, _ = read_tagged(TEXT_TABLE, str(path), MotionCLIPError)
    index = {t: i for i, t in enumerate(meta.get("texts") or [])}
    emb = tensors["embeddings"]
    if (
        meta.get("name") != model.backend_name
        or emb.shape[-1] != model.latent_dim
        or any(t not in index for t in texts)
    ):
        return None
    return emb[[index[t] for t in texts]].float()


def vocabulary(model: MotionCLIP) -> Vocabulary:
    """The model's training descriptions, embedded once per model object."""
    vocab = _VOCABULARIES.get(model)
    if vocab is None:
        rows, source = training_descriptions(model.meta or {})
        texts = [r[0] for r in rows]
        emb = _precomputed(model, texts)
        if emb is None:
            emb = model.encode_text(texts).float() if texts else torch.zeros(0, model.latent_dim)
        emb = F.normalize(emb, dim=-1)
        vocab = Vocabulary(texts, [r[1] for r in rows], [r[2] for r in rows], emb, source)
        _VOCABULARIES[model] = vocab
    return vocab


def default_split(prompt: str) -> Split | None:
    """The split a prompt is judged by without decoding (a :data:`PART_CONNECTORS` one), or None."""
    split = split_prompt(prompt)
    return split if split is not None and split.connector in PART_CONNECTORS else None


def closeness(
    model: MotionCLIP,
    prompts: Sequence[str],
    k: int = NEAREST,
    threshold: float = FAR_COSINE,
    splits: Sequence[Split | None] | None = None,
) -> list[Closeness]:
    """How close each prompt is to the model's training descriptions (see the module docstring).

    A prompt with a split (``splits``, one per prompt, e.g. the prompts ``generate`` composed;
    by default those joined by "while", ``prompt_split.split_prompt``) that is not itself a training
    sentence (cosine below :data:`EXACT_COSINE`) is as close as its farther part: "a person sits
    down while waving the right hand" is far because sitting is."""
    if k < 1:
        raise MotionCLIPError(f"k must be at least 1, got {k}")
    items = [p.strip() for p in prompts]
    if splits is None:
        splits = [default_split(p) for p in items]
    if len(splits) != len(items):
        raise MotionCLIPError(f"{len(splits)} splits for {len(items)} prompts")
    texts = list(dict.fromkeys(items + [t for s in splits if s is not None for t in (s.first, s.second)]))
    vocab = vocabulary(model)
    found = dict(zip(texts, vocab.nearest(model.encode_text(texts), k))) if texts else {}
    out = []
    for prompt, split in zip(items, splits):
        result = Closeness(prompt, tuple(found[prompt]), threshold)
        if split is not None and result.cosine < EXACT_COSINE:
            worst = min((split.first, split.second), key=lambda t: found[t][0].cosine if found[t] else -1.0)
            result = Closeness(prompt, tuple(found[worst]), threshold, worst)
        out.append(result)
    return out


def notes(results: Sequence[Closeness]) -> list[str]:
    """The note lines of the far prompts."""
    return [c.note for c in results if c.note]


if __name__ == "__main__":  # the calibration tool keeps this module's name as its command
    from motionclip.apps.vocabulary_calibration import main

    main()
