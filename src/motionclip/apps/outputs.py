"""Write motions to whatever the output's extension asks for: BVH, npz, MP4, GIF, PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from motionclip.data.io import write_motion
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError

if TYPE_CHECKING:
    from motionclip.render import RenderConfig

MOTION_EXTS = (".bvh", ".bvh.gz", ".npz")
VIDEO_EXTS = (".mp4", ".gif", ".png")


def output_kind(path: str | Path) -> str:
    name = str(path).lower()
    if name.endswith(MOTION_EXTS):
        return "motion"
    if name.endswith(VIDEO_EXTS):
        return "video"
    raise MotionCLIPError(
        f"{path}: unsupported output type; use one of {', '.join(MOTION_EXTS + VIDEO_EXTS)}"
    )


def numbered(path: Path, index: int, count: int) -> Path:
    """``walk.bvh`` -> ``walk_01.bvh`` when several motions go to one name."""
    if count == 1:
        return path
    name = path.name
    suffix = ".bvh.gz" if name.lower().endswith(".bvh.gz") else path.suffix
    stem = name[: len(name) - len(suffix)]
    return path.with_name(f"{stem}_{index + 1:0{len(str(count))}d}{suffix}")


def write_outputs(
    motions: Sequence[Motion],
    out: str | Path,
    captions: Sequence[str] | None = None,
    grid: bool = False,
    config: RenderConfig | None = None,
) -> list[Path]:
    """Write one file per motion (numbered), or one side-by-side video with ``grid``.

    ``config`` sets the frame size and look of video/image outputs (default RenderConfig()).
    """
    out = Path(out)
    kind = output_kind(out)
    if not motions:
        raise MotionCLIPError("nothing to write")
    captions = list(captions) if captions is not None else [""] * len(motions)
    if kind == "motion":
        if grid:
            raise MotionCLIPError("--grid needs a video or image output (.mp4, .gif, .png)")
        return [write_motion(m, numbered(out, i, len(motions))) for i, m in enumerate(motions)]
    from motionclip.render import render_grid, render_motion, save_animation, save_keyframe_strip

    if grid and len(motions) > 1:
        sk = motions[0].skeleton
        frames = render_grid(
            [m.positions().detach() for m in motions], list(sk.parents), captions, names=list(sk.names),
            config=config,
        )
        if out.suffix.lower() == ".png":
            save_keyframe_strip(frames, out)
        else:
            save_animation(frames, out, fps=motions[0].fps)
        return [out]
    paths = []
    for i, m in enumerate(motions):
        p = numbered(out, i, len(motions))
        render_motion(m, p, config=config, caption=captions[i] or None)
        paths.append(p)
    return paths
