"""Seed study: how much of a result is the random seed.

N runs differ only in ``train.seed`` (weights init, batch order, jitter); the data split
is fixed by the cache. Reported: zero-shot content top-1 on the validation split per seed,
its mean and sample standard deviation (n - 1; 0 for a single run).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from motionclip.apps.eval.run import evaluate_core
from motionclip.apps.eval.studies import budget_config, realism_row, study_inputs, train_or_load
from motionclip.errors import MotionCLIPError
from motionclip.io_utils import atomic_write_text
from motionclip.limits import LIMITS

MAX_SEEDS = LIMITS.max_seeds
SPREAD_KEYS = ("content_top1", "content_top5", "style_top1", "mpjpe_mm", "limb_ratio_mean", "limb_ratio_min")


def _mean_std(values: list[float | None]) -> dict[str, float | None]:
    """Mean and sample standard deviation (n - 1; 0 for one run) of the defined values."""
    xs = [v for v in values if v is not None]
    if not xs:
        return {"mean": None, "std": None}
    return {"mean": statistics.fmean(xs), "std": statistics.stdev(xs) if len(xs) > 1 else 0.0}


def run_seeds(
    data: str | Path,
    n: int,
    budget_steps: int,
    out_dir: str | Path,
    overrides: list[str] | None = None,
    split: str = "val",
    progress: bool = True,
    log: Callable[[str], Any] = print,
    preset: str | None = None,
) -> dict[str, Any]:
    """Train seeds ``0..n-1`` under ``out_dir/seed-<s>`` and summarise val content top-1
    (and, in ``spread``, every per-run figure); ``preset`` is applied before ``overrides``."""
    if not 1 <= n <= MAX_SEEDS:
        raise MotionCLIPError(f"--n must be between 1 and {MAX_SEEDS}, got {n}")
    overrides = [o for o in (overrides or []) if not o.strip().startswith("train.seed=")]
    cache, backend = study_inputs(data, split, overrides, budget_steps, preset)
    runs = []
    for seed in range(n):
        run = budget_config(overrides, budget_steps, [f"train.seed={seed}"], preset)
        folder = Path(out_dir) / f"seed-{seed}"
        log(f"seed {seed}: {budget_steps} steps -> {folder}")
        model, reused = train_or_load(data, run, folder, backend, progress, log)
        core = evaluate_core(model, cache, split)
        zs = core["zero_shot"]
        runs.append(
            {
                "seed": seed,
                "folder": str(folder),
                "reused": reused,
                "content_top1": zs["content"]["overall"]["top1"],
                "content_top5": zs["content"]["overall"]["top5"],
                "style_top1": zs["style"]["overall"]["top1"],
                "mpjpe_mm": core["reconstruction"]["mpjpe_mm"],
                **realism_row(core),
            }
        )
    values = [r["content_top1"] for r in runs]
    spread = {key: _mean_std([r[key] for r in runs]) for key in SPREAD_KEYS}
    report = {
        "format": "motionclip-seeds-v1",
        "data": str(data),
        "split": split,
        "metric": f"zero-shot content top-1 on {split}",
        "budget_steps": budget_steps,
        "preset": preset,
        "overrides": overrides,
        "seeds": [r["seed"] for r in runs],
        "values": values,
        "mean": spread["content_top1"]["mean"],
        "std": spread["content_top1"]["std"],
        "spread": spread,
        "runs": runs,
    }
    atomic_write_text(Path(out_dir) / "seeds.json", json.dumps(report, indent=2) + "\n")
    return report
