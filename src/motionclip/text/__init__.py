"""Frozen text/image embedding backends (the space MotionCLIP aligns motions to).

Quick use::

    from motionclip.text import get_backend
    backend = get_backend("minilm")            # or get_backend("clip", model=DIR)
    emb = backend.encode_text(["a person walks"])   # (1, backend.dim), unit norm

Heavy libraries (sentence-transformers, transformers) are imported only when a
model is actually loaded, and embeddings are cached on disk (see ``cache``).
"""

from .base import BackendError, EmbeddingBackend, ImageNotSupportedError
from .cache import EmbeddingCache, default_cache_dir
from .clip import DEFAULT_CLIP_MODEL, ClipBackend
from .minilm import MINILM_DIM, MiniLMBackend
from .registry import BACKENDS, DEFAULT_BACKEND, get_backend

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "DEFAULT_CLIP_MODEL",
    "MINILM_DIM",
    "BackendError",
    "ClipBackend",
    "EmbeddingBackend",
    "EmbeddingCache",
    "ImageNotSupportedError",
    "MiniLMBackend",
    "default_cache_dir",
    "get_backend",
]
