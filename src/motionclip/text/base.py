"""Common interface for the frozen text/image embedding spaces MotionCLIP aligns to.

The base class owns everything that is identical across backends -- input
validation, L2 normalisation, dtype/device policy and the disk cache -- so a
concrete backend only has to turn a list of inputs into raw feature vectors.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from motionclip.errors import MotionCLIPError

from .cache import EmbeddingCache, make_cache
from .keys import image_key, text_key

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "BackendError",
    "EmbeddingBackend",
    "ImageNotSupportedError",
    "check_device",
    "l2_normalize",
    "validate_images",
    "validate_texts",
]


class BackendError(MotionCLIPError, ValueError):
    """A user-facing problem with an embedding backend (bad input, missing weights, ...).

    Messages are meant to be shown as-is by the CLI, so they say what is wrong
    and, where possible, how to fix it.
    """


class ImageNotSupportedError(BackendError, NotImplementedError):
    """Raised by ``encode_image`` on a text-only backend.

    It is both a :class:`BackendError` (so the CLI reports it cleanly) and a
    :class:`NotImplementedError` (so generic capability checks also work).
    """


def validate_texts(texts: Any) -> list[str]:
    """Return ``texts`` as a list, or raise :class:`BackendError` naming the bad item.

    A bare string is rejected on purpose: iterating it would silently embed
    single characters.
    """
    if isinstance(texts, (str, bytes)):
        raise BackendError("expected a list of strings, got a single string; wrap it in a list: [text]")
    if not isinstance(texts, Sequence):
        raise BackendError(f"expected a list of strings, got {type(texts).__name__}")
    if len(texts) == 0:
        raise BackendError("no texts given: expected a non-empty list of strings")
    out: list[str] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise BackendError(f"text #{i + 1} (index {i}) is not a string (got {type(text).__name__})")
        if not text.strip():
            raise BackendError(f"text #{i + 1} (index {i}) is empty or whitespace-only")
        out.append(text)
    return out


def validate_images(images: Any) -> list[Image.Image]:
    """Return ``images`` as a list of PIL images, or raise :class:`BackendError`."""
    from PIL import Image

    if isinstance(images, Image.Image):
        raise BackendError("expected a list of PIL images, got a single image; wrap it in a list: [image]")
    if not isinstance(images, Sequence):
        raise BackendError(f"expected a list of PIL images, got {type(images).__name__}")
    if len(images) == 0:
        raise BackendError("no images given: expected a non-empty list of PIL images")
    for i, image in enumerate(images):
        if not isinstance(image, Image.Image):
            raise BackendError(f"image #{i + 1} (index {i}) is not a PIL image (got {type(image).__name__})")
        if image.width == 0 or image.height == 0:
            raise BackendError(f"image #{i + 1} (index {i}) is empty ({image.width}x{image.height})")
    return list(images)


def l2_normalize(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Row-wise L2 normalisation; cosine similarity then becomes a dot product."""
    return x / x.norm(dim=-1, keepdim=True).clamp_min(eps)


