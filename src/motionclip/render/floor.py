"""Floor plane: pre-filtered checker, soft figure shadow and distance fog, at output resolution.

The camera only translates horizontally, so per clip the floor hit distance, the checker's
anti-aliasing footprint and the fog never change; :class:`FloorPlan` holds them and a frame
costs a couple of dozen array operations.  The checker is box-filtered analytically, so the
floor needs no supersampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motionclip.render.camera import Camera
from motionclip.render.config import RenderConfig
from motionclip.render.raycast import filtered_checker, smoothstep


def srgb_to_linear(c: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """Approximate sRGB decode (gamma 2.2): shading and filtering happen in linear light."""
    return np.power(np.asarray(c, dtype=np.float64), 2.2)


def unit(v: tuple[float, float, float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(v, dtype=np.float64)
    return arr / np.linalg.norm(arr)


@dataclass(frozen=True)
class FloorPlan:
    """Per-clip floor constants."""

    floor_y: float
    t: np.ndarray  # (H, W) distance to the floor, 0 where the ray misses it
    footprint: np.ndarray  # (H, W) pixel footprint in checker squares (anti-aliasing width)
    shade: np.ndarray  # (H, W) floor brightness x (1 - fog); 0 off the floor
    base: np.ndarray  # (H, W, 3) sky gradient off the floor, fog colour x fog on it
    t_fine: np.ndarray  # (H*s, W*s) floor distance on the supersampled grid, inf off the floor
    first_row: int  # topmost image row that shows floor


def make_floor_plan(camera: Camera, floor_y: float, scale: float, config: RenderConfig) -> FloorPlan:
    """Precompute the floor for a clip (eye height is constant: see :mod:`camera`)."""
    _, dy, _ = camera.rays(1)
    eye_h = np.float32(float(camera.positions[0, 1]) - floor_y)
    on_floor = (dy < -1e-6) & (eye_h > 0)
    t = np.where(on_floor, eye_h / np.maximum(-dy, np.float32(1e-6)), 0).astype(np.float32)
    tile = config.tile_size * max(scale, 1e-6)
    pixel = 2.0 * camera.tan_y / camera.height
    footprint = (t * np.float32(pixel / tile) / np.sqrt(np.maximum(-dy, 0.02))).astype(np.float32)
    fog = smoothstep(1.6 * camera.distance, 4.0 * camera.distance, t).astype(np.float32)
    light_y = unit(config.light_dir)[1]
    shade = np.where(on_floor, np.float32(0.6 + 0.4 * light_y) * (1 - fog), 0).astype(np.float32)
    top = srgb_to_linear(config.background_top).astype(np.float32)
    bottom = srgb_to_linear(config.background_bottom).astype(np.float32)
    v = (np.linspace(0.0, 1.0, camera.height, dtype=np.float32) ** 0.8)[:, None, None]
    sky = np.broadcast_to(top * (1 - v) + bottom * v, (camera.height, camera.width, 3))
    base = np.where(on_floor[..., None], bottom * fog[..., None], sky).astype(np.float32)
    _, dy_fine, _ = camera.rays(config.supersample)
    fine_on = (dy_fine < -1e-6) & (eye_h > 0)
    t_fine = np.where(fine_on, eye_h / np.maximum(-dy_fine, np.float32(1e-6)), np.inf).astype(np.float32)
    rows = np.flatnonzero(on_floor.any(axis=1))
    return FloorPlan(
        floor_y=floor_y,
        t=t,
        footprint=footprint,
        shade=shade,
        base=base,
        t_fine=t_fine,
        first_row=int(rows[0]) if rows.size else camera.height,
    )


def shade_floor(
    plan: FloorPlan,
    camera: Camera,
    frame: int,
    config: RenderConfig,
    scale: float,
    a: np.ndarray,
    b: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
) -> np.ndarray:
    """Linear RGB (H, W, 3) of sky + floor (checker, shadow of the round cones a/b/r0/r1, fog)."""
    dx, _, dz = camera.rays(1)
    eye = camera.positions[frame].astype(np.float32)
    inv_tile = np.float32(1.0 / (config.tile_size * max(scale, 1e-6)))
    fx = eye[0] + plan.t * dx
    fz = eye[2] + plan.t * dz
    mix = filtered_checker(fx * inv_tile, fz * inv_tile, plan.footprint)
    shadow = floor_shadow(plan, camera, frame, config, scale, fx, fz, a, b, r0, r1)
    fac = plan.shade * (1.0 - np.float32(config.shadow_strength) * shadow)
    ca = srgb_to_linear(config.floor_color_a).astype(np.float32)
    cb = srgb_to_linear(config.floor_color_b).astype(np.float32)
    return plan.base + fac[..., None] * ca + (mix * fac)[..., None] * (cb - ca)


def floor_shadow(
    plan: FloorPlan,
    camera: Camera,
    frame: int,
    config: RenderConfig,
    scale: float,
    fx: np.ndarray,
    fz: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
) -> np.ndarray:
    """Soft shadow in [0, 1] cast along the light onto the floor by every primitive.

    A primitive's two sphere centres are projected along the light onto the floor; a floor
    point's occlusion is a smoothstep of its distance to that 2-D segment against the
    interpolated radius, with a penumbra that widens (and a darkness that fades) with the
    occluder's height.  Work is limited to each shadow's projected screen box.
    """
    light = unit(config.light_dir)
    floor_y = plan.floor_y
    ha = np.maximum(a[:, 1] - floor_y, 0.0)
    hb = np.maximum(b[:, 1] - floor_y, 0.0)
    lxz = light[[0, 2]] / max(light[1], 1e-3)
    pa = a[:, [0, 2]] - ha[:, None] * lxz
    pb = b[:, [0, 2]] - hb[:, None] * lxz
    soft0, soft1 = 0.015 * scale, 0.16
    reach = np.maximum(r0 + soft0 + soft1 * ha, r1 + soft0 + soft1 * hb)
    lo = np.minimum(pa, pb) - reach[:, None]
    hi = np.maximum(pa, pb) + reach[:, None]
    xs = np.stack([lo[:, 0], hi[:, 0], lo[:, 0], hi[:, 0]], axis=1)
    zs = np.stack([lo[:, 1], lo[:, 1], hi[:, 1], hi[:, 1]], axis=1)
    corners = np.stack([xs, np.full_like(xs, floor_y), zs], axis=-1).reshape(-1, 3)
    boxes = camera.project_spheres(frame, corners, np.zeros(corners.shape[0])).reshape(-1, 4, 4)
    out = np.zeros(fx.shape, dtype=np.float32)
    f32 = np.float32
    for k in range(a.shape[0]):
        x0, y0 = boxes[k, :, 0].min(), max(boxes[k, :, 1].min(), plan.first_row)
        x1, y1 = boxes[k, :, 2].max(), boxes[k, :, 3].max()
        if x1 <= x0 or y1 <= y0:
            continue
        win = (slice(y0, y1), slice(x0, x1))
        seg = pb[k] - pa[k]
        seg2 = float(seg @ seg)
        px = fx[win] - f32(pa[k, 0])
        pz = fz[win] - f32(pa[k, 1])
        if seg2 > 1e-12:
            s = np.clip((px * f32(seg[0]) + pz * f32(seg[1])) * f32(1.0 / seg2), f32(0), f32(1))
            px = px - s * f32(seg[0])
            pz = pz - s * f32(seg[1])
        else:
            s = np.zeros_like(px)
        dist = np.sqrt(px * px + pz * pz)
        r = f32(r0[k]) + s * f32(r1[k] - r0[k])
        h = f32(ha[k]) + s * f32(hb[k] - ha[k])
        pen = f32(soft0) + f32(soft1) * h
        occ = (1 - smoothstep(r - pen, r + pen, dist)) * np.clip(1 - f32(0.25 / scale) * h, f32(0.45), f32(1))
        np.maximum(out[win], occ, out=out[win])
    return out
