"""Model checkpoints: safetensors weights with a JSON description, never pickle.

One ``.safetensors`` file in the :data:`motionclip.tagged.MODEL_CHECKPOINT` format. Its header
holds JSON: formats v2 and v3 store the whole :class:`~motionclip.model.config.ModelConfig` under
``config`` (architecture, backend, fps, window, trained frames, latent norm, generation), the
skeleton, dtype, code version and the training summary. Format v1 (architecture under ``model``,
the rest as loose keys) still loads.
Normalisation statistics are buffers, stored with the weights.

Loading is strict: the file must hold exactly the model's tensors, in the model's shapes. The
only exceptions are tensors that did not exist when an older format version was written
(the model class's ``OPTIONAL_TENSORS``, e.g. the latent bank of
:class:`motionclip.generation.MotionCLIP`); those get the model's empty values. A file of the
current version that lacks any tensor is damaged and refused.
"""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path, PurePath
from typing import Any, NoReturn, TypeGuard, TypeVar

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from motionclip.config import from_dict, to_dict
from motionclip.data.config import BODIES
from motionclip.data.skeleton import Skeleton
from motionclip.errors import CheckpointError, MotionCLIPError, one_line
from motionclip.model.autoencoder import MotionAutoencoder
from motionclip.model.config import ModelConfig, validate_generation_config, validate_model_config
from motionclip.tagged import MODEL_CHECKPOINT, read_tagged, write_tagged

M = TypeVar("M", bound=MotionAutoencoder)
FORMAT = MODEL_CHECKPOINT.tag
KNOWN_BACKENDS = ("minilm", "clip")  # the registry's names (motionclip.text.BACKENDS)
SHIPPED_NAME = "motionclip-minilm.safetensors"


def shipped_checkpoint() -> Path:
    """Path of the checkpoint that ships inside the package."""
    return Path(str(resources.files("motionclip") / "assets" / SHIPPED_NAME))


def save_checkpoint(
    model: MotionAutoencoder, path: str | Path, extra: dict[str, Any] | None = None, half: bool = False
) -> Path:
    """Write ``model`` to ``path`` atomically; ``half`` stores float weights as fp16."""
    from motionclip._version import __version__

    meta: dict[str, Any] = {
        "code_version": __version__,
        "config": to_dict(model.config),
        "skeleton": model.skeleton.to_dict(),
        "dtype": "float16" if half else "float32",
        **(extra or {}),
    }
    relative = _relative_backend_model(model.backend_model, Path(path))
    if relative is not None:  # a local folder: stored relative to the checkpoint only, never as a machine path
        meta["config"]["backend_model"] = relative
        meta["backend_model_relative"] = relative
    state = {
        k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu() for k, v in model.state_dict().items()
    }
    return write_tagged(MODEL_CHECKPOINT, path, state, meta)


def _relative_backend_model(backend_model: str | None, path: Path) -> str | None:
    """A local backend weights folder relative to the checkpoint (``./clip``, ``../clip``), so
    that a run folder copied elsewhere (with its model folder) still loads."""
    if backend_model and Path(backend_model).expanduser().is_dir():
        with contextlib.suppress(ValueError):  # other drive (Windows): no relative path
            rel = PurePath(os.path.relpath(Path(backend_model).expanduser().resolve(), path.resolve().parent))
            text = rel.as_posix()
            return text if text.startswith(".") else f"./{text}"  # never read as a hub id
    return None


def resolve_backend_model(
    stored: str | None, relative: str | None, path: Path, override: str | None = None
) -> str | None:
    """The backend weights to load: ``override`` (--backend-model), else the folder stored
    relative to the checkpoint. Checkpoints written before the header held relative paths only
    also stored the absolute folder: it wins while it exists."""
    if override is not None:
        return override
    if isinstance(relative, str):
        candidate = path.resolve().parent / relative
        legacy = bool(stored) and stored != relative and Path(str(stored)).expanduser().exists()
        if not legacy and (candidate.is_dir() or stored == relative):
            return str(candidate.resolve())  # a missing folder: the backend's error names it
    return stored


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON description of a checkpoint, without loading weights."""
    _, meta, _ = read_tagged(MODEL_CHECKPOINT, path, CheckpointError, weights=False)
    return meta


def replace_metadata(
    path: str | Path, meta: dict[str, Any], model_class: type[MotionAutoencoder] = MotionAutoencoder
) -> Path:
    """Give the checkpoint at ``path`` the JSON description ``meta`` (its ``format`` tag, else the
    current format), leaving every tensor as it is: e.g. to drop a field from a shipped file.

    The new file replaces the old one only once it holds the same tensors, byte for byte, and
    loads (so a tag its tensors do not satisfy is refused); on any failure the old file stays."""
    import json

    from safetensors.torch import save_file

    from motionclip.io_utils import atomic_path

    p = Path(path)
    tensors, _, _ = read_tagged(MODEL_CHECKPOINT, p, CheckpointError)
    header = json.dumps({**meta, "format": meta.get("format", MODEL_CHECKPOINT.tag)})
    with atomic_path(p, suffix=".tmp") as tmp:
        save_file(tensors, str(tmp), metadata={MODEL_CHECKPOINT.key: header})
        again = load_file(str(tmp))
        changed = [k for k in tensors if k not in again or not _same_bytes(tensors[k], again[k])]
        if changed or again.keys() != tensors.keys():
            raise CheckpointError(f"{p}: rewriting the header changed tensor {(changed or ['(names)'])[0]!r}")
        try:
            load_checkpoint(tmp, model_class=model_class)
        except CheckpointError as exc:  # named as the file it was meant to become
            raise CheckpointError(str(exc).replace(str(tmp), str(p))) from None
    return p


def _same_bytes(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same dtype, shape and raw bytes (NaN-safe, unlike ``torch.equal``)."""

    def raw(t: torch.Tensor) -> torch.Tensor:
        return t.contiguous().reshape(-1).view(torch.uint8)

    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(raw(a), raw(b))