def check_device(device: str) -> str:
    """Fail early with a readable message instead of a deep torch error at load time."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise BackendError(f"invalid device {device!r}: {exc}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BackendError(f"device {device!r} requested but CUDA is not available; use device='cpu'")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise BackendError(f"device {device!r} requested but MPS is not available; use device='cpu'")
    return str(dev)


class EmbeddingBackend(abc.ABC):
    """A frozen encoder mapping texts (and maybe images) to unit vectors.

    Subclasses set ``name`` / ``has_image``, provide ``dim`` and ``model_id``
    and implement ``_encode_texts`` (and ``_encode_images`` if ``has_image``).
    Public ``encode_*`` methods return ``(N, dim)`` float32, L2-normalised CPU
    tensors and consult ``self.cache`` so only cache misses reach the model.
    """

    name: str = "base"
    has_image: bool = False

    def __init__(self, *, cache: EmbeddingCache | None = None, device: str = "cpu") -> None:
        self.device = check_device(device)
        self.cache = cache

    # -- identity -----------------------------------------------------------
    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Embedding size."""

    @property
    @abc.abstractmethod
    def model_id(self) -> str:
        """Stable identifier of the weights; part of the cache namespace."""

    @property
    def cache_namespace(self) -> str:
        """Cache entries from different backends/weights must never mix."""
        return f"{self.name}/{self.model_id}"

    def _dim_if_cheap(self) -> int | None:
        """``dim`` if known without loading weights (used to sanity-check cache hits)."""
        return self.dim

    def load(self) -> None:  # noqa: B027 - optional hook: backends without weights have nothing to load
        """Load the model now (otherwise it loads on the first cache miss)."""

    def __repr__(self) -> str:
        cache = self.cache.directory if self.cache is not None else None
        return f"{type(self).__name__}(model_id={self.model_id!r}, device={self.device!r}, cache={str(cache)!r})"

    # -- public API -----------------------------------------------------------
    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """Embed ``texts`` -> ``(N, dim)`` float32, unit-norm, on CPU."""
        items = validate_texts(texts)
        if self.cache is None:
            return self._finish(self._encode_texts(items), len(items))
        keys = [text_key(t) for t in items]
        return self.cache.get_or_compute(
            keys, items, lambda miss: self._finish(self._encode_texts(miss), len(miss)), dim=self._dim_if_cheap()
        )

    def encode_image(self, images: list[Image.Image]) -> torch.Tensor:
        """Embed PIL ``images`` -> ``(N, dim)`` float32, unit-norm, on CPU."""
        if not self.has_image:
            raise ImageNotSupportedError(
                f"the {self.name!r} backend embeds text only; use the 'clip' backend (--backend clip) to embed images"
            )
        items = validate_images(images)
        if self.cache is None:
            return self._finish(self._encode_images(items), len(items))
        keys = [image_key(im) for im in items]
        return self.cache.get_or_compute(
            keys, items, lambda miss: self._finish(self._encode_images(miss), len(miss)), dim=self._dim_if_cheap()
        )

    # -- to implement -----------------------------------------------------------
    @abc.abstractmethod
    def _encode_texts(self, texts: list[str]) -> torch.Tensor:
        """Raw (not necessarily normalised) features for validated texts."""

    def _encode_images(self, images: list[Image.Image]) -> torch.Tensor:
        raise ImageNotSupportedError(f"the {self.name!r} backend embeds text only")

    # -- helpers -------------------------------------------------------------
    def _finish(self, feats: torch.Tensor, n: int) -> torch.Tensor:
        """Enforce the output contract in one place."""
        feats = feats.detach().to(device="cpu", dtype=torch.float32)
        if feats.shape != (n, self.dim):
            raise RuntimeError(f"{self.name} backend produced shape {tuple(feats.shape)}, expected ({n}, {self.dim})")
        return l2_normalize(feats).contiguous()


class WeightsBackend(EmbeddingBackend):
    """A backend with real weights: identified by ``model_id`` (a hub id, or a fingerprint of a
    local folder), its size known before loading when cheap (``dim``; None = read on first use),
    and a disk cache of its embeddings under its own namespace. Subclasses say where ``model``
    (None = their default) is, in :meth:`_locate`, before anything reads the weights."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | bool | None = None,
        device: str = "cpu",
    ) -> None:
        self._model_id, self._dim = self._locate(model)
        super().__init__(device=device)
        self.cache = make_cache(cache_dir, self.cache_namespace)

    @abc.abstractmethod
    def _locate(self, model: str | os.PathLike[str] | None) -> tuple[str, int | None]:
        """Check ``model`` and remember where its weights are; return (model id, dim or None)."""

    @property
    def model_id(self) -> str:
        return self._model_id

    def _dim_if_cheap(self) -> int | None:
        return self._dim
