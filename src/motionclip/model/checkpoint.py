"""Model checkpoints: safetensors weights with a JSON description, never pickle.

One ``.safetensors`` file in the :data:`motionclip.tagged.MODEL_CHECKPOINT` format; its header
holds JSON with the model config, skeleton, backend name/dim, fps/window, training summary and
code version.
Normalisation statistics are buffers, stored with the weights.
"""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from motionclip.config import GenerationConfig, ModelConfig, from_dict, to_dict
from motionclip.data.skeleton import Skeleton
from motionclip.errors import CheckpointError, MotionCLIPError
from motionclip.model.motionclip import MotionCLIP
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

    meta = {
        "code_version": __version__,
        "model": to_dict(model.cfg),
        "skeleton": model.skeleton.to_dict(),
        "backend": _backend_entry(model, Path(path)),
        "fps": model.fps,
        "window": model.window,
        "trained_frames": model.trained_frames,
        "latent_norm": model.latent_norm,
        "generation": to_dict(model.generation),
        "dtype": "float16" if half else "float32",
        **(extra or {}),
    }
    state = {
        k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu()
        for k, v in model.state_dict().items()
    }
    return write_tagged(MODEL_CHECKPOINT, path, state, meta)


def _backend_entry(model: MotionCLIP, path: Path) -> dict[str, Any]:
    """The backend's name, weights and size; a local weights folder is also stored relative
    to the checkpoint, so a run folder copied elsewhere (with its model folder) still loads."""
    entry: dict[str, Any] = {"name": model.backend_name, "model": model.backend_model, "dim": model.latent_dim}
    if model.backend_model:
        local = Path(model.backend_model).expanduser()
        if local.is_dir():
            with contextlib.suppress(ValueError):  # other drive (Windows): no relative path
                entry["model_relative"] = os.path.relpath(local.resolve(), path.resolve().parent)
    return entry


def resolve_backend_model(meta: dict[str, Any], path: Path, override: str | None = None) -> str | None:
    """The backend weights to load: ``override`` (--backend-model), else the stored location,
    else the stored location relative to the checkpoint (when the first does not exist)."""
    if override is not None:
        return override
    backend = meta.get("backend") or {}
    stored, relative = backend.get("model"), backend.get("model_relative")
    if isinstance(relative, str) and (not stored or not Path(str(stored)).expanduser().exists()):
        candidate = path.resolve().parent / relative
        if candidate.is_dir():
            return str(candidate.resolve())
    return stored


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON description of a checkpoint, without loading weights."""
    _, meta, _ = read_tagged(MODEL_CHECKPOINT, path, CheckpointError, weights=False)
    return meta


def load_checkpoint(path: str | Path | None = None, device: str = "cpu", backend_model: str | None = None) -> MotionCLIP:
    """Load a checkpoint into a ready (eval mode) :class:`MotionCLIP`; None = shipped.

    ``backend_model`` overrides where the text backend's weights are (a CLIP directory or hub
    id), e.g. when the checkpoint came from another machine."""
    p = Path(path) if path is not None else shipped_checkpoint()
    if path is None and not p.exists():
        raise CheckpointError(f"the shipped checkpoint is missing from the installation ({p})")
    if p.is_dir():  # a training run folder
        p = p / "model.safetensors"
    meta = read_metadata(p)
    _check_metadata(meta, p)
    try:
        state = load_file(str(p))
        # checkpoints from before ``unit_latent`` decoded raw latents
        cfg = from_dict(ModelConfig, {"unit_latent": False, **meta["model"]})
        skeleton = Skeleton.from_dict(meta["skeleton"])
        model = MotionCLIP(
            cfg,
            skeleton,
            backend_name=meta["backend"]["name"],
            backend_model=resolve_backend_model(meta, p, backend_model),
            fps=meta["fps"],
            window=meta["window"],
            latent_norm=float(meta.get("latent_norm", 1.0)),
            bank_size=int(state["bank_codes"].shape[0]) if "bank_codes" in state else 0,
            generation=from_dict(GenerationConfig, meta.get("generation") or {}),
            trained_frames=int(meta.get("trained_frames") or meta["window"]),
        )
        for key in ("bank_codes", "bank_scale", "bank_take", "bank_start"):  # older checkpoints lack them
            if key not in state:
                state = {**state, key: getattr(model, key)}
        state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        model.load_state_dict(state, strict=True, assign=True)
    except (SafetensorError, KeyError, RuntimeError, TypeError, ValueError, AttributeError, MotionCLIPError) as exc:
        raise CheckpointError(f"{p}: checkpoint does not match the model ({exc})") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{p}: checkpoint has NaN or infinite values in {', '.join(bad[:3])}")
    model.meta = meta
    return model.to(device).eval()


def _check_metadata(meta: dict[str, Any], p: Path) -> None:
    """Types and ranges of the JSON description, so a hand-edited or foreign file fails
    at load with its own message rather than later in a model call."""
    import math

    def fail(what: str) -> NoReturn:
        raise CheckpointError(f"{p}: checkpoint metadata: {what}")

    if not isinstance(meta.get("model"), dict):
        fail("'model' must be an object")
    backend = meta.get("backend")
    if not isinstance(backend, dict) or not isinstance(backend.get("name"), str):
        fail("'backend' must be an object with a 'name'")
    if backend["name"] not in KNOWN_BACKENDS:
        fail(f"unknown backend {backend['name']!r} (known: {', '.join(KNOWN_BACKENDS)})")
    fps, window = meta.get("fps"), meta.get("window")
    if not isinstance(fps, (int, float)) or isinstance(fps, bool) or not math.isfinite(fps) or fps <= 0:
        fail(f"'fps' must be a positive number, got {fps!r}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 2:
        fail(f"'window' must be an integer >= 2, got {window!r}")
    norm = meta.get("latent_norm", 1.0)
    if not isinstance(norm, (int, float)) or not math.isfinite(norm) or norm <= 0:
        fail(f"'latent_norm' must be a positive number, got {norm!r}")
    if not isinstance(meta.get("skeleton"), dict):
        fail("'skeleton' must be an object")
    if meta.get("generation") is not None and not isinstance(meta["generation"], dict):
        fail("'generation' must be an object")
