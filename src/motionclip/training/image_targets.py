"""The image-embedding targets of the paper's image loss: their file, written and read here.

One row per window of a dataset cache (row ``i`` = window ``i``, the numbering ``MotionWindows``
uses): ``embeddings`` (N_windows, dim) float32, ``frame`` (N_windows,) int64 (-1 = not rendered)
and ``rendered`` (N_windows,) bool, in ``<cache>.images-<backend>.safetensors``
(:data:`motionclip.tagged.IMAGE_TARGETS`), with a JSON description (backend, model id, seed,
size, split) in the header. ``motionclip data render-frames`` (:mod:`motionclip.apps.render_frames`)
renders and embeds the frames; training reads the file through :func:`load_image_embeddings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from motionclip.errors import MotionCLIPError
from motionclip.tagged import IMAGE_TARGETS, read_tagged, write_tagged


def image_embeddings_path(data: str | Path, backend_name: str) -> Path:
    """Where ``motionclip data render-frames`` stores a dataset's image embeddings."""
    p = Path(data)
    return p.with_name(f"{p.stem}.images-{backend_name}.safetensors")


def write_image_embeddings(
    path: str | Path, embeddings: torch.Tensor, frames: torch.Tensor, rendered: torch.Tensor, meta: dict[str, Any]
) -> Path:
    """Store one embedding per window; ``frames`` of windows not rendered are stored as -1."""
    tensors = {
        "embeddings": embeddings.float(),
        "frame": torch.where(rendered, frames, -1),
        "rendered": rendered,
    }
    return write_tagged(IMAGE_TARGETS, path, tensors, {**meta, "dim": int(embeddings.shape[1])})


def load_image_embeddings(data: str | Path, backend_name: str, n_windows: int, dim: int | None = None) -> torch.Tensor:
    """(n_windows, D) image embeddings written by ``motionclip data render-frames`` (zero rows = not rendered)."""
    path = image_embeddings_path(data, backend_name)
    hint = (
        f" (the image loss is on: run `motionclip data render-frames {data} --backend {backend_name}` first, "
        "or pass loss.image=0)"
    )
    tensors, meta, _ = read_tagged(IMAGE_TARGETS, path, MotionCLIPError, missing_hint=hint)
    emb = tensors.get("embeddings")
    if emb is None or emb.ndim != 2 or not emb.is_floating_point():
        got = "missing" if emb is None else f"{emb.dtype} {tuple(emb.shape)}"
        raise MotionCLIPError(f"{path}: 'embeddings' must be a floating 2-D tensor, got {got}; re-render")
    if emb.shape[0] != n_windows:
        raise MotionCLIPError(f"{path}: {emb.shape[0]} image embeddings for {n_windows} windows; re-render")
    if meta.get("backend") not in (None, backend_name):
        raise MotionCLIPError(f"{path}: image embeddings of backend {meta['backend']!r}, not {backend_name!r}")
    if dim is not None and emb.shape[1] != dim:
        raise MotionCLIPError(
            f"{path}: image embeddings have dim {emb.shape[1]} but the {backend_name!r} backend has dim {dim}; "
            "re-render with the same model you train with (--backend-model)"
        )
    return emb.float()
