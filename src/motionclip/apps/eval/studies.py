"""What the ablation and the seed study share: their inputs and the train-or-reuse of a run.

A run folder is reused only when its recorded config equals the requested one, so a
changed budget or override never silently reports numbers of an older run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from motionclip.config import from_dict, to_dict
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.training.config import TrainRunConfig, load_run_config


def budget_config(
    overrides: list[str], budget_steps: int, extra: list[str] | None = None, preset: str | None = None
) -> TrainRunConfig:
    """Config from a preset and overrides with a fixed step budget (epochs unlimited, no
    mid-run checkpoints)."""
    if budget_steps < 1:
        raise MotionCLIPError(f"--budget-steps must be at least 1, got {budget_steps}")
    # the budget goes in before validation, which checks settings against it (a cosine schedule)
    run = load_run_config(None, [*overrides, *(extra or []), f"train.max_steps={budget_steps}"], preset=preset)
    run.train.max_epochs = -1
    run.train.checkpoint_every = max(run.train.checkpoint_every, budget_steps + 1)
    return run


def study_inputs(
    data: str | Path, split: str, overrides: list[str], budget_steps: int, preset: str | None
) -> tuple[MotionCache, Any]:
    """The study's data, checked for ``split`` before any training, and one embedding backend
    for every run of it (loading MiniLM/CLIP once)."""
    from motionclip.training.setup import run_backend

    cache = MotionCache.load(data)
    cache.window_indices(split)
    return cache, run_backend(budget_config(overrides, budget_steps, preset=preset))


def _same_config(stored: dict[str, Any], run: TrainRunConfig, latent_dim: int) -> bool:
    """Whether a stored run config is the requested one. Fields the stored config lacks
    (added to the code after that run) count as their defaults, which is how it trained."""
    wanted = to_dict(run)
    wanted["model"]["latent_dim"] = latent_dim  # train() sets it from the backend
    try:
        completed = to_dict(from_dict(TrainRunConfig, stored))
    except (TypeError, ValueError, MotionCLIPError):
        return False
    return completed == wanted


def realism_row(core: dict[str, Any]) -> dict[str, float | None]:
    """Reconstructed limb-speed ratio (mean and min over content classes) of an evaluation:
    every accuracy figure of a study is reported beside how much the limbs move."""
    limb = core["reconstruction"]["realism"]["overall"]["limb_speed"]
    return {"limb_ratio_mean": limb["ratio_mean_over_contents"], "limb_ratio_min": limb["ratio_min_over_contents"]}


def train_or_load(
    data: str | Path,
    run: TrainRunConfig,
    folder: str | Path,
    backend: Any,
    progress: bool = True,
    log: Callable[[str], Any] = print,
) -> tuple[MotionCLIP, bool]:
    """The model of ``folder`` (trained now unless an identical run is already there)."""
    from motionclip.generation import load_model
    from motionclip.training.run import train

    folder = Path(folder)
    model_path, summary_path = folder / "model.safetensors", folder / "summary.json"
    reused = model_path.is_file() and summary_path.is_file()
    if reused:
        stored = json.loads(summary_path.read_text(encoding="utf-8")).get("config", {})
        if not _same_config(stored, run, backend.dim):
            raise MotionCLIPError(
                f"{folder} holds a run with a different config (budget, seed or overrides); "
                "use another --out folder or delete it"
            )
        log(f"reusing {model_path}")
    else:
        train(data, run, folder, progress=progress, backend=backend, log=log)
    model = load_model(model_path)
    model.set_backend(backend)
    return model, reused
