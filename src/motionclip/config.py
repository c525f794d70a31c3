"""Every tunable number of the project, in typed dataclasses (one place).

Training reads a YAML file and/or ``key=value`` overrides into :class:`TrainRunConfig`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from motionclip.errors import MotionCLIPError


@dataclass
class DataConfig:
    """How takes become training windows."""

    fps: float = 30.0
    window: int = 60
    stride: int = 20
    seed: int = 0
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    phrasings: int = 14  # descriptions per (content, style): labels.DEFAULT_PHRASINGS
    # How takes become the model's skeleton: "canonical-v1" (any humanoid rig through joint
    # positions onto one body and one rotation convention, motionclip.data.body) or "rig"
    # (the files' own skeleton and rotations, as caches before the canonical body).
    body: str = "canonical-v1"


@dataclass
class TransformerConfig:
    """The transformer auto-encoder's architecture (defaults from the paper / official code)."""

    # The latent lives in the embedding backend's space, so it has the backend's size: train()
    # builds its model with ``backend.dim`` (on a copy; the run's config is not changed).
    latent_dim: int = 512
    num_layers: int = 8  # encoder layers; the decoder has as many
    num_heads: int = 4
    ff_size: int = 1024
    dropout: float = 0.1
    activation: str = "gelu"
    max_frames: int = 1000
    # Decode the latent's direction only (z / |z| * sqrt(D)). The alignment losses fix only
    # directions, so a unit text embedding then decodes exactly like a motion latent.
    # Checkpoints written before this option existed load with False.
    unit_latent: bool = True
    # Std (frames) of a fixed Gaussian low-pass over time on the decoder's output, against
    # frame-to-frame jitter (motionclip.model.smoothing); 0 = none, as in checkpoints before it.
    output_smoothing: float = 0.0


@dataclass
class GenerationConfig:
    """How text latents are decoded (see :mod:`motionclip.generation.latent_bank`).

    ``bank_weight`` 0 decodes the text embedding itself (the paper); 1 decodes a training
    latent near it; in between, their spherical interpolation. Stored in checkpoints.
    The neighbour is drawn among the ``top_k`` most similar of the ``pool`` nearest bank
    windows whose decoded limb activity is at least the ``active_quantile`` of the pool's
    (0 = any window; needs a checkpoint that recorded the bank's activity). A pool wider
    than ``top_k`` reaches other labels' windows where a label has few (dataset-1 pairs
    have one take): with 64, judge content accuracy on those prompts fell from 58 to 45 %.
    """

    bank_weight: float = 0.75
    top_k: int = 16
    temperature: float = 0.05
    pool: int = 16
    active_quantile: float = 0.25


@dataclass
class ModelConfig:
    """Everything needed to rebuild a :class:`~motionclip.model.MotionCLIP` (in the style of Hugging
    Face's ``CLIPConfig``): the architecture, the embedding backend whose space the latent lives in,
    the motion sampling the model was trained on, and how texts are decoded. Stored whole in
    checkpoints (format v2); the weights and normalisation statistics travel as tensors."""

    architecture: TransformerConfig = field(default_factory=TransformerConfig)
    backend: str = "minilm"  # embedding backend name (motionclip.text.BACKENDS)
    backend_model: str | None = None  # its weights (a local folder or hub id); None = the backend's default
    fps: float = 30.0  # frame rate of the training windows
    window: int = 60  # frames per training window
    trained_frames: int | None = None  # longest clip the decoder was trained on; None = ``window``
    # The text/image losses align only directions, so training latents keep their own length;
    # unit-norm text embeddings are scaled to this mean latent norm before decoding (measured after training).
    latent_norm: float = 1.0
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    # The skeleton convention of the training data (DataConfig.body); inputs are put on it
    # before encoding. Checkpoints from before the canonical body load as "rig".
    body: str = "rig"

    def __post_init__(self) -> None:
        if self.trained_frames is None:
            self.trained_frames = self.window

    @property
    def latent_dim(self) -> int:
        return self.architecture.latent_dim


