"""Compose one frame: sky and floor (see :mod:`floor`) plus the z-buffered, shaded mannequin.

The figure is ray cast on a supersampled grid, but only inside the union of its primitives'
projected screen boxes, and each primitive only inside its own box; cost therefore scales with
the figure's pixel area.  Shading happens in linear light and is averaged over the subsamples
before the gamma encode, giving anti-aliased silhouettes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motionclip.render.camera import Camera
from motionclip.render.config import RenderConfig
from motionclip.render.floor import FloorPlan, shade_floor, srgb_to_linear, unit
from motionclip.render.raycast import round_cone_hits, smoothstep


@dataclass(frozen=True)
class Scene:
    """Everything constant across the frames of one clip."""

    camera: Camera
    r0: np.ndarray  # (P,) primitive radius at A
    r1: np.ndarray  # (P,) primitive radius at B
    colors: np.ndarray  # (P, 3) linear base colours
    scale: float  # body height / 1.7 m, for shadow and tile sizes
    config: RenderConfig
    floor: FloorPlan


def render_scene_frame(scene: Scene, frame: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear RGB (H, W, 3) float32 and mannequin coverage (H, W) in [0, 1].

    a, b: (P, 3) sphere centres of this frame's primitives.
    """
    image = shade_floor(scene.floor, scene.camera, frame, scene.config, scene.scale, a, b, scene.r0, scene.r1)
    cover = np.zeros(image.shape[:2], dtype=np.float32)
    _draw_mannequin(scene, frame, a, b, image, cover)
    return image, cover


def to_srgb8(image: np.ndarray) -> np.ndarray:
    """Linear float image -> gamma-2.2 uint8."""
    out = np.power(np.clip(image, 0.0, 1.0), np.float32(1.0 / 2.2)) * np.float32(255.0) + np.float32(0.5)
    return out.astype(np.uint8)


