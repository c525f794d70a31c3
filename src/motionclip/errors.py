"""User-facing error types.

Every error a user can trigger with bad input derives from :class:`MotionCLIPError`, so
the CLI can print one clear line and exit non-zero instead of a traceback.
"""

from __future__ import annotations


class MotionCLIPError(Exception):
    """Base class for errors caused by input the user controls."""


class MotionFormatError(MotionCLIPError, ValueError):
    """A motion file or array is malformed (bad BVH, NaN, wrong shapes, ...)."""


class SkeletonError(MotionCLIPError, ValueError):
    """A skeleton is invalid or does not match the one a model was trained on."""


class CheckpointError(MotionCLIPError, ValueError):
    """A checkpoint is missing, corrupt or incompatible."""


class DatasetError(MotionCLIPError, ValueError):
    """A dataset folder or cache file cannot be used."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """A library exception's message as one line (torch's state-dict errors span many)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
