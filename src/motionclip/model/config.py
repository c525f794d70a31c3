"""The network's configuration, stored whole in checkpoints (in the style of Hugging Face's
``configuration_clip.py``): the architecture, the embedding space, the sampling the model was
trained on and how texts decode. Ranges live in the fields (:func:`motionclip.config.bounded`);
:func:`validate_model_config` adds the checks that join two fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from motionclip.config import bounded, check_fields
from motionclip.data.config import BODIES
from motionclip.errors import MotionCLIPError

ACTIVATIONS = ("gelu", "relu")


@dataclass
class TransformerConfig:
    """The transformer auto-encoder's architecture (defaults from the paper / official code)."""

    # The latent lives in the embedding backend's space, so it has the backend's size: train()
    # builds its model with ``backend.dim`` (on a copy; the run's config is not changed).
    latent_dim: int = bounded(512, ge=1)
    num_layers: int = bounded(8, ge=1)  # encoder layers; the decoder has as many
    num_heads: int = bounded(4, ge=1)
    ff_size: int = bounded(1024, ge=1)
    dropout: float = bounded(0.1, ge=0, lt=1)
    activation: str = bounded("gelu", choices=ACTIVATIONS)
    max_frames: int = bounded(1000, ge=1)
    # Decode the latent's direction only (z / |z| * sqrt(D)). The alignment losses fix only
    # directions, so a unit text embedding then decodes exactly like a motion latent.
    # Checkpoints written before this option existed load with False.
    unit_latent: bool = True
    # Std (frames) of a fixed Gaussian low-pass over time on the decoder's output, against
    # frame-to-frame jitter (motionclip.model.smoothing); 0 = none, as in checkpoints before it.
    output_smoothing: float = bounded(0.0, ge=0, le=10)


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
    Drawing among the 4 most similar (not all 16) and decoding closer to the neighbour (0.9)
    was the best of 8 draws on phrasings outside the benchmark prompts
    (docs/experiments/draw-settings.md).
    """

    bank_weight: float = bounded(0.9, ge=0, le=1)
    top_k: int = bounded(4, ge=1)
    temperature: float = bounded(0.05, gt=0)
    pool: int = bounded(16, ge=1)
    active_quantile: float = bounded(0.25, ge=0, lt=1)


@dataclass
class ModelConfig:
    """Everything needed to rebuild a :class:`~motionclip.model.autoencoder.MotionAutoencoder` (in the style of Hugging
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
    body: str = bounded("rig", choices=BODIES)

    def __post_init__(self) -> None:
        if self.trained_frames is None:
            self.trained_frames = self.window

    @property
    def latent_dim(self) -> int:
        return self.architecture.latent_dim


def check_active_quantile(value: float, name: str = "generation.active_quantile") -> None:
    """The neighbour draw's activity quantile: in [0, 1) (NaN is refused)."""
    if not 0.0 <= value < 1.0:
        raise MotionCLIPError(f"{name} must be in [0, 1), got {value}")


def validate_generation_config(g: GenerationConfig) -> None:
    """Ranges of the decoding settings a checkpoint stores."""
    check_fields(g, "generation")


def validate_model_config(m: TransformerConfig) -> None:
    """Ranges of the architecture settings of a checkpoint (a run's latent_dim is only set
    from the backend when it trains, so a run's config checks the same fields but this join)."""
    check_fields(m, "model")
    if m.latent_dim % m.num_heads:
        raise MotionCLIPError(f"model.num_heads={m.num_heads} must divide latent_dim={m.latent_dim}")
