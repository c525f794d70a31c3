"""Small file helpers shared by every writer: atomic writes and path checks."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


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

    The one atomic writer of the package (motions, videos, images, safetensors files, JSON).
    ``path`` is checked first (:func:`check_output_path`: a folder in the way, a folder that is
    not writable). Writers that fail half-way never leave a truncated file under the final name:
    the temporary file is removed, and so are the folders this call created for it. File-system
    failures (read-only, disk full) become one-line ``MotionCLIPError``s naming ``path``.
    """
    from motionclip.errors import MotionCLIPError

    final = check_output_path(path)
    created = _missing_folders(final.parent)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{final.name[:200]}.", suffix=suffix if suffix is not None else final.suffix, dir=final.parent
        )
    except OSError as exc:
        _remove_folders(created)
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
        _remove_folders(created)
        raise MotionCLIPError(f"{final}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        _remove_folders(created)
        raise


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``folder.mkdir(parents=True)`` would create, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_folders(folders: list[Path]) -> None:
    """Remove folders a failed write created (deepest first), as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# atomic_path's temporaries: "." + final name + "." + mkstemp's 8 random characters + suffix
_TEMP_NAME = re.compile(r"^\.(?P<final>.+)\.[a-z0-9_]{8}(?:\.[A-Za-z0-9]+)?$")
# safetensors' save_file itself writes through ".tmp" + 6 letters/digits beside its destination
_SAFETENSORS_TEMP = re.compile(r"^\.tmp[A-Za-z0-9]{6}$")


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
        ours = m is not None and keep(m.group("final"))
        if not (ours or _SAFETENSORS_TEMP.match(entry.name)) or not entry.is_file() or entry.is_symlink():
            continue
        try:
            size += entry.stat().st_size
            entry.unlink()
            count += 1
        except OSError:
            continue
    return count, size
