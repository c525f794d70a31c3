"""Describe the renderer's mannequin (capsules + head) so the browser draws the same body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from motionclip.render.body import build_mannequin
from motionclip.render.config import RenderConfig


def _hex(rgb: Sequence[float]) -> str:
    r, g, b = (int(round(255 * min(max(float(c), 0.0), 1.0))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _limb_roots(side: np.ndarray, parents: Sequence[int]) -> list[int]:
    """First joint of each limb on one side (its parent is not on that side): hips, shoulders."""
    return [int(j) for j in np.flatnonzero(side) if parents[int(j)] < 0 or not side[parents[int(j)]]]


def mannequin_spec(positions: np.ndarray, parents: Sequence[int], names: Sequence[str] | None) -> dict[str, Any]:
    """Primitives of :func:`motionclip.render.body.build_mannequin` as JSON-friendly lists.

    ``bones``: tapered capsules from joint ``a`` to joint ``b`` (pushed ``extend`` metres past
    ``b`` for hands/feet) with radii ``r0``/``r1`` and an sRGB hex colour.  ``head``: the sphere
    hung above ``joint`` along ``base``->``joint``; ``nose`` (or None) faces forward, which the
    client gets from ``left``/``right`` limb roots (character faces cross(left - right, +Y)).
    """
    par = [int(p) for p in parents]
    body = build_mannequin(np.asarray(positions, dtype=np.float64), par, list(names) if names else None, RenderConfig())
    special = {body.head_index, body.nose_index}
    bones = [
        {
            "a": int(body.start[i]),
            "b": int(body.end[i]),
            "extend": round(float(body.extend[i]), 4),
            "r0": round(float(body.r0[i]), 4),
            "r1": round(float(body.r1[i]), 4),
            "color": _hex(body.colors[i]),
        }
        for i in range(body.num_primitives)
        if i not in special
    ]
    head = None
    if body.head_index >= 0:
        head = {
            "joint": int(body.head_joint),
            "base": int(body.head_base),
            "radius": round(float(body.head_radius), 4),
            "color": _hex(body.colors[body.head_index]),
        }
    nose = None
    if body.nose_index >= 0:
        nose = {"radius": round(float(body.r0[body.nose_index]), 4), "color": _hex(body.colors[body.nose_index])}
    return {
        "bones": bones,
        "head": head,
        "nose": nose,
        "left": _limb_roots(body.left, par),
        "right": _limb_roots(body.right, par),
    }
