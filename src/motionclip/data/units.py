"""The length unit of a motion file, told from the body's height.

BVH has no unit field. Readers assume centimetres (:data:`motionclip.data.bvh.DEFAULT_SCALE`),
which is right for most mocap (Bandai, iClone, Mixamo) but not for files in metres, inches
or CMU's own unit (0.0564 m, from the ASF files' inch-based scale), which then read as a
body a hundredth or a twentieth of human size. The head-to-ankle height of a standing adult
is 1.1-1.6 m, so the unit that brings the measured height nearest 1.35 m is taken, if that
height lands in [0.5, 2.5] m; otherwise the file is refused with a hint to give the unit.
"""

from __future__ import annotations

import math

from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError

UNITS: dict[str, float] = {"cm": 0.01, "m": 1.0, "mm": 0.001, "in": 0.0254, "cmu": 0.056444, "dm": 0.1}
"""Metres per file unit."""
UNIT_CHOICES = ("auto", *UNITS)
READ_SCALE = 0.01  # what the BVH reader assumed (centimetres)
TYPICAL_HEIGHT_M = 1.35
HEIGHT_RANGE_M = (0.5, 2.5)


def check_units(units: str, where: str = "--units") -> str:
    key = str(units).strip().lower()
    if key not in UNIT_CHOICES:
        raise MotionCLIPError(f"{where}: unknown unit {units!r}; choose {', '.join(UNIT_CHOICES)}")
    return key


def detect_units(height_as_read_m: float) -> str:
    """The unit (a key of :data:`UNITS`) that makes ``height_as_read_m`` (read as cm) human."""
    if not (math.isfinite(height_as_read_m) and height_as_read_m > 0):
        raise MotionCLIPError("cannot tell the file's units: the body has no height; give --units")
    best = min(UNITS, key=lambda u: abs(math.log(height_as_read_m * UNITS[u] / READ_SCALE / TYPICAL_HEIGHT_M)))
    h = height_as_read_m * UNITS[best] / READ_SCALE
    lo, hi = HEIGHT_RANGE_M
    if not lo <= h <= hi:
        raise MotionCLIPError(
            f"cannot tell the file's units: the body is {height_as_read_m:.3g} units tall, not a human height in "
            f"any of {', '.join(UNITS)}; give --units"
        )
    return best


def rescale(motion: Motion, factor: float) -> Motion:
    """The same motion with every length (offsets, End Sites, root path) times ``factor``."""
    if factor == 1.0:
        return motion
    sk = motion.skeleton
    ends = {j: tuple(float(v) * factor for v in off) for j, off in sk.end_sites.items()}
    skeleton = Skeleton(sk.names, sk.parents, sk.offsets * factor, ends)
    return Motion(skeleton, motion.rotations, motion.root_translation * factor, motion.fps, motion.euler_order)


def metres_factor(units: str, height_as_read_m: float) -> tuple[float, str | None]:
    """How much to scale a motion read as centimetres to have it in metres, and a note when
    the unit was not cm; ``units`` "auto" tells it from ``height_as_read_m``."""
    key = check_units(units)
    chosen = detect_units(height_as_read_m) if key == "auto" else key
    if chosen == "cm":
        return 1.0, None
    how = "detected" if key == "auto" else "--units"
    return UNITS[chosen] / READ_SCALE, f"units: {chosen} ({how}); converted to metres"
