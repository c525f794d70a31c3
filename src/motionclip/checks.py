"""Argument checks of the public API: a wrong type or range is one line that names the argument,
raised as the project's error (:class:`~motionclip.errors.MotionCLIPError` or the subclass a
caller passes), instead of a ``TypeError`` from deep inside NumPy or torch.

Booleans are not integers or numbers here (``frames=True`` is a mistake, not one frame), and
floats are not integers (``frames=1.5`` is refused, not truncated).
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from motionclip.errors import MotionCLIPError

if TYPE_CHECKING:  # motionclip.config (and YAML) load on first use: ``import motionclip`` stays light
    from motionclip.limits import Limits

ErrorType = type[MotionCLIPError]

# C0/C1 control characters except the whitespace ones (tab, newline, vertical tab, form feed, CR)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 100k-character string stays one short line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_int(
    value: Any,
    name: str,
    minimum: int = 1,
    maximum: int | None = None,
    note: str = "",
    error: ErrorType = MotionCLIPError,
) -> int:
    """``value`` as an int in ``minimum..maximum`` (Python or NumPy integers only; ``note``
    follows the range in the message, e.g. " (60 s)")."""
    if maximum is not None:
        wanted = f"an integer between {minimum} and {maximum}{note}"
    else:
        kinds = {1: "a positive integer", 0: "a non-negative integer"}
        wanted = kinds.get(minimum, f"an integer >= {minimum}") + note
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise error(f"{name} must be {wanted}, got {shown(value)}")
    number = int(value)
    if maximum is not None and not minimum <= number <= maximum:
        raise error(f"{name} must be between {minimum} and {maximum}{note}, got {number}")
    if number < minimum:
        raise error(f"{name} must be {wanted}, got {number}")
    return number


def check_number(
    value: Any,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
    error: ErrorType = MotionCLIPError,
) -> float:
    """``value`` as a finite float (a real number, not a bool or text); ``positive``: > 0;
    ``minimum``/``maximum``: an inclusive range."""
    if positive:
        wanted = "a positive number"
    elif minimum is not None and maximum is not None:
        wanted = f"a number between {minimum:g} and {maximum:g}"
    elif minimum is not None:
        wanted = f"a number >= {minimum:g}"
    else:
        wanted = "a finite number"
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise error(f"{name} must be {wanted}, got {shown(value)}")
    number = float(value)
    out_of_range = (
        not math.isfinite(number)
        or (positive and number <= 0)
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    )
    if out_of_range:
        raise error(f"{name} must be {wanted}, got {number:g}")
    return number


def check_bool(value: Any, name: str, error: ErrorType = MotionCLIPError) -> bool:
    if not _is_bool(value):
        raise error(f"{name} must be True or False, got {shown(value)}")
    return bool(value)


def check_str(value: Any, name: str, error: ErrorType = MotionCLIPError) -> str:
    if not isinstance(value, str):
        raise error(f"{name} is not a string (got {type(value).__name__} {shown(value)})")
    return value


def check_path(value: Any, name: str = "path", error: ErrorType = MotionCLIPError) -> Path:
    """A file path: a non-empty ``str`` or ``os.PathLike`` without NUL characters."""
    text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise error(f"{name} must be a file path (str or os.PathLike), got {shown(value)}")
    if not text:
        raise error(f"{name} must be a file path, got an empty string")
    if "\x00" in text:
        raise error(f"{name} must not contain NUL characters, got {shown(text)}")
    return Path(text)


def check_real_tensor(value: Any, name: str, error: ErrorType = MotionCLIPError) -> torch.Tensor:
    """``value`` (tensor, array or nested numbers) as a float32 tensor; text, objects, booleans
    and complex numbers are refused. Shapes and finiteness are for the caller to check."""
    if isinstance(value, (str, bytes)) or value is None:
        raise error(f"{name} must be a tensor or array of numbers, got {shown(value)}")
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise error(f"{name} must be a tensor or array of numbers, got {shown(value)}") from None
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise error(f"{name} must hold real numbers, got dtype {tensor.dtype}")
    return tensor.to(torch.float32)


def _limits(limits: Limits | None) -> Limits:
    from motionclip.limits import LIMITS

    return LIMITS if limits is None else limits


def check_text(text: Any, name: str, limits: Limits | None = None, error: ErrorType = MotionCLIPError) -> str:
    """A text for the embedding backend: a string of valid Unicode without control characters
    (tab, newline and other whitespace are fine) and at most ``max_text_chars`` long (of
    ``limits``, default :data:`motionclip.limits.LIMITS`). Emptiness is the backend's to report."""
    check_str(text, name, error)
    most = _limits(limits).max_text_chars
    if len(text) > most:
        raise error(f"{name} is longer than {most} characters ({len(text)})")
    if _SURROGATE.search(text):
        raise error(f"{name} is not valid Unicode (unpaired surrogate)")
    bad = _CONTROL.search(text)
    if bad:
        raise error(f"{name} contains the control character U+{ord(bad.group()):04X} at position {bad.start()}")
    return text


def check_texts(texts: Any, name: str = "text", limits: Limits | None = None) -> list[str]:
    """One text or a sequence of texts, each passing :func:`check_text` (numbered from 1)."""
    if isinstance(texts, str):
        return [check_text(texts, name, limits)]
    if isinstance(texts, bytes) or not isinstance(texts, Sequence):
        raise MotionCLIPError(f"{name} must be a string or a list of strings, got {shown(texts)}")
    if not texts:
        raise MotionCLIPError(f"no texts given: {name} must be a string or a non-empty list of strings")
    return [check_text(t, f"{name} {i + 1}", limits) for i, t in enumerate(texts)]


def validate_prompts(texts: str | Sequence[str], limits: Limits | None = None, what: str = "prompt") -> list[str]:
    """Stripped prompts; empty, too long or control-character prompts are refused with a clear
    message (the CLI and the apps use this check; the model API checks texts with :func:`check_text`)."""
    if isinstance(texts, str):
        texts = [texts]
    elif isinstance(texts, bytes) or not isinstance(texts, Sequence):
        raise MotionCLIPError(f"a {what} must be a string or a list of strings, got {shown(texts)}")
    if not texts:
        raise MotionCLIPError(f"give at least one text {what}")
    out = []
    for i, t in enumerate(texts):
        label = f"{what} {i + 1}"
        raw = "" if t is None else check_str(t, label)
        t = check_text(raw.strip(), label, limits)
        if not t:
            raise MotionCLIPError(f"{label} is empty")
        out.append(t)
    return out
