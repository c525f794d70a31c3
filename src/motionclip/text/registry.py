"""Backend lookup by name, so the CLI/config can select an embedding space with a string."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .base import BackendError, EmbeddingBackend

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "get_backend"]

DEFAULT_BACKEND = "minilm"


def _minilm(model: str | None, cache_dir: str | Path | bool | None, device: str) -> EmbeddingBackend:
    from .minilm import MiniLMBackend

    return MiniLMBackend(model, cache_dir=cache_dir, device=device)


def _clip(model: str | None, cache_dir: str | Path | bool | None, device: str) -> EmbeddingBackend:
    from .clip import ClipBackend

    return ClipBackend(model, cache_dir=cache_dir, device=device)


BACKENDS: dict[str, Callable[[str | None, str | Path | bool | None, str], EmbeddingBackend]] = {
    "minilm": _minilm,
    "clip": _clip,
}


def get_backend(
    name: str = DEFAULT_BACKEND,
    *,
    model: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | bool | None = None,
    device: str = "cpu",
) -> EmbeddingBackend:
    """Create a backend by name (``"minilm"`` or ``"clip"``, case-insensitive).

    ``model``: backend-specific weights (CLIP hub id or local dir; a local
    sentence-transformers dir for minilm); ``None`` = the default weights.
    ``cache_dir``: ``None`` = default disk cache (``$MOTIONCLIP_CACHE_DIR`` or
    ``~/.cache/motionclip/embeddings``), ``False`` = no disk cache, or a path.
    Weights load lazily on the first cache miss (or ``backend.load()``).
    """
    key = name.strip().lower() if isinstance(name, str) else name
    factory = BACKENDS.get(key)
    if factory is None:
        raise BackendError(f"unknown embedding backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    model_arg = None if model is None else os.fspath(model)
    cache = cache_dir if isinstance(cache_dir, (bool, str, Path)) or cache_dir is None else Path(cache_dir)
    return factory(model_arg, cache, device)
