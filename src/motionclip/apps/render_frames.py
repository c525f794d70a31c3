"""Image targets for the paper's image loss: one rendered frame per dataset window.

MotionCLIP (Tevet et al. 2022, eq. 3) also pulls a motion's latent toward the CLIP *image*
embedding of a rendered frame of that motion. ``motionclip data render-frames`` does that
offline, once per dataset cache:

1. for every window of the cache, pick one frame at random (seeded, ``torch.Generator``);
2. pose it with forward kinematics of the *canonical* window (``MotionCache.windows``) on
   the take's own bone offsets, and draw it with the project's mannequin renderer
   (:func:`motionclip.render.render_frame`, framed on that pose);
3. embed the images with the backend's image tower, in batches;
4. store them with :func:`motionclip.training.image_targets.write_image_embeddings` (that module
   owns the file format and its reader) in ``<cache>.images-<backend>.safetensors``.

Row ``i`` belongs to window ``i`` of the cache (the numbering ``MotionWindows`` uses for its
``window`` field), so the file always has one row per window of the cache. ``split="all"``
(the default) renders every window; ``split="train"`` renders only the training windows
(about 80 % of the work) and leaves the other rows zero with ``rendered=False``; the image
loss ignores zero rows, so validation then reports no ``val/image``.

Training jitters each window's start by up to +-stride/2 frames, so the rendered pose is a
pose of (almost always) the same motion rather than of the exact frames seen in a step -- the
paper, too, pairs a sequence with one random frame of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from motionclip.apps.outputs import check_image_size
from motionclip.data.cache import MotionCache
from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import sixd_to_matrix
from motionclip.errors import MotionCLIPError

SPLIT_CHOICES = ("all", "train")


def choose_frames(n_windows: int, window: int, seed: int) -> torch.Tensor:
    """One frame index in ``[0, window)`` per window, reproducible for a given seed."""
    gen = torch.Generator().manual_seed(int(seed))
    return torch.randint(0, window, (n_windows,), generator=gen)


def selected_windows(cache: MotionCache, split: str) -> torch.Tensor:
    """Window indices to render for ``split`` ('all' or 'train')."""
    if split not in SPLIT_CHOICES:
        raise MotionCLIPError(f"unknown split {split!r} for render-frames; choose one of: {', '.join(SPLIT_CHOICES)}")
    if split == "all":
        return torch.arange(len(cache.tensors["window_take"]))
    return cache.window_indices("train")


def window_poses(cache: MotionCache, windows: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """(N, J, 3) joint positions (metres, canonical window space) of frame ``frames[i]`` of window ``windows[i]``."""
    rot6d, trans = cache.windows(windows)
    rows = torch.arange(len(windows))
    rot = sixd_to_matrix(rot6d[rows, frames])  # (N, J, 3, 3)
    offsets = cache.tensors["take_offsets"][cache.tensors["window_take"][windows]].float()  # (N, J, 3)
    return forward_kinematics(rot, trans[rows, frames], offsets, cache.skeleton.parents)


def _render_batch(args: tuple[np.ndarray, list[int], list[str], Any]) -> np.ndarray:
    """Render a batch of single poses -> (N, H, W, 3) uint8 (top level so a process pool can run it)."""
    from motionclip.render import render_frame

    poses, parents, names, config = args
    out = np.empty((len(poses), config.height, config.width, 3), dtype=np.uint8)
    for i, pose in enumerate(poses):
        out[i] = render_frame(pose, parents, names, config)
    return out


def render_window_images(
    cache: MotionCache, windows: torch.Tensor, frames: torch.Tensor, size: int = 224
) -> np.ndarray:
    """(N, size, size, 3) uint8 renders of one frame per window (no embedding)."""
    from motionclip.render import RenderConfig

    config = RenderConfig(width=size, height=size)
    poses = window_poses(cache, windows, frames).numpy()
    return _render_batch((poses, list(cache.skeleton.parents), list(cache.skeleton.names), config))


def render_frame_embeddings(
    data: str | Path,
    backend: Any,
    size: int = 224,
    seed: int = 0,
    split: str = "all",
    batch_size: int = 64,
    limit: int | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    progress: bool = True,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Render one seeded random frame per window of ``data``, embed it, and write the image-embedding file.

    Args:
        data: dataset cache (``motionclip data prepare``).
        backend: an embedding backend with an image tower (``backend.has_image``), e.g.
            ``get_backend('clip', model=DIR)``.
        size: square image size in pixels (CLIP ViT-B/32 takes 224).
        seed: frame-choice seed (the frame of window ``i`` does not depend on ``split``/``limit``).
        split: 'all' (every window) or 'train' (other rows stay zero, ``rendered=False``).
        batch_size: windows rendered and embedded per step.
        limit: render only the first ``limit`` selected windows (benchmarks); the file is then
            not written unless ``out`` is given explicitly.
        workers: processes for rendering (1 = in this process).
        out: output path; default :func:`motionclip.training.image_targets.image_embeddings_path`.

    Returns a summary with the output path and render/embed timings.
    """
    from tqdm.auto import tqdm

    from motionclip.training.image_targets import image_embeddings_path, write_image_embeddings

    if not getattr(backend, "has_image", False):
        raise MotionCLIPError(
            f"backend {getattr(backend, 'name', backend)!r} has no image tower; "
            "render-frames needs an image backend (use --backend clip [--backend-model DIR])"
        )
    check_image_size(size)
    if batch_size < 1:
        raise MotionCLIPError(f"batch size must be positive, got {batch_size}")
    cache = MotionCache.load(data)
    n = len(cache.tensors["window_take"])
    frames = choose_frames(n, cache.window, seed)
    todo = selected_windows(cache, split)
    if limit is not None:
        todo = todo[: max(0, int(limit))]
    write = out is not None or limit is None
    dest = Path(out) if out is not None else image_embeddings_path(data, backend.name)

    from motionclip.render import RenderConfig

    config = RenderConfig(width=size, height=size)
    parents, names = list(cache.skeleton.parents), list(cache.skeleton.names)
    emb: torch.Tensor | None = None
    rendered = torch.zeros(n, dtype=torch.bool)
    render_s = embed_s = 0.0
    pool = None
    if workers > 1:
        import concurrent.futures
        import multiprocessing

        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        from PIL import Image

        bar = tqdm(total=len(todo), disable=not progress, desc="render+embed", unit="frame")
        for lo in range(0, len(todo), batch_size):
            idx = todo[lo : lo + batch_size]
            t0 = time.perf_counter()
            poses = window_poses(cache, idx, frames[idx]).numpy()
            if pool is None:
                images = _render_batch((poses, parents, names, config))
            else:
                parts = np.array_split(poses, min(workers, len(poses)))
                images = np.concatenate(list(pool.map(_render_batch, [(p, parents, names, config) for p in parts])))
            t1 = time.perf_counter()
            vectors = backend.encode_image([Image.fromarray(im) for im in images])
            t2 = time.perf_counter()
            render_s += t1 - t0
            embed_s += t2 - t1
            if emb is None:
                emb = torch.zeros(n, vectors.shape[1], dtype=torch.float32)
            emb[idx] = vectors.float()
            rendered[idx] = True
            bar.update(len(idx))
        bar.close()
    finally:
        if pool is not None:
            pool.shutdown()
    if emb is None:
        raise MotionCLIPError(f"{data}: no windows to render for split {split!r}")
    count = int(rendered.sum())
    summary: dict[str, Any] = {
        "out": str(dest) if write else None,
        "windows": n,
        "rendered": count,
        "dim": int(emb.shape[1]),
        "render_seconds": render_s,
        "embed_seconds": embed_s,
        "render_fps": count / render_s if render_s > 0 else float("inf"),
        "embed_fps": count / embed_s if embed_s > 0 else float("inf"),
    }
    if write:
        meta = {
            "backend": backend.name,
            "model_id": str(getattr(backend, "model_id", "")),
            "windows": n,
            "window": cache.window,
            "seed": int(seed),
            "size": int(size),
            "split": split,
            "data": Path(data).name,
        }
        write_image_embeddings(dest, emb, frames, rendered, meta)
        log(
            f"wrote {dest}: {count}/{n} windows, dim {emb.shape[1]}; render {summary['render_fps']:.1f} frames/s, "
            f"embed {summary['embed_fps']:.1f} frames/s"
        )
    return summary
