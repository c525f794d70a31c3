"""Public frame-rendering entry points: arrays in, uint8 RGB frames out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from motionclip.render.body import build_mannequin
from motionclip.render.camera import frame_motion
from motionclip.render.config import RenderConfig, RenderError
from motionclip.render.floor import make_floor_plan, srgb_to_linear
from motionclip.render.inputs import as_positions, check_names, check_parents
from motionclip.render.scene import Scene, render_scene_frame, to_srgb8


def _prepare(
    pos: np.ndarray, parents: list[int], names: list[str] | None, config: RenderConfig
) -> tuple[Scene, np.ndarray, np.ndarray]:
    """Build the mannequin, floor and camera shared by all frames of a clip."""
    body = build_mannequin(pos, parents, names, config)
    a, b = body.spheres(pos)
    if config.floor_height is None:
        floor_y = float(min((a[..., 1] - body.r0).min(), (b[..., 1] - body.r1).min()))
    else:
        floor_y = float(config.floor_height)
    root = parents.index(-1)
    camera = frame_motion(
        np.concatenate([a, b], axis=1),
        np.concatenate([body.r0, body.r1]),
        pos[:, root][:, [0, 2]],
        config,
    )
    scene = Scene(
        camera=camera,
        r0=body.r0,
        r1=body.r1,
        colors=srgb_to_linear(body.colors),
        scale=body.scale,
        config=config,
        floor=make_floor_plan(camera, floor_y, body.scale, config),
    )
    return scene, a, b


def _frame_indices(frames: Sequence[int] | None, num_t: int) -> list[int]:
    if frames is None:
        return list(range(num_t))
    out = []
    for f in frames:
        i = int(f)
        if not 0 <= i < num_t:
            raise RenderError(f"frame index {i} out of range for a {num_t}-frame motion")
        out.append(i)
    return out


def render_frames(
    positions: Any,
    parents: Sequence[int],
    names: Sequence[str] | None = None,
    config: RenderConfig | None = None,
    frames: Sequence[int] | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Render a motion as shaded-mannequin frames: (N, H, W, 3) uint8.

    positions: (T, J, 3) numpy array or torch tensor, metres, Y up (character faces +Z, left = +X).
    parents: parent index per joint, -1 for the root.  names: optional joint names (nicer radii/colours).
    frames: subset of frame indices to draw; the camera is still framed on the whole motion, so a
    subset looks exactly like the same frames of a full render.
    """
    return render_masked_frames(positions, parents, names, config, frames, progress)[0]


def render_masked_frames(
    positions: Any,
    parents: Sequence[int],
    names: Sequence[str] | None = None,
    config: RenderConfig | None = None,
    frames: Sequence[int] | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`render_frames` plus an (N, H, W) bool mask of the mannequin's pixels (the image
    targets and the tests need to know what is figure and what is floor)."""
    config = config or RenderConfig()
    pos = as_positions(positions)
    par = check_parents(parents, pos.shape[1])
    nms = check_names(names, pos.shape[1])
    indices = _frame_indices(frames, pos.shape[0])
    scene, a, b = _prepare(pos, par, nms, config)
    out = np.empty((len(indices), config.height, config.width, 3), dtype=np.uint8)
    masks = np.empty((len(indices), config.height, config.width), dtype=bool)
    for i, f in enumerate(tqdm(indices, disable=not progress, desc="render", unit="frame")):
        image, cover = render_scene_frame(scene, f, a[f], b[f])
        out[i] = to_srgb8(image)
        masks[i] = cover >= 0.5
    return out, masks


def render_frame(
    pose: Any,
    parents: Sequence[int],
    names: Sequence[str] | None = None,
    config: RenderConfig | None = None,
    return_mask: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Render a single (J, 3) pose, framed on that pose alone; (H, W, 3) uint8 (+ (H, W) mask)."""
    pos = as_positions(pose, single_pose=True)
    images, masks = render_masked_frames(pos, parents, names, config)
    return (images[0], masks[0]) if return_mask else images[0]
