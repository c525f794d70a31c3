"""Write motions to whatever the output's extension asks for: BVH, npz, MP4, GIF, PNG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motionclip.data.io import write_motion
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError

if TYPE_CHECKING:
    from motionclip.data.rig_export import UserRig
    from motionclip.render import RenderConfig

MOTION_EXTS = (".bvh", ".bvh.gz", ".npz")
VIDEO_EXTS = (".mp4", ".gif", ".png")


def output_kind(path: str | Path) -> str:
    name = str(path).lower()
    if name.endswith(MOTION_EXTS):
        return "motion"
    if name.endswith(VIDEO_EXTS):
        return "video"
    raise MotionCLIPError(f"{path}: unsupported output type; use one of {', '.join(MOTION_EXTS + VIDEO_EXTS)}")


def check_output(path: str | Path, grid: bool = False) -> str:
    """The output's kind ("motion" or "video"), checked before any work; ``grid`` needs a video or image."""
    kind = output_kind(path)
    if grid and kind != "video":
        raise MotionCLIPError("--grid needs a video or image output (.mp4, .gif, .png)")
    return kind


def check_image_size(size: int) -> int:
    """A square frame size in pixels for renders (8 to 2048)."""
    if not 8 <= size <= 2048:
        raise MotionCLIPError(f"--size must be between 8 and 2048 pixels, got {size}")
    return size


def numbered(path: Path, index: int, count: int) -> Path:
    """``walk.bvh`` -> ``walk_01.bvh`` when several motions go to one name."""
    if count == 1:
        return path
    name = path.name
    suffix = ".bvh.gz" if name.lower().endswith(".bvh.gz") else path.suffix
    stem = name[: len(name) - len(suffix)]
    return path.with_name(f"{stem}_{index + 1:0{len(str(count))}d}{suffix}")


def load_rig(
    model: Any, path: str | Path | None, joint_map: dict[str, str] | None = None, up: str = "auto", units: str = "auto"
) -> UserRig | None:
    """The user's rig for ``--rig FILE`` (None without one), checked before any generation:
    the model must be a canonical-body model, the file a humanoid BVH."""
    if path is None:
        return None
    from motionclip.data.rig_export import read_user_rig

    check_rig_model(model)
    if not str(path).lower().endswith((".bvh", ".bvh.gz")):
        raise MotionCLIPError(f"{path}: --rig takes a BVH file of your character")
    return read_user_rig(path, joint_map, up, units)


def writes_onto_rigs(model: Any) -> bool:
    """Whether the model's motion can go onto a user's rig: only a canonical-body model's
    (the mapping starts from the canonical body's joints)."""
    from motionclip.data.body import CANONICAL_BODY

    return getattr(model, "body", None) == CANONICAL_BODY


def check_rig_model(model: Any) -> None:
    """A clear error unless :func:`writes_onto_rigs`."""
    if not writes_onto_rigs(model):
        raise MotionCLIPError(
            "writing onto your own rig (--rig) needs a canonical-body checkpoint; this one was trained on its "
            "data's own rig"
        )


def write_outputs(
    motions: Sequence[Motion],
    out: str | Path,
    captions: Sequence[str] | None = None,
    grid: bool = False,
    config: RenderConfig | None = None,
    rig: UserRig | None = None,
) -> list[Path]:
    """Write one file per motion (numbered), or one side-by-side video with ``grid``.

    ``config`` sets the frame size and look of video/image outputs (default RenderConfig()).
    ``rig``: motion files are written on the user's own rig (``--rig``, see :func:`load_rig`);
    videos and images show the canonical body.
    """
    out = Path(out)
    kind = check_output(out, grid)
    if not motions:
        raise MotionCLIPError("nothing to write")
    captions = list(captions) if captions is not None else [""] * len(motions)
    if kind == "motion":
        if rig is not None:
            motions = [rig.put(m) for m in motions]
        return [write_motion(m, numbered(out, i, len(motions))) for i, m in enumerate(motions)]
    from motionclip.render import render_grid, render_motion, save_animation, save_keyframe_strip

    if grid and len(motions) > 1:
        sk = motions[0].skeleton
        frames = render_grid(
            [m.positions().detach() for m in motions],
            list(sk.parents),
            captions,
            names=list(sk.names),
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


def render_files(
    files: Sequence[str | Path],
    out: str | Path,
    grid: bool = False,
    captions: Sequence[str] | None = None,
    size: int | None = None,
    up: str = "auto",
    note: Callable[[str], Any] = print,
    units: str = "auto",
    joint_map: dict[str, str] | None = None,
) -> list[Path]:
    """Render motion files as a shaded mannequin video, GIF or key-frame strip (``motionclip render``).

    Every input is checked before any rendering: the output is a video/image, captions match
    the files, ``grid`` motions share a skeleton; ``note`` gets the reader's remarks (e.g. Z-up).
    A humanoid of any rig is drawn on the canonical body (:mod:`motionclip.data.body`), so
    helper, twist and face bones do not clutter the figure; other skeletons as they are.
    """
    from motionclip.data.body import body_from_rig
    from motionclip.data.canonical import canonicalize
    from motionclip.data.io import read_motion_noted
    from motionclip.data.units import check_units
    from motionclip.data.up_axis import check_up
    from motionclip.errors import SkeletonError

    if output_kind(out) != "video":
        raise MotionCLIPError(f"{out}: render writes .mp4, .gif or .png")
    check_up(up)
    check_units(units)
    if size is not None:
        check_image_size(size)
    paths = [Path(f) for f in files]
    caps = list(captions) if captions else [f.name.split(".")[0] for f in paths]
    if len(caps) != len(paths):
        raise MotionCLIPError(f"{len(caps)} captions for {len(paths)} files")
    motions = []
    for f in paths:
        motion, remark = read_motion_noted(f, up)
        if remark:
            note(f"note: {f}: {remark}")
        try:
            fitted, remarks = body_from_rig(motion, joint_map, units if not str(f).endswith(".npz") else None)
            motion = fitted.motion
        except SkeletonError:
            remarks = []  # not a humanoid the landmarks find: draw its own bones
        for remark in remarks:
            note(f"note: {f}: {remark}")
        motions.append(canonicalize(motion, fps=None))
    if grid and len({m.skeleton.names for m in motions}) > 1:
        raise MotionCLIPError("--grid needs motions on the same skeleton")
    shown = caps if (grid or captions) else None
    config = None
    if size is not None:
        from motionclip.render import RenderConfig

        config = RenderConfig(width=size, height=size)
    return write_outputs(motions, out, captions=shown, grid=grid, config=config)
