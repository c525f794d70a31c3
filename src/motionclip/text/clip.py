"""OpenAI CLIP backend through Hugging Face ``transformers`` (text *and* images).

Why: the MotionCLIP paper aligns motions with CLIP's joint text-image space,
which also enables image-conditioned retrieval/generation. Weights come from
the HF hub id or a local directory; they are loaded lazily, memoised per
process, and the hub is only contacted when the local HF cache misses and
offline mode is off.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ._hf import quiet_progress, require_safetensors
from .base import BackendError, WeightsBackend
from .keys import fingerprint_dir

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["DEFAULT_CLIP_MODEL", "ClipBackend"]

DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"
_TEXT_BATCH = 64
_IMAGE_BATCH = 32


@dataclass
class _ClipParts:
    model: Any
    tokenizer: Any
    processor: Any
    max_length: int


_MODELS: dict[tuple[str, str], _ClipParts] = {}
_LOCK = threading.Lock()


def _hub_offline() -> bool:
    """Offline mode, read at call time (huggingface_hub freezes its constant at import)."""
    truthy = {"1", "true", "yes", "on"}
    if any(os.environ.get(v, "").strip().lower() in truthy for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        return True
    try:
        import huggingface_hub

        return bool(huggingface_hub.is_offline_mode())
    except (ImportError, AttributeError):
        return False


def _looks_like_path(model: str) -> bool:
    """Hub ids are ``name`` or ``org/name``; anything else is meant as a local path."""
    return model.startswith((".", "/", "~")) or "\\" in model or model.count("/") > 1


def _missing_weights_message(model: str, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"could not load CLIP model {model!r}: {detail}\n"
        "The weights are neither in a local directory nor in the Hugging Face cache, and they could not be "
        "downloaded (offline or no network). To fix it, either:\n"
        "  * run once with network access (and HF_HUB_OFFLINE unset) so the weights get cached, or\n"
        f"  * on a machine with network run `hf download {DEFAULT_CLIP_MODEL} --local-dir DIR` "
        f"(older hub versions: `huggingface-cli download {DEFAULT_CLIP_MODEL} --local-dir DIR`), copy DIR here "
        "and pass --backend-model DIR (Python: get_backend('clip', model=DIR))."
    )


def _from_pretrained(cls: Any, ref: str, is_local: bool, **kwargs: Any) -> Any:
    """Cache first, then the hub (unless offline): avoids slow retries when files are local."""
    try:
        return cls.from_pretrained(ref, local_files_only=True, **kwargs)
    except (OSError, ValueError):
        if is_local or _hub_offline():
            raise
    return cls.from_pretrained(ref, **kwargs)


def _image_processor_cls() -> Any:
    """The PIL implementation: same preprocessing config, no torchvision needed (transformers 5).

    Plain ``CLIPImageProcessor`` is the torchvision backend in transformers 5 and
    only falls back to PIL with a warning when torchvision is missing.
    """
    try:
        from transformers import CLIPImageProcessorPil

        return CLIPImageProcessorPil
    except ImportError:  # transformers 4.x
        from transformers import CLIPImageProcessor

        return CLIPImageProcessor


def _load(ref: str, is_local: bool, device: str) -> _ClipParts:
    """Load model + tokenizer + image processor once per (ref, device) per process."""
    key = (ref, device)
    with _LOCK:
        parts = _MODELS.get(key)
        if parts is not None:
            return parts
        from transformers import CLIPModel, CLIPTokenizer

        if is_local:
            require_safetensors(Path(ref), "CLIP")
        try:
            with quiet_progress():  # use_safetensors: never fall back to a pickled pytorch_model.bin
                model = _from_pretrained(CLIPModel, ref, is_local, use_safetensors=True)
                tokenizer = _from_pretrained(CLIPTokenizer, ref, is_local)
                processor = _from_pretrained(_image_processor_cls(), ref, is_local)
        except (OSError, ValueError) as exc:
            raise BackendError(_missing_weights_message(ref, exc)) from exc
        model.eval().to(device)
        limits = [int(model.config.text_config.max_position_embeddings)]
        tok_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(tok_max, int) and 0 < tok_max < 100_000:  # "very large" means unset
            limits.append(tok_max)
        parts = _ClipParts(model, tokenizer, processor, min(limits))
        _MODELS[key] = parts
        return parts


def _features(out: Any) -> torch.Tensor:
    """transformers 5 returns a ModelOutput whose ``pooler_output`` is the projected feature; 4.x a tensor."""
    if isinstance(out, torch.Tensor):
        return out
    pooled = getattr(out, "pooler_output", None)
    if isinstance(pooled, torch.Tensor):
        return pooled
    raise RuntimeError(f"unexpected CLIP feature output of type {type(out).__name__}")


class ClipBackend(WeightsBackend):
    """CLIP text/image embeddings (``projection_dim``, unit norm)."""

    name = "clip"
    has_image = True

    def _locate(self, model: str | os.PathLike[str] | None) -> tuple[str, int | None]:
        """``model``: hub id (default ``openai/clip-vit-base-patch32``) or a local HF CLIP directory."""
        ref = str(model) if model is not None else DEFAULT_CLIP_MODEL
        if not ref.strip():
            raise BackendError("empty CLIP model name; pass a hub id or a local directory")
        path = Path(ref).expanduser()
        if path.is_dir():
            require_safetensors(path, "CLIP")  # before anything reads the folder
            self._ref, self._local = str(path.resolve()), True
            model_id = fingerprint_dir(path)
        elif path.exists() or _looks_like_path(ref) or isinstance(model, os.PathLike):
            raise BackendError(
                f"CLIP model directory {str(path)!r} does not exist (or is not a directory). Pass --backend-model DIR "
                "with a Hugging Face CLIP checkpoint (config.json, model.safetensors, tokenizer and "
                f"preprocessor files), or a hub id such as {DEFAULT_CLIP_MODEL!r}."
            )
        else:
            self._ref, self._local = ref, False
            model_id = ref
        dim = self._local_projection_dim() if self._local else None
        return model_id, dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._parts().model.config.projection_dim)
        return self._dim

    @property
    def is_loaded(self) -> bool:
        """Whether this process already holds the weights (diagnostics/tests)."""
        return (self._ref, self.device) in _MODELS

    @property
    def max_length(self) -> int:
        """Token limit; longer texts are truncated (CLIP has 77 positions)."""
        return self._parts().max_length

    def load(self) -> None:
        self._parts()

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Padded, truncated token ids exactly as fed to the text tower."""
        parts = self._parts()
        return dict(
            parts.tokenizer(texts, padding=True, truncation=True, max_length=parts.max_length, return_tensors="pt")
        )

    def _local_projection_dim(self) -> int | None:
        """Read ``projection_dim`` without importing transformers or loading weights."""
        try:
            cfg = json.loads((Path(self._ref) / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        dim = cfg.get("projection_dim")
        return int(dim) if isinstance(dim, int) else None

    def _parts(self) -> _ClipParts:
        return _load(self._ref, self._local, self.device)

    def _encode_texts(self, texts: list[str]) -> torch.Tensor:
        model = self._parts().model
        chunks = []
        with torch.inference_mode():
            for i in range(0, len(texts), _TEXT_BATCH):
                batch = {k: v.to(self.device) for k, v in self.tokenize(texts[i : i + _TEXT_BATCH]).items()}
                chunks.append(_features(model.get_text_features(**batch)).float().cpu())
        return torch.cat(chunks).clone()

    def _encode_images(self, images: list[Image.Image]) -> torch.Tensor:
        parts = self._parts()
        chunks = []
        with torch.inference_mode():
            for i in range(0, len(images), _IMAGE_BATCH):
                rgb = [im.convert("RGB") for im in images[i : i + _IMAGE_BATCH]]
                pixels = parts.processor(images=rgb, return_tensors="pt")["pixel_values"].to(self.device)
                chunks.append(_features(parts.model.get_image_features(pixel_values=pixels)).float().cpu())
        return torch.cat(chunks).clone()
