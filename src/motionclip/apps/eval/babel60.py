"""The paper's BABEL-60 zero-shot action recognition (MotionCLIP Table 2: 40.9 top-1,
57.7 top-5 on BABEL's validation set).

Protocol: the classes are the 60 action categories (``act_cat``) that label the most
segments of the prepared BABEL cache (all splits); every segment of the evaluated split
whose category is among them is classified among the 60 category names, embedded as
they are (``prompt`` template ``{}``), by cosine to the segment's latent. A segment's
latent is the mean of its windows' latents (segments shorter than the window were
widened to one window at ``data prepare``). Top-k is the share of segments whose true
category is among the k most similar. ``data prepare --source amass --labels babel``
puts BABEL's val.json in the ``test`` split, so the default split is the paper's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch
import torch.nn.functional as F

from motionclip.apps.windows import encode_windows, split_indices
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP

PAPER = {"top1": 0.409, "top5": 0.577}


def top_categories(cache: MotionCache, n: int = 60) -> list[str]:
    """The ``n`` categories labelling the most segments (ties: alphabetical)."""
    counts = Counter(cache.contents[int(c)] for c in cache.tensors["take_content"])
    return [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


@torch.no_grad()
def babel60(
    model: MotionCLIP, cache: MotionCache, split: str = "test", n_classes: int = 60, prompt: str = "{}"
) -> dict[str, Any]:
    """Top-1/top-5 zero-shot recognition over the ``n_classes`` most frequent categories."""
    if cache.meta.get("source") != "amass" or "babel" not in cache.datasets:
        raise MotionCLIPError(f"{cache.path}: not a BABEL cache (prepare it with --source amass --labels babel)")
    if n_classes < 2:
        raise MotionCLIPError(f"--classes must be at least 2, got {n_classes}")
    if "{}" not in prompt:
        raise MotionCLIPError(f"--prompt must contain {{}} where the category goes, got {prompt!r}")
    classes = top_categories(cache, n_classes)
    if len(classes) < 2:
        raise MotionCLIPError(f"{cache.path}: fewer than 2 action categories; nothing to recognise")
    idx = split_indices(cache, split)
    take = cache.tensors["window_take"][idx]
    content = cache.tensors["take_content"][take]
    lookup = {cache.contents.index(c): i for i, c in enumerate(classes)}
    keep = torch.tensor([int(c) in lookup for c in content])
    if not keep.any():
        raise MotionCLIPError(f"{cache.path}: no {split} segment belongs to the {len(classes)} categories")
    idx, take = idx[keep], take[keep]
    z = F.normalize(encode_windows(model, cache, idx), dim=-1)
    segments, inverse = torch.unique(take, return_inverse=True)
    zs = torch.zeros(len(segments), z.shape[1]).index_add_(0, inverse, z)
    truth = torch.tensor([lookup[int(cache.tensors["take_content"][s])] for s in segments])
    emb = F.normalize(model.encode_text([prompt.format(c) for c in classes]).float(), dim=-1)
    order = torch.argsort(F.normalize(zs, dim=-1) @ emb.T, dim=-1, descending=True)
    hits = {k: float((order[:, : min(k, len(classes))] == truth[:, None]).any(-1).float().mean()) for k in (1, 5)}
    return {
        "protocol": "BABEL-60 zero-shot action recognition (MotionCLIP paper, Table 2)",
        "data": str(cache.path),
        "split": split,
        "classes": len(classes),
        "segments": len(segments),
        "windows": len(idx),
        "top1": hits[1],
        "top5": hits[5],
        "chance": {"top1": 1 / len(classes), "top5": min(5, len(classes)) / len(classes)},
        "paper": PAPER,
        "prompt": prompt,
        "categories": classes,
    }
