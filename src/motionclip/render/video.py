"""Write rendered frames to disk: MP4 (H.264/yuv420p), GIF (real-time delays) or a PNG key-frame strip.

All writers go through :func:`motionclip.io_utils.atomic_path`, the one atomic writer of the
package: the destination is checked first (a folder in the way, a read-only folder), the file is
written to a temporary beside it and ``os.replace``-d into place, so a crash never leaves a
half-written file under the final name, and file-system failures are one-line errors.

GIF timing: GIF delays are whole centiseconds, so 30 fps (33.3 ms) cannot be stored exactly.
Delays are chosen by accumulated rounding (e.g. 3, 4, 3, 3, 4, 3 ... cs) so the total
duration matches the real frame rate; browsers clamp delays below 2 cs, so clips above
50 fps are decimated to keep real-time speed.  Pillow merges identical consecutive frames
(adding their delays), so a GIF may hold fewer frames than were passed but plays as long.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from PIL import Image

from motionclip.io_utils import atomic_path
from motionclip.render.config import RenderError

ANIMATION_SUFFIXES = (".mp4", ".gif")
_GIF_MIN_DELAY_CS = 2


def check_frames(frames: np.ndarray) -> np.ndarray:
    """Frames must be (N, H, W, 3) uint8 with N >= 1."""
    arr = np.asarray(frames)
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.shape[0] == 0 or arr.dtype != np.uint8:
        raise RenderError(f"frames must be a non-empty (N, H, W, 3) uint8 array, got {arr.shape} {arr.dtype}")
    return arr


def _check_fps(fps: float) -> float:
    value = float(fps)
    if not (math.isfinite(value) and value > 0):
        raise RenderError(f"fps must be positive, got {fps}")
    return value


def save_animation(frames: np.ndarray, path: str | os.PathLike[str], fps: float) -> Path:
    """Write frames as .mp4 (libx264, yuv420p, browser-playable) or .gif, chosen by extension."""
    dest = Path(path)
    suffix = dest.suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise ValueError(f"unsupported animation extension {dest.suffix!r}; supported: {', '.join(ANIMATION_SUFFIXES)}")
    arr = check_frames(frames)
    rate = _check_fps(fps)
    with atomic_path(dest) as tmp:
        if suffix == ".mp4":
            _write_mp4(arr, tmp, rate)
        else:
            _write_gif(arr, tmp, rate)
    return dest


def gif_delays_cs(num_frames: int, fps: float) -> list[int]:
    """Per-frame GIF delays in centiseconds whose running sum tracks i / fps exactly (rounded)."""
    edges = [round(100.0 * i / fps) for i in range(num_frames + 1)]
    return [max(edges[i + 1] - edges[i], _GIF_MIN_DELAY_CS) for i in range(num_frames)]


def _write_gif(frames: np.ndarray, path: Path, fps: float) -> None:
    step = max(1, math.ceil(fps * _GIF_MIN_DELAY_CS / 100.0 - 1e-9))
    frames = frames[::step]
    delays = gif_delays_cs(len(frames), fps / step)
    images = [Image.fromarray(f) for f in frames]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=[d * 10 for d in delays],  # Pillow takes ms and stores ms // 10
        loop=0,
        optimize=False,
        disposal=1,
    )


def _write_mp4(frames: np.ndarray, path: Path, fps: float) -> None:
    import imageio_ffmpeg

    # yuv420p needs even dimensions: pad by repeating the last row/column.
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if pad_h or pad_w:
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    height, width = frames.shape[1:3]
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (width, height),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=1,
        ffmpeg_log_level="error",
        output_params=["-crf", "18", "-preset", "medium", "-movflags", "+faststart", "-f", "mp4"],
    )
    writer.send(None)
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame).tobytes())
    finally:
        writer.close()


def keyframe_indices(num_frames: int, n: int) -> list[int]:
    """n evenly spaced frame indices from first to last (fewer if the clip is shorter)."""
    if n < 1:
        raise RenderError(f"n must be >= 1, got {n}")
    if n == 1:
        return [num_frames // 2]
    idx = np.round(np.linspace(0, num_frames - 1, min(n, num_frames))).astype(int)
    return sorted(set(idx.tolist()))


def save_keyframe_strip(frames: np.ndarray, path: str | os.PathLike[str], n: int = 6) -> Path:
    """Save n evenly spaced key frames side by side as one .png (width n*W, height H)."""
    dest = Path(path)
    if dest.suffix.lower() != ".png":
        raise ValueError(f"unsupported key-frame strip extension {dest.suffix!r}; supported: .png")
    arr = check_frames(frames)
    strip = np.concatenate([arr[i] for i in keyframe_indices(arr.shape[0], n)], axis=1)
    with atomic_path(dest) as tmp:
        Image.fromarray(strip).save(tmp, format="PNG")
    return dest
