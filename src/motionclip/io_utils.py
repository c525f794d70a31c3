"""Small file helpers shared by every writer: atomic writes and path checks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Fail now, with one clear line, if ``path`` cannot be written as a file (checked
    before any work, so a long job does not end on a bad ``--out``)."""
    from motionclip.errors import MotionCLIPError

    p = Path(path)
    if len(p.name.encode("utf-8", "surrogateescape")) > 255:
        raise MotionCLIPError(f"{p}: file name longer than 255 bytes")
    if p.is_dir():
        raise MotionCLIPError(f"{p}: is a folder; give a file name")
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise MotionCLIPError(f"{p}: cannot write under {parent} (not a folder)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MotionCLIPError(f"{p}: folder {parent} is not writable")
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    Writers that fail half-way therefore never leave a truncated file under the final
    name (the temporary file is removed instead). File-system failures (a folder in the
    way, read-only, disk full) become one-line ``MotionCLIPError``s naming ``path``.
    """
    from motionclip.errors import MotionCLIPError

    final = check_output_path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{final.name[:200]}.", suffix=suffix if suffix is not None else final.suffix, dir=final.parent
        )
    except OSError as exc:
        raise MotionCLIPError(f"{final}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp (and some writers) make 0600; use normal permissions
        os.replace(tmp_path, final)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise MotionCLIPError(f"{final}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _no_constants(name: str) -> float:
    raise ValueError(f"non-finite number {name} in the JSON header")


def read_safetensors(
    path: str | os.PathLike[str],
    meta_key: str,
    what: str,
    error: type[Exception],
    weights: bool = True,
    finite: bool = True,
    kind: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tensors and JSON header (an object under ``meta_key``) of one of our safetensors files.

    Every failure is ``error`` with one line naming the file: missing, not a regular file,
    unreadable, no header, header not a JSON object (NaN/Infinity refused), floating tensors
    with NaN or inf (unless ``finite=False``). ``weights=False`` reads the header only
    (tensors come back empty). ``kind`` names the file type in "not a ..." (default ``what``).
    Callers then check the header's fields themselves.
    """
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    p = Path(path)
    if not p.exists():
        raise error(f"{p}: {what} not found")
    if not p.is_file():
        raise error(f"{p}: not a regular file (expected a {what})")
    try:
        with safe_open(str(p), framework="pt") as fh:
            raw = (fh.metadata() or {}).get(meta_key)
        tensors = load_file(str(p)) if weights else {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise error(f"{p}: not a readable {what} ({exc})") from None
    if raw is None:
        raise error(f"{p}: safetensors file has no {meta_key} metadata (not a {kind or what})")
    try:
        meta = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise error(f"{p}: corrupt {kind or what} metadata (not valid JSON: {exc})") from None
    if not isinstance(meta, dict):
        raise error(f"{p}: {what} metadata must be a JSON object, got {type(meta).__name__}")
    for name, t in tensors.items() if finite else ():
        if t.is_floating_point() and not bool(t.isfinite().all()):
            raise error(f"{p}: tensor {name!r} contains NaN or inf")
    return tensors, meta


# atomic_path's temporaries: "." + final name + "." + mkstemp's 8 random characters + suffix
_TEMP_NAME = re.compile(r"^\.(?P<final>.+)\.[a-z0-9_]{8}(?:\.[A-Za-z0-9]+)?$")


def remove_stale_temps(folder: str | os.PathLike[str], keep: Callable[[str], bool]) -> tuple[int, int]:
    """Delete temporaries that :func:`atomic_path` left in ``folder`` when a write was killed
    (``kill -9``, power loss), for final names where ``keep(name)`` is true; (files, bytes).

    Only call this where no other writer is at work (e.g. at the start of a training run).
    """
    d = Path(folder)
    if not d.is_dir():
        return 0, 0
    count = size = 0
    for entry in d.iterdir():
        m = _TEMP_NAME.match(entry.name)
        if m is None or not keep(m.group("final")) or not entry.is_file() or entry.is_symlink():
            continue
        try:
            size += entry.stat().st_size
            entry.unlink()
            count += 1
        except OSError:
            continue
    return count, size
