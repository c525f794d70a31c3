"""The paper's loss ablation (Table 3 shape): full model vs. without text / image loss.

"Without text loss" drops every term that uses the text: the paper's cosine and, where a
recipe adds them, InfoNCE and the text-decoding branch (dropping the cosine alone from the
shipped recipe leaves InfoNCE aligning the latents with the texts).

Every variant trains with the same overrides and the same step budget, then is scored on
one split: reconstruction MPJPE, zero-shot content/style top-1/top-5 and text->motion R@5.
The "no image loss" row needs a backend with an image tower (CLIP); with a text-only
backend (MiniLM) the full model already has no image loss, so that row is reported as n/a.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from motionclip.apps.eval.run import evaluate_core
from motionclip.apps.eval.studies import budget_config, realism_row, study_inputs, train_or_load
from motionclip.io_utils import atomic_write_text

VARIANTS: tuple[tuple[str, str, list[str]], ...] = (
    ("full", "full (all losses)", []),
    # every text term: the cosine (the paper's), InfoNCE and the text-decoding branch
    ("no-text", "without text loss", ["loss.text=0", "loss.contrastive=0", "loss.text_reconstruction=0"]),
    ("no-image", "without image loss", ["loss.image=0"]),
)


def table_row(core: dict[str, Any]) -> dict[str, float]:
    """The Table-3 numbers of one evaluated model."""
    zs = core["zero_shot"]
    return {
        "mpjpe_mm": core["reconstruction"]["mpjpe_mm"],
        "content_top1": zs["content"]["overall"]["top1"],
        "content_top5": zs["content"]["overall"]["top5"],
        "style_top1": zs["style"]["overall"]["top1"],
        "style_top5": zs["style"]["overall"]["top5"],
        "t2m_R@5": core["retrieval"]["text_to_motion"]["R@5"],
        **realism_row(core),
    }


def run_ablation(
    data: str | Path,
    budget_steps: int,
    out_dir: str | Path,
    overrides: list[str] | None = None,
    split: str = "test",
    progress: bool = True,
    log: Callable[[str], Any] = print,
    preset: str | None = None,
) -> dict[str, Any]:
    """Train (or reuse) each variant under ``out_dir/<variant>`` and score it; ``preset``
    (e.g. "shipped") is applied before ``overrides``."""
    import json

    overrides = list(overrides or [])
    cache, backend = study_inputs(data, split, overrides, budget_steps, preset)
    rows: list[dict[str, Any]] = []
    for key, name, extra in VARIANTS:
        row: dict[str, Any] = {"variant": key, "name": name, "overrides": extra}
        if key == "no-image" and not backend.has_image:
            row.update(
                available=False,
                reason=f"backend {backend.name!r} has no image tower, so the full model has no image loss either",
            )
            rows.append(row)
            continue
        run = budget_config(overrides, budget_steps, extra, preset)
        log(f"{name}: {budget_steps} steps -> {Path(out_dir) / key}")
        model, reused = train_or_load(data, run, Path(out_dir) / key, backend, progress, log)
        core = evaluate_core(model, cache, split)
        row.update(available=True, reused=reused, **table_row(core), details=core)
        rows.append(row)
    report = {
        "format": "motionclip-ablation-v1",
        "data": str(data),
        "split": split,
        "budget_steps": budget_steps,
        "preset": preset,
        "overrides": overrides,
        "backend": backend.name,
        "image_tower": bool(backend.has_image),
        "rows": rows,
    }
    atomic_write_text(Path(out_dir) / "ablation.json", json.dumps(report, indent=2) + "\n")
    return report