def _draw_mannequin(
    scene: Scene, frame: int, a: np.ndarray, b: np.ndarray, image: np.ndarray, cover: np.ndarray
) -> None:
    """Z-buffer the primitives on the supersampled grid inside the figure's box; composite in place."""
    cam = scene.camera
    s = scene.config.supersample
    eye = cam.positions[frame]
    box_a = cam.project_spheres(frame, a, scene.r0, s)
    box_b = cam.project_spheres(frame, b, scene.r1, s)
    lo = np.minimum(box_a[:, :2], box_b[:, :2])
    hi = np.maximum(box_a[:, 2:], box_b[:, 2:])
    live = np.flatnonzero((hi > lo).all(axis=1))
    if live.size == 0:
        return
    # Figure box, snapped to whole output pixels.
    gx0, gy0 = (lo[live].min(axis=0) // s * s).tolist()
    gx1, gy1 = (-(-hi[live].max(axis=0) // s) * s).tolist()
    dx, dy, dz = (c[gy0:gy1, gx0:gx1] for c in cam.rays(s))
    depth = scene.floor.t_fine[gy0:gy1, gx0:gx1].copy()  # the floor hides anything below it
    ident = np.full(depth.shape, -1, dtype=np.int32)
    for k in live:
        win = (slice(lo[k, 1] - gy0, hi[k, 1] - gy0), slice(lo[k, 0] - gx0, hi[k, 0] - gx0))
        t = round_cone_hits(dx[win], dy[win], dz[win], eye, a[k], b[k], float(scene.r0[k]), float(scene.r1[k]))
        closer = t < depth[win]
        depth[win] = np.where(closer, t, depth[win])
        ident[win] = np.where(closer, k, ident[win])
    hit = ident >= 0
    if not hit.any():
        return
    rgb = np.zeros((*depth.shape, 3), dtype=np.float32)
    rgb[hit] = _shade_mannequin(scene, eye, (dx[hit], dy[hit], dz[hit]), depth[hit], ident[hit], a, b)
    h, w = depth.shape[0] // s, depth.shape[1] // s
    rgb_avg = _box_down(rgb, s)
    cov = _box_down(hit.astype(np.float32), s)
    win = (slice(gy0 // s, gy0 // s + h), slice(gx0 // s, gx0 // s + w))
    image[win] = image[win] * (1 - cov)[..., None] + rgb_avg
    cover[win] = cov


def _box_down(x: np.ndarray, s: int) -> np.ndarray:
    """Average s x s blocks (strided adds beat a multi-axis reshape-sum in numpy)."""
    if s == 1:
        return x
    acc = x[0::s, 0::s].copy()
    for i in range(s):
        for j in range(s):
            if i or j:
                acc += x[i::s, j::s]
    acc *= np.float32(1.0 / (s * s))
    return acc


def _shade_mannequin(
    scene: Scene,
    eye: np.ndarray,
    dirs: tuple[np.ndarray, np.ndarray, np.ndarray],
    depth: np.ndarray,
    k: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Hemisphere ambient + Lambert key + camera fill + Blinn specular + rim, in linear RGB.

    dirs, depth, k: ray directions, hit distances and primitive ids of the hit samples.
    Works on per-component float32 arrays (hit points relative to their primitive's base
    sphere, so precision does not depend on how far the figure walked from the origin).
    """
    f32 = np.float32
    dx, dy, dz = dirs
    base, u, length, tan_a = normal_frames(a, b, scene.r0, scene.r1)
    rel = (eye[None] - base).astype(np.float32)  # (P, 3) eye relative to each base centre
    wx = rel[k, 0] + depth * dx
    wy = rel[k, 1] + depth * dy
    wz = rel[k, 2] + depth * dz
    ux, uy, uz = u[k, 0], u[k, 1], u[k, 2]
    s = wx * ux + wy * uy + wz * uz
    qx, qy, qz = wx - s * ux, wy - s * uy, wz - s * uz
    q = np.sqrt(qx * qx + qy * qy + qz * qz)
    s_axis = np.clip(s - q * tan_a[k], f32(0), length[k])
    nx, ny, nz = wx - s_axis * ux, wy - s_axis * uy, wz - s_axis * uz
    inv = f32(1) / np.maximum(np.sqrt(nx * nx + ny * ny + nz * nz), f32(1e-9))
    nx, ny, nz = nx * inv, ny * inv, nz * inv
    lx, ly, lz = unit(scene.config.light_dir).astype(np.float32)
    ndl = np.clip(nx * lx + ny * ly + nz * lz, f32(0), f32(1))
    ndv = np.clip(-(nx * dx + ny * dy + nz * dz), f32(0), f32(1))
    hx, hy, hz = lx - dx, ly - dy, lz - dz
    ndh = np.clip((nx * hx + ny * hy + nz * hz) / np.sqrt(hx * hx + hy * hy + hz * hz), f32(0), f32(1))
    above = f32(eye[1] - scene.floor.floor_y) + depth * dy
    ao = f32(0.6) + f32(0.4) * smoothstep(f32(0), f32(0.3 * scene.scale), above)
    diffuse = (f32(0.20) + f32(0.12) * ny) * ao + f32(0.95) * ndl + f32(0.12) * ndv
    ndh2 = ndh * ndh
    ndh8 = (ndh2 * ndh2) ** 2
    spec = f32(0.22) * ndh8 * ndh8 * ndh8 * ndh8 * ndh8  # ndh ** 40
    rim = (f32(1) - ndv) ** 2
    rim = f32(0.22) * rim * rim * ao
    sky = srgb_to_linear(scene.config.background_top).astype(np.float32)
    colors = scene.colors.astype(np.float32)[k]
    return colors * diffuse[:, None] + spec[:, None] + rim[:, None] * sky


def normal_frames(
    a: np.ndarray, b: np.ndarray, r0: np.ndarray, r1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per primitive: base centre, axis unit u, axis length, tan(alpha) for normals.

    The normal at a surface point passes through the axis at s - q tan(alpha) (s along u,
    q off-axis); clamping that to [0, length] yields the end spheres' normals on the caps.
    A hull where one sphere contains the other degenerates to the bigger sphere (length 0).
    """
    ab = b - a
    dist = np.linalg.norm(ab, axis=-1)
    degenerate = dist <= np.abs(r0 - r1) + 1e-6
    safe = np.maximum(dist, 1e-9)
    u = np.where(degenerate[:, None], 0.0, ab / safe[:, None])
    sn = np.where(degenerate, 0.0, (r0 - r1) / safe)
    tan_a = sn / np.sqrt(np.maximum(1.0 - sn * sn, 1e-9))
    base = np.where((degenerate & (r1 > r0))[:, None], b, a)
    length = np.where(degenerate, 0.0, dist)
    return base, u.astype(np.float32), length.astype(np.float32), tan_a.astype(np.float32)
