"""Model checkpoints: safetensors weights with a JSON description, never pickle.

One ``.safetensors`` file in the :data:`motionclip.tagged.MODEL_CHECKPOINT` format. Its header
holds JSON: format v2 stores the whole :class:`~motionclip.config.ModelConfig` under ``config``
(architecture, backend, fps, window, trained frames, latent norm, generation), the skeleton,
dtype, code version and the training summary. Format v1 (the shipped checkpoint; architecture
under ``model``, the rest as loose keys) still loads.
Normalisation statistics are buffers, stored with the weights.
"""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TypeGuard

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from motionclip.config import ModelConfig, from_dict, to_dict, validate_generation_config, validate_model_config
from motionclip.data.skeleton import Skeleton
from motionclip.errors import CheckpointError, MotionCLIPError, one_line
from motionclip.model.autoencoder import MotionCLIP
from motionclip.tagged import MODEL_CHECKPOINT, read_tagged, write_tagged

FORMAT = MODEL_CHECKPOINT.tag
KNOWN_BACKENDS = ("minilm", "clip")  # the registry's names (motionclip.text.BACKENDS)
SHIPPED_NAME = "motionclip-minilm.safetensors"


def shipped_checkpoint() -> Path:
    """Path of the checkpoint that ships inside the package."""
    return Path(str(resources.files("motionclip") / "assets" / SHIPPED_NAME))


def save_checkpoint(
    model: MotionCLIP, path: str | Path, extra: dict[str, Any] | None = None, half: bool = False
) -> Path:
    """Write ``model`` to ``path`` atomically; ``half`` stores float weights as fp16."""
    from motionclip import __version__

    meta: dict[str, Any] = {
        "code_version": __version__,
        "config": to_dict(model.config),
        "skeleton": model.skeleton.to_dict(),
        "dtype": "float16" if half else "float32",
        **(extra or {}),
    }
    relative = _relative_backend_model(model.backend_model, Path(path))
    if relative is not None:
        meta["backend_model_relative"] = relative
    state = {
        k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu() for k, v in model.state_dict().items()
    }
    return write_tagged(MODEL_CHECKPOINT, path, state, meta)


def _relative_backend_model(backend_model: str | None, path: Path) -> str | None:
    """A local backend weights folder relative to the checkpoint, so that a run folder copied
    elsewhere (with its model folder) still loads."""
    if backend_model and Path(backend_model).expanduser().is_dir():
        with contextlib.suppress(ValueError):  # other drive (Windows): no relative path
            return os.path.relpath(Path(backend_model).expanduser().resolve(), path.resolve().parent)
    return None


