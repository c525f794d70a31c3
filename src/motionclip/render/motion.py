"""One-call rendering of a motion object to a file (duck-typed: no import of motionclip.data)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from motionclip.render.config import RenderConfig, RenderError
from motionclip.render.frames import render_frames
from motionclip.render.grid import render_grid
from motionclip.render.video import ANIMATION_SUFFIXES, save_animation, save_keyframe_strip

SUPPORTED_SUFFIXES = (*ANIMATION_SUFFIXES, ".png")


def render_motion(
    motion: Any,
    path: str | os.PathLike[str],
    fps: float | None = None,
    config: RenderConfig | None = None,
    caption: str | None = None,
    progress: bool = False,
) -> Path:
    """Render ``motion`` to .mp4 / .gif (plays at ``fps`` or ``motion.fps``) or a .png key-frame strip.

    ``motion`` needs ``positions()`` -> (T, J, 3) metres, ``skeleton.parents``, optional
    ``skeleton.names`` and ``fps``.  A caption adds a text band under the picture.
    """
    dest = Path(path)
    if dest.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ValueError(f"unsupported output extension {dest.suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        positions = motion.positions()
        parents = list(motion.skeleton.parents)
    except AttributeError as exc:
        raise RenderError(f"render_motion needs .positions() and .skeleton.parents: {exc}") from exc
    names = getattr(motion.skeleton, "names", None)
    names = list(names) if names is not None else None
    rate = float(fps if fps is not None else getattr(motion, "fps", 30.0))
    if caption:
        frames = render_grid([positions], parents, [caption], names, config, columns=1, progress=progress)
    else:
        frames = render_frames(positions, parents, names, config, progress=progress)
    if dest.suffix.lower() == ".png":
        return save_keyframe_strip(frames, dest)
    return save_animation(frames, dest, rate)
