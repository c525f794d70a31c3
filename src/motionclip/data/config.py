"""How takes become training windows (:class:`DataConfig`, stored in dataset caches)."""

from __future__ import annotations

from dataclasses import dataclass

from motionclip.config import bounded
from motionclip.errors import MotionCLIPError

BODIES = ("canonical-v1", "rig")
"""Skeleton conventions: "canonical-v1" puts any humanoid rig, through its joint positions, on
one body and one rotation convention (:mod:`motionclip.data.body`); "rig" keeps the files' own
skeleton and rotations (caches and checkpoints from before the canonical body)."""


def check_body(body: str, where: str = "data.body") -> str:
    if body not in BODIES:
        raise MotionCLIPError(f"{where}: unknown body convention {body!r}; choose {', '.join(BODIES)}")
    return body


@dataclass
class DataConfig:
    """How takes become training windows."""

    fps: float = bounded(30.0, gt=0)
    window: int = bounded(60, ge=2)
    stride: int = bounded(20, ge=1)
    seed: int = bounded(0, ge=0)
    val_fraction: float = bounded(0.1, ge=0, lt=1)
    test_fraction: float = bounded(0.1, ge=0, lt=1)
    phrasings: int = bounded(14, ge=1)  # descriptions per (content, style): labels.DEFAULT_PHRASINGS
    body: str = bounded("canonical-v1", choices=BODIES)