@dataclass
class LossConfig:
    """Loss weights (eq. 1-4 of the paper). Set a lambda to 0 to drop that term.

    ``recipe``: "normalised" measures reconstruction in the data's own units (limbs count
    as much as the root path; see :mod:`motionclip.training.losses`), "paper" uses the raw
    terms. ``velocity`` weighs feature and joint velocities alike.
    """

    recipe: str = "normalised"
    rotation: float = 1.0
    position: float = 1.0
    velocity: float = 10.0  # the paper's 1 is for raw units (preset "paper")
    acceleration: float = 0.0  # root-relative joint accelerations (normalised recipe)
    limb_velocity: float = 0.0  # root-relative joint velocities, each joint in its own units (normalised recipe)
    limb_speed: float = 0.0  # each joint's mean speed over the window, phase-free (normalised recipe)
    trajectory: float = 0.1  # root path (normalised recipe; the paper's has it inside rotation/position)
    text: float = 0.01
    image: float = 0.01
    contrastive: float = 0.0  # InfoNCE between motion latents and texts in the batch
    temperature: float = 0.07  # of the contrastive loss (CLIP's initial logit scale 1/0.07)
    text_reconstruction: float = 0.0  # also decode the text embedding and reconstruct the clip from it


@dataclass
class TrainConfig:
    lr: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0  # linear warm-up from 0 to lr
    lr_schedule: str = "constant"  # or "cosine": decay to lr/10 at max_steps (needs max_steps > 0)
    batch_size: int = 32
    max_epochs: int = 100
    max_steps: int = -1
    max_minutes: float = 0.0  # stop after this much wall time (0 = no limit)
    seed: int = 0
    num_workers: int = 0
    jitter: bool = True  # random window offset within a take at train time
    # variable-length training: clips of clip_min_frames..clip_max_frames (0 = the cache's window)
    clip_min_frames: int = 0
    clip_max_frames: int = 0
    init_from: str | None = None  # start from a model checkpoint's weights (fine-tuning)
    checkpoint_every: int = 1000  # steps
    val_every_epochs: int = 1
    precision: str = "auto"  # auto = bf16-mixed where the hardware has bf16 units, else 32-true
    accelerator: str = "cpu"
    devices: int = 1
    strategy: str = "auto"
    log_every: int = 20


