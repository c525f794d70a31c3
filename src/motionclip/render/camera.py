"""Perspective camera that frames a whole motion and follows its root horizontally.

The camera's orientation is fixed for a clip (azimuth/elevation from the config) and it only
translates, tracking a Gaussian-smoothed root x/z path.  Fixed orientation means the per-pixel
ray directions are identical for every frame (computed once and cached), and the distance is
chosen once from the motion's root-relative extent so the figure is never clipped.  The floor
is world-anchored, so a travelling figure stays centred while the floor grid slides past.

With the default azimuth (+25 deg from +Z toward +X) the camera stands in front of a character
facing +Z: you look at it, so the character's left (+X) shows on the image's RIGHT.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from motionclip.render.config import RenderConfig


@dataclass(frozen=True)
class Camera:
    """Pinhole camera; ``positions`` holds one eye point per frame."""

    positions: np.ndarray  # (T, 3)
    forward: np.ndarray  # (3,) unit, from eye into the scene
    right: np.ndarray  # (3,) unit, image +x
    up: np.ndarray  # (3,) unit, image -y
    tan_y: float  # tan(fov_y / 2)
    width: int  # output pixels
    height: int
    distance: float  # eye to look-at target

    @property
    def tan_x(self) -> float:
        return self.tan_y * self.width / self.height

    def rays(self, factor: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit ray directions (x, y, z planes, each (H*factor, W*factor) float32) through pixel centres.

        Cached: the orientation is fixed, so every frame (and every clip with the same view) shares them.
        """
        return _ray_grid(
            self.width * factor,
            self.height * factor,
            self.tan_y,
            tuple(self.forward),
            tuple(self.right),
            tuple(self.up),
        )

    def project_spheres(self, frame: int, centres: np.ndarray, radii: np.ndarray, factor: int = 1) -> np.ndarray:
        """Conservative pixel boxes (N, 4) = x0, y0, x1, y1 (exclusive) of spheres on the factor-x grid."""
        width, height = self.width * factor, self.height * factor
        rel = centres - self.positions[frame]
        z = rel @ self.forward
        x = rel @ self.right
        y = rel @ self.up
        near = z - radii
        safe = np.maximum(near, 1e-6)
        sx = 0.5 * width / self.tan_x
        sy = 0.5 * height / self.tan_y
        # Off-axis spheres project to ellipses stretched outward; bound the box with the
        # near-plane depth on both sides plus a pixel of slack.
        cx0 = np.minimum(x / np.maximum(z, 1e-6), x / safe) - radii / safe
        cx1 = np.maximum(x / np.maximum(z, 1e-6), x / safe) + radii / safe
        cy0 = np.minimum(y / np.maximum(z, 1e-6), y / safe) - radii / safe
        cy1 = np.maximum(y / np.maximum(z, 1e-6), y / safe) + radii / safe
        box = np.stack(
            [
                np.floor(0.5 * width + cx0 * sx) - 1,
                np.floor(0.5 * height - cy1 * sy) - 1,
                np.ceil(0.5 * width + cx1 * sx) + 1,
                np.ceil(0.5 * height - cy0 * sy) + 1,
            ],
            axis=-1,
        )
        box[near <= 1e-6] = [0, 0, width, height]  # sphere around the eye: test all pixels
        box[:, [0, 2]] = np.clip(box[:, [0, 2]], 0, width)
        box[:, [1, 3]] = np.clip(box[:, [1, 3]], 0, height)
        return box.astype(np.int64)


def camera_basis(azimuth_deg: float, elevation_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forward, right, up) for a camera at the given azimuth (from +Z toward +X) and elevation."""
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    back = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    forward = -back
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return forward, right, up


def smooth_track(track: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-smooth a (T, D) track along time with reflected ends (sigma in frames)."""
    if sigma <= 0 or track.shape[0] < 2:
        return track.copy()
    radius = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    # Odd reflection keeps a constant-velocity track unbiased at the clip ends.
    padded = np.pad(track, ((radius, radius), (0, 0)), mode="reflect", reflect_type="odd")
    return np.stack([np.convolve(padded[:, d], k, mode="valid") for d in range(track.shape[1])], axis=1)


def frame_motion(centres: np.ndarray, radii: np.ndarray, root_xz: np.ndarray, config: RenderConfig) -> Camera:
    """Place the camera so every sphere of every frame is in view.

    centres: (T, N, 3) sphere centres; radii: (N,); root_xz: (T, 2) root track to follow.
    """
    forward, right, up = camera_basis(config.azimuth_deg, config.elevation_deg)
    num_t = centres.shape[0]
    if config.follow_root:
        track = smooth_track(root_xz, config.follow_smoothing)
    else:
        track = np.repeat(root_xz.mean(0, keepdims=True), num_t, axis=0)
    rel = centres.copy()
    rel[..., 0] -= track[:, None, 0]
    rel[..., 2] -= track[:, None, 1]
    lo = (rel - radii[None, :, None]).reshape(-1, 3).min(0)
    hi = (rel + radii[None, :, None]).reshape(-1, 3).max(0)
    mid = 0.5 * (lo + hi)
    target = np.stack([track[:, 0] + mid[0], np.full(num_t, mid[1]), track[:, 1] + mid[2]], axis=1)

    width, height = config.width, config.height
    tan_y = float(np.tan(np.radians(config.fov_deg) / 2))
    tan_x = tan_y * width / height
    off = centres - target[:, None, :]
    x, y, z = np.abs(off @ right), np.abs(off @ up), off @ forward
    pad = radii[None, :] * 1.05
    need_x = (x + pad) * config.margin / tan_x - z + pad
    need_y = (y + pad) * config.margin / tan_y - z + pad
    dist = float(max(need_x.max(), need_y.max(), (pad - z).max() + 1e-3, 1e-3))
    return Camera(target - dist * forward, forward, right, up, tan_y, width, height, dist)  # field order


@functools.lru_cache(maxsize=16)
def _ray_grid(
    width: int,
    height: int,
    tan_y: float,
    forward: tuple[float, ...],
    right: tuple[float, ...],
    up: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tan_x = tan_y * width / height
    u = ((np.arange(width) + 0.5) / width * 2 - 1) * tan_x
    v = (1 - (np.arange(height) + 0.5) / height * 2) * tan_y
    d = (
        np.asarray(forward)[None, None]
        + u[None, :, None] * np.asarray(right)[None, None]
        + v[:, None, None] * np.asarray(up)[None, None]
    )
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    x, y, z = (np.ascontiguousarray(d[..., i], dtype=np.float32) for i in range(3))
    for p in (x, y, z):
        p.setflags(write=False)
    return x, y, z
