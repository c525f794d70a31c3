"""Zero-shot action recognition: which class text is closest to the motion's latent.

Like CLIP (and the paper's BABEL protocol), each class name becomes a text prompt, the
motion latent and prompt embeddings are compared by cosine similarity, and probabilities
are ``softmax(100 * cosine)`` (CLIP's learned logit scale, 100).

Prompt rule (``class_text``): a class that already contains a space is used verbatim
("a person kicks"); a known content label becomes ``labels.class_prompt`` ("walk" ->
"a person walks"), a known style label ``labels.style_prompt`` ("proud" -> "a proud
person moves"), and any other single word ``"a person <word>"``. Pass ``raw=True``
(``--raw``) to embed the class names exactly as given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from motionclip.apps.inputs import Reading, check_model, is_motion_path, latent_on_model, motion_latent, reading_of
from motionclip.data.io import read_motion
from motionclip.data.labels import CONTENT_PHRASES, STYLE_PHRASES, class_prompt, style_prompt
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.limits import LIMITS, Limits

LOGIT_SCALE = 100.0
# Best class cosine below which every offered class is "far" from the motion (``far_note``).
# Measured on real Bandai Namco files (``python -m motionclip.apps.vocabulary --motions
# ../shared/data/bandai-namco``, shipped checkpoint, 4 takes per content): with the training
# contents offered the best class scores 0.67-0.96 (median 0.80); with only actions absent from
# the data offered (assets/absent_actions.json) 0.27-0.53 (median 0.40). Same rule as the prompt
# note: max F1, midway between neighbouring scores, lowest on ties.
FAR_CLASS_COSINE = 0.60


@dataclass
class Prediction:
    rank: int
    label: str
    prompt: str
    cosine: float
    probability: float


def parse_classes(classes: str | Sequence[str], limits: Limits = LIMITS) -> list[str]:
    """Comma- (or newline-) separated string or list -> unique, non-empty class names (order kept),
    at most ``limits.max_classes`` of at most ``limits.max_text_chars`` characters."""
    parts = [classes] if isinstance(classes, str) else list(classes)
    items = [c for part in parts for c in re.split(r"[,\n]", part)]
    out = [c.strip() for c in items if c.strip()]
    if not out:
        raise MotionCLIPError('give at least one class, e.g. --classes "walk,run,kick"')
    if len(out) > limits.max_classes:
        raise MotionCLIPError(f"at most {limits.max_classes} classes, got {len(out)}")
    for name in out:
        if len(name) > limits.max_text_chars:
            raise MotionCLIPError(f"class name longer than {limits.max_text_chars} characters: {name[:40]!r}...")
    dupes = sorted({c for c in out if out.count(c) > 1})
    if dupes:
        raise MotionCLIPError(f"duplicate classes: {', '.join(dupes)}")
    return out


def class_text(name: str, raw: bool = False) -> str:
    """The prompt embedded for a class (see the module docstring)."""
    if raw or " " in name.strip():
        return name.strip()
    key = name.strip().lower()
    if key in CONTENT_PHRASES:
        return class_prompt(key)
    if key in STYLE_PHRASES:
        return style_prompt(key)
    return f"a person {key.replace('-', ' ').replace('_', ' ')}"


def check_top_k(top_k: int) -> int:
    from motionclip.checks import check_int

    return check_int(top_k, "--top-k")


def check_request(classes: str | Sequence[str], top_k: int, motion_file: str | Path | None = None) -> list[str]:
    """The class names, after checking the whole request (the CLI calls it before it
    loads the model; ``classify`` before it reads the file)."""
    check_top_k(top_k)
    labels = parse_classes(classes)
    if motion_file is not None:
        from motionclip.checks import check_path

        path = check_path(motion_file, "motion_file").expanduser()
        if not path.is_file():
            raise MotionCLIPError(f"{motion_file}: motion file not found")
        if not is_motion_path(path.name):
            raise MotionCLIPError(f"{motion_file}: not a motion file (.bvh, .bvh.gz or .npz)")
    return labels


def rank_classes(
    z: torch.Tensor, class_embeddings: torch.Tensor, labels: Sequence[str], prompts: Sequence[str], top_k: int = 5
) -> list[Prediction]:
    """Top-k classes for one latent (D,) against (C, D) prompt embeddings."""
    check_top_k(top_k)
    cos = F.normalize(class_embeddings.float(), dim=-1) @ F.normalize(z.float(), dim=-1)
    prob = torch.softmax(LOGIT_SCALE * cos, dim=0)
    order = torch.argsort(cos, descending=True)[: min(top_k, len(labels))]
    return [
        Prediction(r + 1, labels[i], prompts[i], float(cos[i]), float(prob[i])) for r, i in enumerate(order.tolist())
    ]


def classify(
    model: MotionCLIP,
    motion: str | Path | Motion,
    classes: str | Sequence[str],
    top_k: int = 5,
    raw: bool = False,
    joint_map: dict[str, str] | Reading | None = None,
    on_model: bool = False,
) -> list[Prediction]:
    """Zero-shot top-k classes of a motion of any rig: a file (.bvh, .bvh.gz, .npz) or a loaded
    :class:`Motion` (what every surface calls). ``joint_map`` (a map or an ``inputs.Reading``)
    names joints no rule finds and says how to read a file; ``on_model``: the motion is already
    on the model's body (``inputs.to_model_skeleton``; the web server maps uploads before it
    takes the model lock)."""
    check_model(model)
    if motion is None:
        raise MotionCLIPError("motion_file must be a path to a .bvh, .bvh.gz or .npz file (or a Motion), got None")
    if not isinstance(motion, Motion | str | Path):
        raise MotionCLIPError(
            f"motion must be a Motion (motionclip.read_bvh) or a file path, got {type(motion).__name__}"
        )
    if isinstance(motion, Motion):
        labels = check_request(classes, top_k)
        loaded = motion
    else:
        labels = check_request(classes, top_k, motion)  # before the file is read
        loaded = read_motion(Path(motion).expanduser(), up=reading_of(joint_map).up)
    z = latent_on_model(model, loaded) if on_model else motion_latent(model, loaded, joint_map)
    prompts = [class_text(c, raw) for c in labels]
    return rank_classes(z, model.encode_text(prompts), labels, prompts, top_k)


classify_motion = classify  # the name of the loaded-motion entry point before the two were one


def far_note(preds: Sequence[Prediction], threshold: float = FAR_CLASS_COSINE) -> str | None:
    """``note: ...`` when even the best offered class is far from the motion, else None."""
    if not preds:
        return None
    best = max(preds, key=lambda p: p.cosine)
    if best.cosine >= threshold:
        return None
    return (
        f"note: every offered class is far from the motion (best {best.label!r}, cos {best.cosine:.2f} < "
        f"{threshold:.2f}); it may show an action none of the classes names"
    )


def to_json(preds: Sequence[Prediction]) -> list[dict]:
    return [asdict(p) for p in preds]
