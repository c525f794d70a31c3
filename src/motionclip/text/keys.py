"""Stable keys: of a text and an image (what a cache entry is for), and of a local weights folder
(so that two folders of different weights never share cached embeddings)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def text_key(text: str) -> str:
    """Key of a text: the exact string (no normalisation -- the encoder sees it verbatim)."""
    return hashlib.sha256(b"text\0" + text.encode("utf-8")).hexdigest()


def image_key(image: Image.Image) -> str:
    """Key of an image: mode, size and raw pixel bytes (PNG bytes vary across encoders)."""
    h = hashlib.sha256(b"image\0")
    h.update(f"{image.mode}\0{image.width}x{image.height}\0".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def fingerprint_dir(path: Path) -> str:
    """Cheap identity of a local model directory: resolved path + size/mtime of weight/config files.

    Rebuilding a model in place (e.g. a different seed) changes the fingerprint,
    so stale cache entries are not reused.
    """
    path = path.resolve()
    h = hashlib.sha256(str(path).encode())
    for f in sorted(path.iterdir()):
        if f.is_file() and f.suffix in {".safetensors", ".bin", ".json", ".pt", ".pth"}:
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return f"{path}#{h.hexdigest()[:16]}"
