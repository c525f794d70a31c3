"""Side-by-side comparison videos: one animated cell per motion with a caption band below it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from motionclip.render.config import RenderConfig, RenderError
from motionclip.render.frames import render_frames

_MAX_CAPTION_LINES = 3


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def wrap_caption(text: str, font: Any, width: float, max_lines: int = _MAX_CAPTION_LINES) -> list[str]:
    """Greedy word wrap to ``width`` pixels; over-long words are split; overflow ends in an ellipsis."""
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and draw.textlength(current[:cut], font=font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines


def _caption_band(lines: list[str], width: int, height: int, font: Any, line_h: int) -> np.ndarray:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    top = (height - line_h * len(lines)) // 2
    for i, line in enumerate(lines):
        x = (width - draw.textlength(line, font=font)) / 2
        draw.text((x, top + i * line_h), line, fill=(30, 30, 30), font=font)
    return np.asarray(image)


def render_grid(
    motions: Sequence[Any],
    parents: Sequence[int],
    captions: Sequence[str],
    names: Sequence[str] | None = None,
    config: RenderConfig | None = None,
    columns: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Render several motions (each (T_i, J, 3), same skeleton) into one grid animation.

    Returns (T_max, rows * (H + band), columns * W, 3) uint8; a motion shorter than the
    longest holds its last frame.  ``band`` is the caption strip height (0 when every caption
    is empty); captions are wrapped to at most three lines.  Each cell is framed on its own
    motion.  Memory is T_max x grid size, so keep grids to a handful of short clips.
    """
    config = config or RenderConfig()
    if len(motions) == 0:
        raise RenderError("render_grid needs at least one motion")
    if len(captions) != len(motions):
        raise RenderError(f"got {len(captions)} captions for {len(motions)} motions")
    cols = int(columns) if columns is not None else math.ceil(math.sqrt(len(motions)))
    if cols < 1:
        raise RenderError(f"columns must be >= 1, got {columns}")
    cols = min(cols, len(motions))
    rows = math.ceil(len(motions) / cols)
    cell_w, cell_h = config.width, config.height

    font_size = max(10, round(min(cell_w, 2.2 * cell_h) * 0.055))
    font = _font(font_size)
    line_h = int(font_size * 1.3)
    wrapped = [wrap_caption(str(c), font, cell_w - 8) if str(c).strip() else [] for c in captions]
    most = max(len(w) for w in wrapped)
    band = most * line_h + 2 * max(3, font_size // 3) if most else 0

    clips = [render_frames(m, parents, names, config, progress=progress) for m in motions]
    t_max = max(c.shape[0] for c in clips)
    out = np.full((t_max, rows * (cell_h + band), cols * cell_w, 3), 255, dtype=np.uint8)
    for i, clip in enumerate(clips):
        r, c = divmod(i, cols)
        y0, x0 = r * (cell_h + band), c * cell_w
        n = clip.shape[0]
        out[:n, y0 : y0 + cell_h, x0 : x0 + cell_w] = clip
        out[n:, y0 : y0 + cell_h, x0 : x0 + cell_w] = clip[-1]
        if band:
            out[:, y0 + cell_h : y0 + cell_h + band, x0 : x0 + cell_w] = _caption_band(
                wrapped[i], cell_w, band, font, line_h
            )
    return out