@dataclass
class TrainRunConfig:
    backend: str = "minilm"
    clip_model: str | None = None
    text_table: str | None = None  # precomputed embeddings (motionclip.text.table) instead of the model
    model: TransformerConfig = field(default_factory=TransformerConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class Limits:
    """What one request may ask, checked (by ``motionclip.apps``) before any work starts.

    The CLI and the Python API use :data:`LIMITS`; the web server passes its stricter
    :class:`motionclip.web.limits.ServingLimits` (a subclass) to the same checks.
    """

    max_text_chars: int = 500  # a prompt, class name or style text
    max_steps: int = 64  # interpolation: motions along the path, both ends included
    max_samples: int = 64  # motions per prompt
    max_classes: int = 1000  # zero-shot classes per request
    max_scale: float = 10.0  # |edit strength|
    max_seconds: float = 60.0  # one generated motion
    max_seeds: int = 20  # ``eval seeds``
    max_seed: int = 2**63 - 1  # a generation seed (torch generators take 64-bit seeds)


LIMITS = Limits()

RECIPES = ("normalised", "paper")

# Named starting points for ``motionclip train --preset``; key=value overrides apply on top.
PRESETS: dict[str, list[str]] = {
    # The paper's settings: 8+8 layers, lr 1e-4, raw loss terms, text/image weight 0.01.
    "paper": ["loss.recipe=paper", "loss.velocity=1", "model.unit_latent=false"],
    # The shipped checkpoint's recipe (trainable on a 2-core CPU).
    # Dropout is off: on CPU its random masks took a quarter of every step (profiled),
    # and the short CPU budget is far from overfitting.
    "shipped": [
        "model.num_layers=3",
        "model.dropout=0",
        "train.lr=3e-4",
        "train.batch_size=128",
        # the normalised reconstruction terms are ~1, so alignment needs a weight of that order
        "loss.text=1.0",
        "loss.contrastive=0.1",
        # a pretrained decoder already moves its limbs; weigh the root path like a pose term
        "loss.trajectory=1.0",
        # the loss of the shipped checkpoint's last fine-tunes (docs/experiments/shipped-checkpoint.md):
        # velocities and second differences weigh more than a pose (against damped waves and
        # jitter), each joint's velocity in its own units, and each joint's phase-free mean speed
        "loss.velocity=30",
        "loss.acceleration=150",
        "loss.limb_velocity=5",
        "loss.limb_speed=20",
        # a fixed temporal Gaussian on the decoder output against frame-to-frame jitter
        "model.output_smoothing=0.7",
    ],
}
DEFAULT_PRESET = "shipped"
"""What ``motionclip train`` and the studies use without ``--preset``: the recipe that learns on
small data too (the plain defaults, with the paper's 0.01 text weight, learn no text alignment
there); ``--preset none`` gives the plain defaults."""


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _coerce(value: str, target: Any) -> Any:
    if isinstance(target, bool):
        low = value.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    if isinstance(target, int):
        return int(value)
    if isinstance(target, float):
        return float(value)
    if target is None:
        return None if value.lower() in ("none", "null") else value
    return value


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build dataclass ``cls`` from nested dicts, rejecting unknown keys."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            raise MotionCLIPError(f"unknown config key {key!r} for {cls.__name__}; known: {', '.join(names)}")
        default = getattr(cls(), key)
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise MotionCLIPError(f"config section {cls.__name__}.{key} must be a mapping, got {value!r}")
            kwargs[key] = from_dict(type(default), value)
        else:
            kwargs[key] = _typed(cls, key, value, default)
    return cls(**kwargs)


def _typed(cls: type, key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the field's default (text is parsed as on the command line);
    a value of another type is a one-line error, not a crash deep inside the model."""
    if isinstance(value, str) and not isinstance(default, str):
        try:
            return _coerce(value, default)
        except ValueError as exc:
            raise MotionCLIPError(f"config key {cls.__name__}.{key}: {exc}") from None
    kinds: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}
    want = next((v for k, v in kinds.items() if isinstance(default, k)), None)
    if default is None or want is None:
        return value
    if not isinstance(value, want) or (isinstance(value, bool) and not isinstance(default, bool)):
        raise MotionCLIPError(
            f"config key {cls.__name__}.{key} must be {type(default).__name__}, got {type(value).__name__} {value!r}"
        )
    return float(value) if isinstance(default, float) and isinstance(value, (int, float)) else value


ACTIVATIONS = ("gelu", "relu")


def check_active_quantile(value: float, name: str = "generation.active_quantile") -> None:
    """The neighbour draw's activity quantile: in [0, 1) (NaN is refused)."""
    if not 0.0 <= value < 1.0:
        raise MotionCLIPError(f"{name} must be in [0, 1), got {value}")


def validate_generation_config(g: GenerationConfig) -> None:
    """Ranges of the decoding settings a checkpoint stores."""
    import math

    if not (math.isfinite(g.bank_weight) and 0.0 <= g.bank_weight <= 1.0):
        raise MotionCLIPError(f"generation.bank_weight must be in [0, 1], got {g.bank_weight}")
    if g.top_k < 1:
        raise MotionCLIPError(f"generation.top_k must be >= 1, got {g.top_k}")
    if not (math.isfinite(g.temperature) and g.temperature > 0):
        raise MotionCLIPError(f"generation.temperature must be > 0, got {g.temperature}")
    if g.pool < 1:
        raise MotionCLIPError(f"generation.pool must be >= 1, got {g.pool}")
    check_active_quantile(g.active_quantile)


def _validate_layers(m: TransformerConfig) -> None:
    """The architecture settings checked alike for a training run and a checkpoint (all but
    the latent size, which a run takes from its backend)."""
    import math

    if m.num_layers < 1 or m.num_heads < 1 or m.ff_size < 1:
        raise MotionCLIPError("model.num_layers, num_heads and ff_size must be >= 1")
    if not (math.isfinite(m.dropout) and 0.0 <= m.dropout < 1.0):
        raise MotionCLIPError(f"model.dropout must be in [0, 1), got {m.dropout}")
    if m.activation not in ACTIVATIONS:
        raise MotionCLIPError(f"model.activation must be one of {', '.join(ACTIVATIONS)}, got {m.activation!r}")
    if not (math.isfinite(m.output_smoothing) and 0.0 <= m.output_smoothing <= 10.0):
        raise MotionCLIPError(f"model.output_smoothing must be in [0, 10] frames, got {m.output_smoothing}")


BODIES = ("canonical-v1", "rig")


def check_body(body: str, where: str = "data.body") -> str:
    if body not in BODIES:
        raise MotionCLIPError(f"{where}: unknown body convention {body!r}; choose {', '.join(BODIES)}")
    return body


def validate_model_config(m: TransformerConfig) -> None:
    """Ranges of the architecture settings of a checkpoint (a run's latent_dim is only set
    from the backend when it trains, so :func:`validate_run_config` checks the layers only)."""
    _validate_layers(m)
    if m.max_frames < 1 or m.latent_dim < 1:
        raise MotionCLIPError(f"model.max_frames and latent_dim must be >= 1, got {m.max_frames}, {m.latent_dim}")
    if m.latent_dim % m.num_heads:
        raise MotionCLIPError(f"model.num_heads={m.num_heads} must divide latent_dim={m.latent_dim}")


def apply_overrides(cfg: Any, overrides: list[str]) -> Any:
    """Apply ``section.key=value`` strings (e.g. ``train.lr=3e-4``) in place."""
    for item in overrides:
        if "=" not in item:
            raise MotionCLIPError(f"override {item!r} must look like key=value (e.g. train.lr=3e-4)")
        key, value = item.split("=", 1)
        obj = cfg
        parts = key.strip().split(".")
        for part in parts[:-1]:
            if not hasattr(obj, part):
                raise MotionCLIPError(f"unknown config section {part!r} in {key!r}")
            obj = getattr(obj, part)
        leaf = parts[-1]
        if not dataclasses.is_dataclass(obj) or leaf not in {f.name for f in dataclasses.fields(obj)}:
            raise MotionCLIPError(f"unknown config key {key!r}")
        try:
            setattr(obj, leaf, _coerce(value, getattr(obj, leaf)))
        except ValueError as exc:
            raise MotionCLIPError(f"bad value for {key}: {exc}") from None
    return cfg


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
        base = to_dict(cfg)
        for section, values in data.items():
            if isinstance(values, dict) and isinstance(base.get(section), dict):
                base[section].update(values)
            else:
                base[section] = values
        cfg = from_dict(TrainRunConfig, base)
    cfg = apply_overrides(cfg, overrides)
    validate_run_config(cfg)
    return cfg


def validate_run_config(cfg: TrainRunConfig) -> None:
    """Reject settings that would only fail later (or silently train nothing)."""
    import math

    t, m = cfg.train, cfg.model
    if t.batch_size < 1:
        raise MotionCLIPError(f"train.batch_size must be >= 1, got {t.batch_size}")
    if not (math.isfinite(t.lr) and t.lr > 0):
        raise MotionCLIPError(f"train.lr must be a positive number, got {t.lr}")
    if not (math.isfinite(t.weight_decay) and t.weight_decay >= 0):
        raise MotionCLIPError(f"train.weight_decay must be >= 0, got {t.weight_decay}")
    if t.devices < 1:
        raise MotionCLIPError(f"train.devices must be >= 1, got {t.devices}")
    _validate_layers(m)
    weights = (
        "rotation", "position", "velocity", "acceleration", "limb_velocity", "limb_speed", "trajectory", "text",
        "image", "contrastive",
    )  # fmt: skip
    for name in (*weights, "text_reconstruction"):
        w = getattr(cfg.loss, name)
        if not (math.isfinite(w) and w >= 0):
            raise MotionCLIPError(f"loss.{name} must be a number >= 0, got {w}")
    if cfg.loss.recipe not in RECIPES:
        raise MotionCLIPError(f"loss.recipe must be one of {', '.join(RECIPES)}, got {cfg.loss.recipe!r}")
    if cfg.loss.temperature <= 0 or cfg.loss.temperature != cfg.loss.temperature:
        raise MotionCLIPError(f"loss.temperature must be > 0, got {cfg.loss.temperature}")
    if cfg.train.lr_schedule not in ("constant", "cosine"):
        raise MotionCLIPError(f"train.lr_schedule must be constant or cosine, got {cfg.train.lr_schedule!r}")
    if cfg.train.lr_schedule == "cosine" and cfg.train.max_steps <= 0:
        raise MotionCLIPError("train.lr_schedule=cosine needs train.max_steps > 0")
    lo, hi = cfg.train.clip_min_frames, cfg.train.clip_max_frames
    if (lo or hi) and not (2 <= lo <= hi <= cfg.model.max_frames):
        raise MotionCLIPError(
            f"train.clip_min_frames/clip_max_frames must satisfy 2 <= min <= max <= model.max_frames "
            f"({cfg.model.max_frames}), got {lo}..{hi}"
        )
    if cfg.train.warmup_steps < 0:
        raise MotionCLIPError(f"train.warmup_steps must be >= 0, got {cfg.train.warmup_steps}")
