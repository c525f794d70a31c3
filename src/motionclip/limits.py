"""What one request may ask, checked before any work starts (by :mod:`motionclip.checks`,
:class:`motionclip.generation.GenerateRequest` and the apps)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The CLI and the Python API use :data:`LIMITS`; the web server passes its stricter
    :class:`motionclip.web.limits.ServingLimits` (a subclass) to the same checks."""

    max_text_chars: int = 500  # a prompt, class name or style text
    max_steps: int = 64  # interpolation: motions along the path, both ends included
    max_samples: int = 64  # motions per prompt
    max_classes: int = 1000  # zero-shot classes per request
    max_scale: float = 10.0  # |edit strength|
    max_seconds: float = 60.0  # one generated motion
    max_seeds: int = 20  # ``eval seeds``
    max_seed: int = 2**63 - 1  # a generation seed (torch generators take 64-bit seeds)


LIMITS = Limits()
