"""A backend that looks embeddings up in a precomputed table.

Lets a machine without the embedding model (e.g. a GPU box with no network) train
against embeddings computed elsewhere: ``python scripts/device_studies.py table DATA OUT``
writes the table for every description and class prompt of a dataset. Unknown texts are an
error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from motionclip.tagged import TEXT_TABLE, read_tagged, write_tagged

from .base import BackendError, EmbeddingBackend


def write_table(backend: EmbeddingBackend, texts: list[str], path: str | Path) -> Path:
    """Embed ``texts`` with ``backend`` and store them with the backend's identity."""
    unique = list(dict.fromkeys(texts))
    emb = backend.encode_text(unique)
    meta = {"name": backend.name, "dim": backend.dim, "texts": unique}
    return write_tagged(TEXT_TABLE, path, {"embeddings": emb}, meta)


class TableBackend:
    """Text embeddings from a table written by :func:`write_table` (text only; duck-types a backend)."""

    has_image = False

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        tensors, meta, _ = read_tagged(TEXT_TABLE, p, BackendError)
        name, dim, texts = meta.get("name"), meta.get("dim"), meta.get("texts")
        if not (isinstance(name, str) and name):
            raise BackendError(f"{p}: embedding table 'name' must be a non-empty string, got {name!r}")
        if not (isinstance(dim, int) and not isinstance(dim, bool) and dim >= 1):
            raise BackendError(f"{p}: embedding table 'dim' must be a positive integer, got {dim!r}")
        if not (isinstance(texts, list) and all(isinstance(t, str) for t in texts)):
            raise BackendError(f"{p}: embedding table 'texts' must be a list of strings")
        emb = tensors.get("embeddings")
        if emb is None or not emb.is_floating_point() or tuple(emb.shape) != (len(texts), dim):
            got = "missing" if emb is None else f"{emb.dtype} {tuple(emb.shape)}"
            raise BackendError(f"{p}: 'embeddings' must be a floating ({len(texts)}, {dim}) tensor, got {got}")
        self.name = name
        self.dim = dim
        self._emb = emb.float()
        self._index = {t: i for i, t in enumerate(texts)}

    def encode_text(self, texts: Any) -> torch.Tensor:
        missing = [t for t in texts if t not in self._index]
        if missing:
            raise BackendError(f"text not in the precomputed table: {missing[0]!r}")
        return self._emb[[self._index[t] for t in texts]]

    def encode_image(self, images: Any) -> torch.Tensor:
        raise BackendError("a precomputed text table has no image tower")
