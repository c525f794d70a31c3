"""A backend that looks embeddings up in a precomputed table.

Lets a machine without the embedding model (e.g. a GPU box with no network) train
against embeddings computed elsewhere: ``motionclip data embed-texts`` writes the table
for every description and class prompt of a dataset. Unknown texts are an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from motionclip.io_utils import atomic_path

from .base import BackendError, EmbeddingBackend


def write_table(backend: EmbeddingBackend, texts: list[str], path: str | Path) -> Path:
    """Embed ``texts`` with ``backend`` and store them with the backend's identity."""
    unique = list(dict.fromkeys(texts))
    emb = backend.encode_text(unique)
    meta = {"name": backend.name, "dim": backend.dim, "texts": unique}
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file({"embeddings": emb.contiguous()}, str(tmp), metadata={"motionclip-table": json.dumps(meta)})
    return Path(path)


class TableBackend:
    """Text embeddings from a table written by :func:`write_table` (text only; duck-types a backend)."""

    has_image = False

    def __init__(self, path: str | Path) -> None:
        from safetensors import safe_open

        p = Path(path)
        if not p.exists():
            raise BackendError(f"{p}: embedding table not found")
        with safe_open(str(p), framework="pt") as fh:
            meta = json.loads((fh.metadata() or {})["motionclip-table"])
        self.name = meta["name"]
        self.dim = int(meta["dim"])
        self._emb = load_file(str(p))["embeddings"].float()
        self._index = {t: i for i, t in enumerate(meta["texts"])}

    def encode_text(self, texts: Any) -> torch.Tensor:
        missing = [t for t in texts if t not in self._index]
        if missing:
            raise BackendError(f"text not in the precomputed table: {missing[0]!r}")
        return self._emb[[self._index[t] for t in texts]]

    def encode_image(self, images: Any) -> torch.Tensor:
        raise BackendError("a precomputed text table has no image tower")