def load_checkpoint(
    path: str | Path | None = None,
    device: str = "cpu",
    backend_model: str | None = None,
    model_class: type[M] = MotionAutoencoder,  # type: ignore[assignment]
) -> M:
    """Load a checkpoint into a ready (eval mode) ``model_class``; None = shipped
    (:func:`motionclip.generation.load_model` loads the text-to-motion model).

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
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{p}: not a readable model checkpoint ({one_line(exc)})") from None
    try:
        config: ModelConfig = from_dict(ModelConfig, config_dict)
        validate_model_config(config.architecture)
        validate_generation_config(config.generation)
        config.backend_model = resolve_backend_model(config.backend_model, relative, p, backend_model)
        skeleton = Skeleton.from_dict(meta["skeleton"])
        model = model_class.sized_for(config, skeleton, state)
    except (KeyError, RuntimeError, TypeError, ValueError, AttributeError, IndexError, MotionCLIPError) as exc:
        raise CheckpointError(f"{p}: checkpoint does not match the model ({one_line(exc)})") from None
    state = _complete_state(state, model, version, p)
    try:
        # copied into the model's own fp32 tensors: no second full-size copy of an fp16 file
        model.load_state_dict(state, strict=True)
    except (RuntimeError, TypeError, ValueError) as exc:  # every name and shape was checked: not expected
        raise CheckpointError(f"{p}: checkpoint does not match the model ({one_line(exc)})") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{p}: checkpoint has NaN or infinite values in {', '.join(bad[:3])}")
    model.meta = meta
    return model.to(device).eval()


def _complete_state(
    state: dict[str, torch.Tensor], model: MotionAutoencoder, version: int, p: Path
) -> dict[str, torch.Tensor]:
    """``state`` checked against the model's own tensors: the same names (except the tensors
    ``version`` predates, which get the model's empty values), shapes and kinds of number.
    Every refusal names the tensor."""
    expected = model.state_dict()

    def fail(what: str) -> NoReturn:
        raise CheckpointError(f"{p}: checkpoint does not match the model: {what}")

    def names(keys: list[str]) -> str:
        shown = ", ".join(repr(k) for k in keys[:3])
        return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")

    optional = {k for k, newest in model.OPTIONAL_TENSORS.items() if version <= newest}
    for group in model.TENSOR_GROUPS:  # stored whole or not at all
        if any(k in state for k in group):
            optional -= set(group)
    missing = [k for k in expected if k not in state and k not in optional]
    if missing:
        fail(f"missing tensor{'s' if len(missing) > 1 else ''} {names(missing)}")
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        fail(f"unexpected tensor{'s' if len(unexpected) > 1 else ''} {names(unexpected)} (not part of this model)")
    out: dict[str, torch.Tensor] = {}
    for key, want in expected.items():
        got = state.get(key)
        if got is None:  # a tensor this older format did not store: the model's empty value
            out[key] = want
            continue
        if tuple(got.shape) != tuple(want.shape):
            fail(f"tensor {key!r} has shape {tuple(got.shape)}, the model needs {tuple(want.shape)}")
        if got.is_floating_point() != want.is_floating_point() or (
            not want.is_floating_point() and got.dtype != want.dtype
        ):
            fail(f"tensor {key!r} is {_dtype(got)}, the model needs {_dtype(want)}")
        out[key] = got
    return out


def _dtype(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


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
    body = config.get("body", "rig")
    if body not in BODIES:
        fail(f"unknown body convention {body!r} (known: {', '.join(BODIES)}); a newer motionclip may read it")
