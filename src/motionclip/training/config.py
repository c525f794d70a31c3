"""A training run's configuration (:class:`TrainRunConfig`) and its named presets.

``motionclip train`` reads defaults, then a preset (:data:`PRESETS`, from ``presets.yaml``), then
a YAML file, then ``key=value`` overrides. Field ranges live in the fields
(:func:`motionclip.config.bounded`); :func:`validate_run_config` adds the checks that join fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import yaml

from motionclip.config import apply_overrides, bounded, check_fields, from_dict, to_dict
from motionclip.errors import MotionCLIPError
from motionclip.model.config import TransformerConfig

RECIPES = ("normalised", "paper")
# Older run files and scripts named the backend's weights ``clip_model``; read as ``backend_model``.
RENAMED = {"clip_model": "backend_model"}


@dataclass
class LossConfig:
    """Loss weights (eq. 1-4 of the paper). Set a lambda to 0 to drop that term.

    ``recipe``: "normalised" measures reconstruction in the data's own units (limbs count
    as much as the root path; see :mod:`motionclip.training.losses`), "paper" uses the raw
    terms. ``velocity`` weighs feature and joint velocities alike.
    """

    recipe: str = bounded("normalised", choices=RECIPES)
    rotation: float = bounded(1.0, ge=0)
    position: float = bounded(1.0, ge=0)
    velocity: float = bounded(10.0, ge=0)  # the paper's 1 is for raw units (preset "paper")
    acceleration: float = bounded(0.0, ge=0)  # root-relative joint accelerations (normalised recipe)
    limb_velocity: float = bounded(
        0.0, ge=0
    )  # root-relative joint velocities, each joint in its own units (normalised recipe)
    limb_speed: float = bounded(0.0, ge=0)  # each joint's mean speed over the window, phase-free (normalised recipe)
    trajectory: float = bounded(0.1, ge=0)  # root path (normalised recipe; the paper's has it inside rotation/position)
    text: float = bounded(0.01, ge=0)
    image: float = bounded(0.01, ge=0)
    contrastive: float = bounded(0.0, ge=0)  # InfoNCE between motion latents and texts in the batch
    temperature: float = bounded(0.07, gt=0)  # of the contrastive loss (CLIP's initial logit scale 1/0.07)
    text_reconstruction: float = bounded(0.0, ge=0)  # also decode the text embedding and reconstruct the clip from it


@dataclass
class TrainConfig:
    """How a run optimises: schedule, budget, checkpoints, precision and devices."""

    # run files and summaries written before the rename ("clip" also means CLIP here)
    RENAMED_KEYS: ClassVar[dict[str, str]] = {
        "clip_min_frames": "window_min_frames",
        "clip_max_frames": "window_max_frames",
    }

    lr: float = bounded(1e-4, gt=0)
    weight_decay: float = bounded(0.0, ge=0)
    warmup_steps: int = bounded(0, ge=0)  # linear warm-up from 0 to lr
    lr_schedule: str = bounded(
        "constant", choices=("constant", "cosine")
    )  # or "cosine": decay to lr/10 at max_steps (needs max_steps > 0)
    batch_size: int = bounded(32, ge=1)
    max_epochs: int = 100
    max_steps: int = -1
    max_minutes: float = bounded(0.0, ge=0)  # stop after this much wall time (0 = no limit)
    seed: int = 0
    num_workers: int = bounded(0, ge=0)
    jitter: bool = True  # random window offset within a take at train time
    # variable-length training: windows of window_min_frames..window_max_frames (0 = the cache's window)
    window_min_frames: int = 0
    window_max_frames: int = 0
    init_from: str | None = None  # start from a model checkpoint's weights (fine-tuning)
    checkpoint_every: int = bounded(1000, ge=1)  # steps
    val_every_epochs: int = bounded(1, ge=1)
    precision: str = "auto"  # auto = bf16-mixed where the hardware has bf16 units, else 32-true
    accelerator: str = "cpu"
    devices: int = bounded(1, ge=1)
    strategy: str = "auto"
    log_every: int = bounded(20, ge=1)


@dataclass
class TrainRunConfig:
    """One training run: the embedding backend, the architecture (``model``), the loss and the
    optimisation. ``motionclip train`` builds it from a preset, a YAML file and overrides."""

    RENAMED_KEYS: ClassVar[dict[str, str]] = RENAMED  # run summaries written before the rename

    backend: str = "minilm"  # ModelConfig.backend of the checkpoint it writes
    backend_model: str | None = None  # its weights (a CLIP folder or hub id); ModelConfig.backend_model
    text_table: str | None = None  # precomputed embeddings (motionclip.text.table) instead of the model
    model: TransformerConfig = field(default_factory=TransformerConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def _presets() -> dict[str, list[str]]:
    """``presets.yaml`` as ``section.key=value`` overrides per preset name."""
    text = (resources.files("motionclip.training") / "presets.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {
        name: [f"{section}.{key}={value}" for section, values in sections.items() for key, value in values.items()]
        for name, sections in data.items()
    }


PRESETS: dict[str, list[str]] = _presets()
DEFAULT_PRESET = "shipped"
"""What ``motionclip train`` and the studies use without ``--preset``: the recipe that learns on
small data too (the plain defaults, with the paper's 0.01 text weight, learn no text alignment
there); ``--preset none`` gives the plain defaults."""


def _renamed(overrides: list[str]) -> list[str]:
    return [
        next((new + o[len(old) :] for old, new in RENAMED.items() if o.startswith(old + "=")), o) for o in overrides
    ]


def load_run_config(path: str | Path | None, overrides: list[str], preset: str | None = None) -> TrainRunConfig:
    """Defaults, then a preset, then a YAML file, then ``key=value`` overrides."""
    cfg = TrainRunConfig()
    if preset is not None and preset != "none":
        if preset not in PRESETS:
            raise MotionCLIPError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
        apply_overrides(cfg, PRESETS[preset])
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise MotionCLIPError(f"{path}: cannot read config ({exc})") from None
        if not isinstance(data, dict):
            raise MotionCLIPError(f"{path}: config must be a mapping")
        base: dict[str, Any] = to_dict(cfg)
        for key, values in data.items():
            section = RENAMED.get(str(key), str(key))
            if isinstance(values, dict) and isinstance(base.get(section), dict):
                base[section].update(values)
            else:
                base[section] = values
        cfg = from_dict(TrainRunConfig, base)
    cfg = apply_overrides(cfg, _renamed(overrides))
    validate_run_config(cfg)
    return cfg


def validate_run_config(cfg: TrainRunConfig) -> None:
    """Reject settings that would only fail later (or silently train nothing)."""
    check_fields(cfg.model, "model")
    check_fields(cfg.loss, "loss")
    check_fields(cfg.train, "train")
    if cfg.train.lr_schedule == "cosine" and cfg.train.max_steps <= 0:
        raise MotionCLIPError("train.lr_schedule=cosine needs train.max_steps > 0")
    lo, hi = cfg.train.window_min_frames, cfg.train.window_max_frames
    if (lo or hi) and not (2 <= lo <= hi <= cfg.model.max_frames):
        raise MotionCLIPError(
            f"train.window_min_frames/window_max_frames must satisfy 2 <= min <= max <= model.max_frames "
            f"({cfg.model.max_frames}), got {lo}..{hi}"
        )
