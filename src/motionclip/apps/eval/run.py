"""``motionclip eval run``: every metric of one checkpoint on one dataset split, as JSON.

Schema (``format: motionclip-eval-v1``)::

    {format, data, split, checkpoint, backend, windows, seconds,
     reconstruction: {mpjpe_mm, mpjpe_root_relative_mm, rotation_error_deg,
                      velocity_error_mm_per_frame, windows},
     zero_shot: {content|style: {overall: {top1, top5, n},
                                 per_dataset: {<name>: {top1, top5, n, classes}}}},
     retrieval: {text_to_motion|motion_to_text: {R@1, R@5, R@10, chance: {R@k},
                                                 queries, candidates}, hit},
     generation: null | {judge, prompts: {source, count},
                         generated: {content_acc, style_acc, fid, diversity, within_content_variety, n,
                                    realism, r_precision, reencoding_cosine},
                         real: {content_acc, style_acc, accuracy_on, fid, diversity,
                                within_content_variety, matched_n}}}

Protocol details live in :mod:`.metrics` and :mod:`.generation`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from motionclip.apps.eval import metrics
from motionclip.apps.windows import encode_windows, split_indices
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.io_utils import atomic_write_text

FORMAT = "motionclip-eval-v1"


def check_body(model: MotionCLIP, cache: MotionCache) -> None:
    """The cache's takes must be on the body the model reads (else every number is noise)."""
    if model.body != cache.body:
        raise MotionCLIPError(
            f"{cache.path} holds the {cache.body!r} body but the model reads the {model.body!r} body; prepare the "
            f"data with `motionclip data prepare --body {model.body}`"
        )


def evaluate_core(model: MotionCLIP, cache: MotionCache, split: str) -> dict[str, Any]:
    """Reconstruction, zero-shot recognition and retrieval (no judge needed)."""
    check_body(model, cache)
    idx = split_indices(cache, split)
    z = encode_windows(model, cache, idx)
    return {
        "windows": len(idx),
        "reconstruction": metrics.reconstruction(model, cache, idx, z),
        "zero_shot": metrics.zero_shot(model, cache, idx, z),
        "retrieval": metrics.retrieval(model, cache, idx, z),
    }


def evaluate(
    model: MotionCLIP,
    data: str | Path,
    split: str = "test",
    judge: str | Path | None = None,
    prompts: str | Path | None = None,
    checkpoint: str | None = None,
    bank_weight: float | None = None,
    durations: Sequence[float] = (),
) -> dict[str, Any]:
    """The full report for ``model`` on ``split`` of ``data`` (generation needs a judge)."""
    from motionclip.apps.eval.generation import generation_quality
    from motionclip.apps.eval.judge import check_judge, load_judge
    from motionclip.apps.eval.prompts import choose_prompts

    started = time.perf_counter()
    cache = MotionCache.load(data)
    idx = split_indices(cache, split)  # fail on a bad split before loading anything else
    j = None
    if judge is not None:
        j, jmeta = load_judge(judge)
        check_judge(jmeta, cache, judge)
    core = evaluate_core(model, cache, split)
    report: dict[str, Any] = {
        "format": FORMAT,
        "data": str(data),
        "split": split,
        "checkpoint": checkpoint or "shipped",
        "backend": model.backend_name,
        **core,
        "generation": None,
    }
    if j is not None:
        chosen, source = choose_prompts(cache, prompts, getattr(model, "meta", None))
        gen = generation_quality(model, j, cache, chosen, idx, bank_weight=bank_weight, durations=durations)
        report["generation"] = {"judge": str(judge), "prompts": {"source": source, "count": len(chosen)}, **gen}
    report["seconds"] = time.perf_counter() - started
    return report


def write_report(report: dict[str, Any], path: str | Path) -> Path:
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
    return Path(path)
