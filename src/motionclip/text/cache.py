"""Content-addressed disk cache for embeddings.

Why: encoding every caption at every epoch/CLI call is the slowest part of
using a frozen text encoder, while the answer never changes for given weights.

Layout -- one small ``.npy`` file per embedding::

    <root>/<namespace-slug>-<hash12>/NAMESPACE          # human-readable namespace
    <root>/<namespace-slug>-<hash12>/<k[:2]>/<k>.npy     # k = sha256 of the input

One file per entry keeps concurrency trivial: every write goes to a private
temp file in the target directory and is published with ``os.replace``, which
is atomic on POSIX and Windows. Two processes writing the same key therefore
race harmlessly (identical content, last one wins) and a reader only ever sees
a complete file or none. Unreadable files are treated as misses and rewritten.

``cache_dir`` semantics (see :func:`resolve_cache_dir`):
    * ``None`` / ``True`` -> default directory: ``$MOTIONCLIP_CACHE_DIR`` if set,
      else ``~/.cache/motionclip/embeddings``. Setting the variable to ``off``,
      ``0``, ``false`` or ``none`` disables caching.
    * ``False`` -> no disk cache at all.
    * a path -> that directory (created on first write).

Size: the whole cache directory (every namespace) is kept under a cap, by default 512 MiB,
set with ``$MOTIONCLIP_CACHE_MAX_MB`` (a number of MiB, or ``unlimited``) or
``EmbeddingCache(max_bytes=...)``. Least recently used entries go first: a hit refreshes
its file's modification time (at most once an hour, to keep reads cheap), and writes trim
the cache when it has grown by a twentieth of the cap since the last check.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import torch

if TYPE_CHECKING:
    pass

__all__ = [
    "CACHE_ENV",
    "EmbeddingCache",
    "default_cache_dir",
    "make_cache",
    "resolve_cache_dir",
]

CACHE_ENV = "MOTIONCLIP_CACHE_DIR"
CACHE_MAX_ENV = "MOTIONCLIP_CACHE_MAX_MB"
DEFAULT_MAX_BYTES = 512 * 2**20
TOUCH_AFTER_S = 3600.0  # LRU resolution: a hit refreshes its entry's mtime at most this often
_UNLIMITED = {"unlimited", "none", "inf", "infinite"}
_FORMAT = "v1"  # bump to invalidate every entry if the key or file format changes
_DISABLED = {"off", "0", "false", "none", "no"}
_TMP_PREFIX = ".tmp-"

T = TypeVar("T")


def default_cache_dir() -> Path | None:
    """``$MOTIONCLIP_CACHE_DIR`` or ``~/.cache/motionclip/embeddings``; ``None`` if disabled by env."""
    env = os.environ.get(CACHE_ENV)
    if env is not None and env.strip():
        if env.strip().lower() in _DISABLED:
            return None
        return Path(env).expanduser()
    return Path.home() / ".cache" / "motionclip" / "embeddings"


def default_max_bytes() -> int | None:
    """The size cap from ``$MOTIONCLIP_CACHE_MAX_MB`` (None = unlimited); bad values warn."""
    env = (os.environ.get(CACHE_MAX_ENV) or "").strip().lower()
    if not env:
        return DEFAULT_MAX_BYTES
    if env in _UNLIMITED:
        return None
    try:
        mb = float(env)
    except ValueError:
        mb = float("nan")
    if not (math.isfinite(mb) and mb > 0):
        warnings.warn(
            f"{CACHE_MAX_ENV}={env!r} is not a positive number of MiB (or 'unlimited'); "
            f"using {DEFAULT_MAX_BYTES // 2**20}",
            stacklevel=2,
        )
        return DEFAULT_MAX_BYTES
    return max(1, int(mb * 2**20))


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | bool | None) -> Path | None:
    """Map the user-facing ``cache_dir`` argument to a directory (or ``None`` = no cache)."""
    if cache_dir is False:
        return None
    if cache_dir is None or cache_dir is True:
        return default_cache_dir()
    return Path(cache_dir).expanduser()


def make_cache(cache_dir: str | os.PathLike[str] | bool | None, namespace: str) -> EmbeddingCache | None:
    """Build the cache a backend should use, or ``None`` when caching is off."""
    root = resolve_cache_dir(cache_dir)
    return None if root is None else EmbeddingCache(root, namespace)


def _atomic_write(target: Path, data: bytes) -> None:
    """Write via a private temp file in the same directory, then ``os.replace`` it into place."""
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "ns"


class EmbeddingCache:
    """Disk cache of ``key -> 1-D float32 vector`` for one backend/model namespace."""

    def __init__(self, root: str | os.PathLike[str], namespace: str, max_bytes: int | str | None = "default") -> None:
        self.root = Path(root).expanduser()
        self.namespace = namespace
        digest = hashlib.sha256(f"{_FORMAT}\0{namespace}".encode()).hexdigest()[:12]
        self.directory = self.root / f"{_slug(namespace)}-{digest}"
        self._writable = True
        cap = default_max_bytes() if max_bytes == "default" else max_bytes
        self.max_bytes: int | None = cap  # type: ignore[assignment]
        self._unchecked: int | None = None  # bytes written since the last trim (None: not trimmed yet)

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.directory)!r}, namespace={self.namespace!r})"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npy"

    # -- reads -----------------------------------------------------------------
    def get(self, key: str, dim: int | None = None) -> torch.Tensor | None:
        """Cached vector for ``key`` or ``None`` (missing, unreadable or wrong size)."""
        path = self._path(key)
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if arr.ndim != 1 or arr.dtype != np.float32 or (dim is not None and arr.shape[0] != dim):
            return None
        if self.max_bytes is not None:
            self._touch(path)
        return torch.from_numpy(arr)

    @staticmethod
    def _touch(path: Path) -> None:
        """Mark an entry as recently used (its mtime orders eviction)."""
        with contextlib.suppress(OSError):
            now = time.time()
            if now - path.stat().st_mtime > TOUCH_AFTER_S:
                os.utime(path, (now, now))

    def get_many(self, keys: Sequence[str], dim: int | None = None) -> list[torch.Tensor | None]:
        """Batched :meth:`get`."""
        return [self.get(k, dim) for k in keys]

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def __len__(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for p in self.directory.glob("*/*.npy") if not p.name.startswith(_TMP_PREFIX))

    # -- writes ----------------------------------------------------------------
    def put(self, key: str, vector: torch.Tensor | np.ndarray) -> None:
        """Atomically store one vector (temp file + ``os.replace``)."""
        if not self._writable:
            return
        arr = np.ascontiguousarray(
            vector.detach().cpu().numpy() if isinstance(vector, torch.Tensor) else vector, dtype=np.float32
        )
        if arr.ndim != 1:
            raise ValueError(f"expected a 1-D vector, got shape {arr.shape}")
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        target = self._path(key)
        try:
            self._ensure_dirs(target.parent)
            _atomic_write(target, buf.getvalue())
            self._after_write(len(buf.getvalue()))
        except OSError as exc:
            # A read-only or full disk must not break encoding; just stop caching.
            self._writable = False
            warnings.warn(f"embedding cache disabled, cannot write to {self.directory}: {exc}", stacklevel=3)

    def put_many(self, keys: Sequence[str], vectors: torch.Tensor | np.ndarray) -> None:
        """Store rows of ``vectors`` under ``keys``."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
        for key, vec in zip(keys, vectors):
            self.put(key, vec)

    def _ensure_dirs(self, sub: Path) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
            marker = self.directory / "NAMESPACE"
            if not marker.exists():
                _atomic_write(marker, f"{self.namespace}\nformat={_FORMAT}\n".encode())
        sub.mkdir(parents=True, exist_ok=True)

    def _after_write(self, size: int) -> None:
        if self.max_bytes is None:
            return
        if self._unchecked is not None:
            self._unchecked += size
        if self._unchecked is None or self._unchecked >= max(self.max_bytes // 20, 4096):
            self.trim()

    def size_bytes(self) -> int:
        """Bytes of every entry under the cache root (all namespaces)."""
        return sum(size for _, size, _ in self._entries())

    def _entries(self) -> list[tuple[float, int, Path]]:
        out = []
        for p in self.root.glob("*/*/*.npy"):
            with contextlib.suppress(OSError):
                st = p.stat()
                out.append((st.st_mtime, st.st_size, p))
        return out

    def trim(self) -> int:
        """Delete least recently used entries (any namespace under the root) until the cache is
        at most 90 % of ``max_bytes``; also stale temporaries. Returns the entries deleted."""
        self._unchecked = 0
        if self.max_bytes is None:
            return 0
        now = time.time()
        for tmp in self.root.glob(f"*/*/{_TMP_PREFIX}*"):  # writers killed mid-write
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > 3600:
                    tmp.unlink()
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        goal = int(self.max_bytes * 0.9)
        deleted = 0
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= goal:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                deleted += 1
        return deleted

    def clear(self) -> None:
        """Delete every entry of this namespace."""
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- the batched lookup backends use -----------------------------------------
    def get_or_compute(
        self,
        keys: Sequence[str],
        items: Sequence[T],
        compute: Callable[[list[T]], torch.Tensor],
        dim: int | None = None,
    ) -> torch.Tensor:
        """Return ``(N, D)`` rows for ``items``, calling ``compute`` once on the unique misses only.

        ``dim`` (if known) rejects entries of the wrong size; without it, hits
        that disagree in size with each other or with fresh results are
        recomputed, so a corrupted namespace heals itself.
        """
        if len(keys) != len(items):
            raise ValueError(f"{len(keys)} keys but {len(items)} items")
        rows = self.get_many(keys, dim)
        if len({r.shape[0] for r in rows if r is not None}) > 1:
            rows = [None] * len(rows)
        if all(r is not None for r in rows):
            return torch.stack(rows)  # type: ignore[arg-type]
        fresh = self._compute_misses(keys, items, rows, compute)
        size = next(iter(fresh.values())).shape[0]
        if any(r is not None and r.shape[0] != size for r in rows):
            rows = [None] * len(rows)
            fresh = self._compute_misses(keys, items, rows, compute)
        return torch.stack([fresh[k] if r is None else r for k, r in zip(keys, rows)])

    def _compute_misses(
        self,
        keys: Sequence[str],
        items: Sequence[T],
        rows: Sequence[torch.Tensor | None],
        compute: Callable[[list[T]], torch.Tensor],
    ) -> dict[str, torch.Tensor]:
        """Encode each distinct missing input once, store it, and return ``key -> row``."""
        miss_keys: list[str] = []
        miss_items: list[T] = []
        seen: set[str] = set()
        for key, item, row in zip(keys, items, rows):
            if row is None and key not in seen:
                seen.add(key)
                miss_keys.append(key)
                miss_items.append(item)
        out = compute(miss_items)
        self.put_many(miss_keys, out)
        return dict(zip(miss_keys, out))
