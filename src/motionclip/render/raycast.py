"""Vectorised ray intersection kernels (numpy, float32 per pixel, float64 per primitive).

Every ray of a frame starts at the same eye point, so per primitive the eye-relative vectors
are constants and only the ray direction varies per pixel: an intersection costs a few dozen
array operations over the primitive's screen box.

Primitive = "round cone": the convex hull of sphere A (centre a, radius ra) and sphere B
(centre b, radius rb).  Its surface is the two spheres plus the cone tangent to both.
With axis u = (b - a) / L, sin(alpha) = (ra - rb) / L and a point w relative to a,
s = w.u and q = |w - s u|, the tangent cone is q cos(alpha) + s sin(alpha) = ra, valid for
ra sin(alpha) <= s <= L + rb sin(alpha).  Squaring gives a quadratic along the ray.  The hull
is convex, so its entry point is the nearest valid hit among {cone roots in range, sphere A,
sphere B}.  When L <= |ra - rb| one sphere contains the other and only spheres are tested.
"""

from __future__ import annotations

import numpy as np

_EPS_T = 1e-4


def _sphere_entry(wd: np.ndarray, ww: float, r: float) -> np.ndarray:
    """Entry distance along unit rays of a sphere; wd = (eye - centre).d, ww = |eye - centre|^2."""
    h = wd * wd - (ww - r * r)
    t = -wd - np.sqrt(np.maximum(h, 0.0))
    return np.where((h >= 0) & (t > _EPS_T), t, np.inf)


def round_cone_hits(
    dx: np.ndarray,
    dy: np.ndarray,
    dz: np.ndarray,
    eye: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    ra: float,
    rb: float,
) -> np.ndarray:
    """Nearest hit distance of each ray (inf for a miss) against one round cone."""
    w0 = eye - a
    ab = b - a
    wd = dx * float(w0[0]) + dy * float(w0[1]) + dz * float(w0[2])
    abd = dx * float(ab[0]) + dy * float(ab[1]) + dz * float(ab[2])
    ww = float(w0 @ w0)
    length = float(np.sqrt(ab @ ab))
    t = _sphere_entry(wd, ww, ra)
    w0b = w0 - ab
    t = np.minimum(t, _sphere_entry(wd - abd, float(w0b @ w0b), rb))
    if length <= abs(ra - rb) + 1e-6:
        return t
    sn = (ra - rb) / length
    c2 = 1.0 - sn * sn
    s0 = float(w0 @ ab) / length
    sd = abd * (1.0 / length)
    qa = c2 - sd * sd
    qb = c2 * wd + (ra * sn - c2 * s0 - sn * sn * s0) * sd
    qc = c2 * (ww - s0 * s0) - ra * ra + 2.0 * ra * sn * s0 - sn * sn * s0 * s0
    h = qb * qb - qa * qc
    ok = h >= 0
    sq = np.sqrt(np.maximum(h, 0.0))
    qa = np.where(np.abs(qa) < 1e-7, np.float32(1e-7), qa)
    lo_s, hi_s = ra * sn, length + rb * sn
    for root in ((-qb - sq) / qa, (-qb + sq) / qa):
        s = s0 + root * sd
        valid = ok & (root > _EPS_T) & (s >= lo_s) & (s <= hi_s)
        t = np.minimum(t, np.where(valid, root, np.inf))
    return t


def smoothstep(e0: float | np.floating | np.ndarray, e1: float | np.floating | np.ndarray, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at e0 to 1 at e1."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def filtered_checker(u: np.ndarray, v: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Box-filtered checker in [0, 1] (squares of size 1) over a footprint ``width`` (anti-aliasing).

    The integral of a period-2 square wave is floor(x/2) + max(x - 2 floor(x/2) - 1, 0); the
    footprint average is its difference quotient.  The two axes combine like a smooth XOR.
    """

    def integral(x: np.ndarray) -> np.ndarray:
        half = np.floor(x * 0.5)
        return half + np.maximum(x - 2.0 * half - 1.0, 0.0)

    w = np.maximum(width, 1e-3)
    hw = 0.5 * w
    fu = (integral(u + hw) - integral(u - hw)) / w
    fv = (integral(v + hw) - integral(v - hw)) / w
    return fu + fv - 2.0 * fu * fv