def resolve_backend_model(
    stored: str | None, relative: str | None, path: Path, override: str | None = None
) -> str | None:
    """The backend weights to load: ``override`` (--backend-model), else the stored location,
    else the stored location relative to the checkpoint (when the first does not exist)."""
    if override is not None:
        return override
    if isinstance(relative, str) and (not stored or not Path(str(stored)).expanduser().exists()):
        candidate = path.resolve().parent / relative
        if candidate.is_dir():
            return str(candidate.resolve())
    return stored


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON description of a checkpoint, without loading weights."""
    _, meta, _ = read_tagged(MODEL_CHECKPOINT, path, CheckpointError, weights=False)
    return meta


def load_checkpoint(
    path: str | Path | None = None, device: str = "cpu", backend_model: str | None = None
) -> MotionCLIP:
    """Load a checkpoint into a ready (eval mode) :class:`MotionCLIP`; None = shipped.

    ``backend_model`` overrides where the text backend's weights are (a CLIP directory or hub
    id), e.g. when the checkpoint came from another machine."""
    p = Path(path) if path is not None else shipped_checkpoint()
    if path is None and not p.exists():
        raise CheckpointError(f"the shipped checkpoint is missing from the installation ({p})")
    if p.is_dir():  # a training run folder
        p = p / "model.safetensors"
    _, meta, version = read_tagged(MODEL_CHECKPOINT, p, CheckpointError, weights=False)
    config_dict, relative = _config_dict(meta, version, p)
    _check_config(config_dict, p)
    if not isinstance(meta.get("skeleton"), dict):
        raise CheckpointError(f"{p}: checkpoint metadata: 'skeleton' must be an object")
    try:
        state = load_file(str(p))
        config: ModelConfig = from_dict(ModelConfig, config_dict)
        validate_model_config(config.architecture)
        validate_generation_config(config.generation)
        config.backend_model = resolve_backend_model(config.backend_model, relative, p, backend_model)
        skeleton = Skeleton.from_dict(meta["skeleton"])
        bank_size = int(state["bank_codes"].shape[0]) if "bank_codes" in state else 0
        model = MotionCLIP(config, skeleton, bank_size=bank_size)
        for key in ("bank_codes", "bank_scale", "bank_take", "bank_start", "bank_activity"):  # older lack them
            if key not in state:
                state = {**state, key: getattr(model, key)}
        state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        model.load_state_dict(state, strict=True, assign=True)
    except (SafetensorError, KeyError, RuntimeError, TypeError, ValueError, AttributeError, MotionCLIPError) as exc:
        raise CheckpointError(f"{p}: checkpoint does not match the model ({one_line(exc)})") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{p}: checkpoint has NaN or infinite values in {', '.join(bad[:3])}")
    model.meta = meta
    return model.to(device).eval()


def _config_dict(meta: dict[str, Any], version: int, p: Path) -> tuple[dict[str, Any], str | None]:
    """The :class:`ModelConfig` fields of a checkpoint (v1 kept them as loose keys) and the
    relative location of its backend weights."""
    if version >= 2:
        config = meta.get("config")
        if not isinstance(config, dict):
            raise CheckpointError(f"{p}: checkpoint metadata: 'config' must be an object")
        return config, meta.get("backend_model_relative")
    if not isinstance(meta.get("model"), dict):
        raise CheckpointError(f"{p}: checkpoint metadata: 'model' must be an object")
    backend = meta.get("backend")
    if not isinstance(backend, dict) or not isinstance(backend.get("name"), str):
        raise CheckpointError(f"{p}: checkpoint metadata: 'backend' must be an object with a 'name'")
    config = {
        # v1 checkpoints from before ``unit_latent`` decoded raw latents
        "architecture": {"unit_latent": False, **meta["model"]},
        "backend": backend["name"],
        "backend_model": backend.get("model"),
        "fps": meta.get("fps"),
        "window": meta.get("window"),
        "trained_frames": meta.get("trained_frames") or None,
        "latent_norm": meta.get("latent_norm", 1.0),
        "generation": meta.get("generation") or {},
    }
    return config, backend.get("model_relative")


def _check_config(config: dict[str, Any], p: Path) -> None:
    """Types and ranges of the stored config, so a hand-edited or foreign file fails
    at load with its own message rather than later in a model call."""
    import math

    def fail(what: str) -> NoReturn:
        raise CheckpointError(f"{p}: checkpoint metadata: {what}")

    def number(value: Any) -> TypeGuard[float]:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    if not isinstance(config.get("architecture"), dict):
        fail("'architecture' must be an object")
    name = config.get("backend")
    if not isinstance(name, str):
        fail("'backend' must be a backend name")
    if name not in KNOWN_BACKENDS:
        fail(f"unknown backend {name!r} (known: {', '.join(KNOWN_BACKENDS)})")
    if not isinstance(config.get("backend_model"), (str, type(None))):
        fail("'backend_model' must be a string or null")
    fps, window, frames = config.get("fps"), config.get("window"), config.get("trained_frames")
    if not number(fps) or fps <= 0:
        fail(f"'fps' must be a positive number, got {fps!r}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 2:
        fail(f"'window' must be an integer >= 2, got {window!r}")
    if frames is not None and (not isinstance(frames, int) or isinstance(frames, bool) or frames < window):
        fail(f"'trained_frames' must be an integer >= window, got {frames!r}")
    norm = config.get("latent_norm", 1.0)
    if not number(norm) or norm <= 0:
        fail(f"'latent_norm' must be a positive number, got {norm!r}")
    if not isinstance(config.get("generation", {}), dict):
        fail("'generation' must be an object")
