"""Rendering settings and the error type, kept in one typed place so callers never pass loose kwargs."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[float, float, float]


class RenderError(ValueError):
    """Bad renderer input: wrong shape, NaN/inf, empty, or an invalid parents tree."""


@dataclass(frozen=True)
class RenderConfig:
    """Image size, camera and look of the mannequin renderer.

    Colours are sRGB in [0, 1].  Angles are degrees.  With the default azimuth the camera
    stands in front of the character (on its +Z side, swung toward +X, i.e. toward the
    character's left), so the character's LEFT side appears on the image's RIGHT.
    """

    width: int = 320
    height: int = 320
    supersample: int = 2
    """Rays per pixel along each axis (2 -> 4 rays per pixel, box-filtered)."""
    azimuth_deg: float = 25.0
    """Camera swing around the vertical axis, from +Z toward +X."""
    elevation_deg: float = 15.0
    fov_deg: float = 40.0
    """Vertical field of view."""
    margin: float = 1.08
    """Framing slack: >1 leaves room around the motion's bounding box."""
    follow_root: bool = True
    """Move the look-at target with the (smoothed) root x/z so travelling motions stay framed."""
    follow_smoothing: float = 12.0
    """Gaussian sigma, in frames, of the root track the camera follows."""
    floor_height: float | None = None
    """World y of the floor; None puts it under the lowest limb surface of the whole motion."""
    tile_size: float = 0.5
    """Floor checker square edge in metres."""
    background_top: RGB = (0.80, 0.85, 0.92)
    background_bottom: RGB = (0.93, 0.94, 0.95)
    floor_color_a: RGB = (0.86, 0.86, 0.84)
    floor_color_b: RGB = (0.72, 0.73, 0.73)
    torso_color: RGB = (0.80, 0.76, 0.70)
    left_color: RGB = (0.90, 0.52, 0.36)
    """Tint of the character's left limbs (warm)."""
    right_color: RGB = (0.40, 0.58, 0.86)
    """Tint of the character's right limbs (cool)."""
    head_color: RGB = (0.88, 0.84, 0.78)
    light_dir: tuple[float, float, float] = (-0.45, 1.0, 0.5)
    """Direction toward the key light (world, need not be unit)."""
    shadow_strength: float = 0.7
    thickness: float = 1.0
    """Global multiplier on limb radii."""

    def __post_init__(self) -> None:
        if self.width < 8 or self.height < 8:
            raise RenderError(f"image must be at least 8x8, got {self.width}x{self.height}")
        if not 1 <= self.supersample <= 4:
            raise RenderError(f"supersample must be in 1..4, got {self.supersample}")
        if not 5.0 <= self.fov_deg <= 120.0:
            raise RenderError(f"fov_deg must be in [5, 120], got {self.fov_deg}")
        if not -80.0 <= self.elevation_deg <= 80.0:
            raise RenderError(f"elevation_deg must be in [-80, 80], got {self.elevation_deg}")
        if self.margin < 1.0:
            raise RenderError(f"margin must be >= 1, got {self.margin}")
