"""The one reader and writer of motionclip's "safetensors + JSON header" files.

Every file the package writes (dataset cache, model checkpoint, training checkpoint, judge,
text-embedding table, image-embedding targets) is a safetensors file whose header metadata
holds one JSON object under a key of its own, with a ``format`` tag ``<name>-v<version>``.
Each format's owner module defines what the tensors and fields mean and checks them; this
module does what they share: atomic writing, the file/header size checks, JSON parsing and
the tag check, so that passing one kind of file where another is expected says which is which.

The descriptors of all formats live here (not in their owners) so that a reader can name
the format of a file it was *not* expecting; the module imports nothing heavy at import time.
Files written before each format had its own key and tag (dataset caches and model checkpoints
shared the key ``motionclip``; tables and training checkpoints had no tag) still load.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motionclip.io_utils import atomic_path

if TYPE_CHECKING:
    import torch

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the limit safetensors itself enforces
LEGACY_KEY = "motionclip"  # the key dataset caches and model checkpoints shared before v2 of this layout


@dataclass(frozen=True)
class TaggedFormat:
    """One file format: its tag ``<name>-v<version>``, header key and the versions read."""

    name: str
    what: str  # for messages: "dataset cache"
    key: str  # header metadata key holding the JSON object
    version: int = 1  # the version written
    oldest: int = 1  # the oldest version still read
    legacy_key: str | None = None  # where files from before per-format keys kept their header
    untagged: bool = False  # old files under ``key`` without a ``format`` field are read (as ``oldest``)

    @property
    def tag(self) -> str:
        return f"{self.name}-v{self.version}"

    def version_of(self, tag: object) -> int | None:
        """The version in ``tag`` if it is a tag of this format (any version), else None."""
        m = re.fullmatch(rf"{re.escape(self.name)}-v(\d+)", tag) if isinstance(tag, str) else None
        return int(m.group(1)) if m else None


DATASET_CACHE = TaggedFormat("motionclip-dataset", "dataset cache", "motionclip-dataset", legacy_key=LEGACY_KEY)
# v3: the same header as v2, and every tensor of the model is stored (v2 files may lack bank_activity)
MODEL_CHECKPOINT = TaggedFormat(
    "motionclip-checkpoint", "model checkpoint", "motionclip-checkpoint", version=3, legacy_key=LEGACY_KEY
)
TRAINING_CHECKPOINT = TaggedFormat(
    "motionclip-train-state", "training checkpoint", "motionclip-train-state", untagged=True
)
JUDGE = TaggedFormat("motionclip-judge", "judge", "motionclip-judge")
TEXT_TABLE = TaggedFormat("motionclip-table", "embedding table", "motionclip-table", untagged=True)
IMAGE_TARGETS = TaggedFormat("motionclip-image-embeddings", "image-embedding file", "motionclip-images")
FORMATS = (DATASET_CACHE, MODEL_CHECKPOINT, TRAINING_CHECKPOINT, JUDGE, TEXT_TABLE, IMAGE_TARGETS)


def write_tagged(
    fmt: TaggedFormat, path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> Path:
    """Write ``tensors`` and ``meta`` (tagged with ``fmt.tag``) to ``path`` atomically."""
    from safetensors.torch import save_file

    header = json.dumps({**meta, "format": fmt.tag})
    p = Path(path)
    with atomic_path(p, suffix=".tmp") as tmp:  # never matches a "*.safetensors" / "*.ckpt" glob
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata={fmt.key: header})
    return p


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in "aeiou" else f"a {what}"


def _no_constants(name: str) -> float:
    raise ValueError(f"non-finite number {name} in the JSON header")


def _read_header(p: Path, fmt: TaggedFormat, error: type[Exception]) -> dict[str, str]:
    """The safetensors header's ``__metadata__`` (str -> str), after checking the sizes."""
    what = fmt.what
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8)
            n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            if n < 0:
                raise error(f"{p}: not a readable {what} (a file of {size} bytes has no safetensors header)")
            if n > MAX_HEADER_BYTES or n > size - 8:
                raise error(f"{p}: not a readable {what} (header of {n} bytes in a file of {size} bytes)")
            raw = fh.read(n)
    except OSError as exc:
        raise error(f"{p}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise error(f"{p}: not a readable {what} (its safetensors header is not JSON)") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(header, dict) or not isinstance(metadata, (dict, type(None))):
        raise error(f"{p}: not a readable {what} (malformed safetensors header)")
    return {k: v for k, v in (metadata or {}).items() if isinstance(k, str) and isinstance(v, str)}


def _parse(p: Path, raw: str, what: str, error: type[Exception]) -> dict[str, Any]:
    try:
        meta = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise error(f"{p}: corrupt {what} metadata (invalid JSON: {exc})") from None
    if not isinstance(meta, dict):
        raise error(f"{p}: {what} metadata must be a JSON object, got {type(meta).__name__}")
    return meta


def _other_format(tag: object, metadata: dict[str, str]) -> TaggedFormat | None:
    """The known format a file is, judged by its tag or else by its header keys."""
    for other in FORMATS:
        if other.version_of(tag) is not None:
            return other
    for other in FORMATS:
        if other.key in metadata:
            return other
    return None


def _find_meta(p: Path, fmt: TaggedFormat, metadata: dict[str, str], error: type[Exception]) -> tuple[dict, int]:
    what = fmt.what
    own = fmt.key in metadata
    key = fmt.key if own else fmt.legacy_key if fmt.legacy_key in metadata else None
    if key is None:
        other = _other_format(None, metadata)
        if other is not None:
            raise error(f"{p}: this is a motionclip {other.what}, not {_a(what)}")
        raise error(f"{p}: not a motionclip {what} (a safetensors file without motionclip metadata)")
    meta = _parse(p, metadata[key], what, error)
    tag = meta.get("format")
    if tag is None and own and fmt.untagged:
        return meta, fmt.oldest
    version = fmt.version_of(tag)
    if version is None:
        other = _other_format(tag, {})
        if other is not None:
            raise error(f"{p}: this is a motionclip {other.what} ({tag}), not {_a(what)}")
        raise error(f"{p}: not {_a(what)} (unsupported format {tag!r}; expected {fmt.tag})")
    if version > fmt.version:
        raise error(f"{p}: {what} format {tag} is newer than this motionclip reads (up to v{fmt.version}); upgrade")
    if version < fmt.oldest:
        raise error(f"{p}: {what} format {tag} is too old for this motionclip (v{fmt.oldest} or later)")
    return meta, version


def read_tagged(
    fmt: TaggedFormat,
    path: str | os.PathLike[str],
    error: type[Exception],
    *,
    weights: bool = True,
    finite: bool = True,
    missing_hint: str = "",
) -> tuple[dict[str, torch.Tensor], dict[str, Any], int]:
    """Tensors, JSON metadata and format version of a ``fmt`` file; every failure is one line of ``error``.

    Checks: the file exists and is a regular file, its header size fits the file, the header is
    JSON, the metadata under ``fmt.key`` (or the legacy key) is a JSON object with this format's tag
    in a version this code reads, and (unless ``finite=False``) floating tensors hold no NaN/inf.
    ``weights=False`` reads the header only (no tensors). Owners check their own fields after.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    p = Path(path)
    if not p.exists():
        raise error(f"{p}: {fmt.what} not found{missing_hint}")
    if not p.is_file():
        raise error(f"{p}: not a regular file (expected {_a(fmt.what)})")
    meta, version = _find_meta(p, fmt, _read_header(p, fmt, error), error)
    tensors: dict[str, torch.Tensor] = {}
    if weights:
        try:
            tensors = load_file(str(p))
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise error(f"{p}: not a readable {fmt.what} ({exc})") from None
    for name, t in tensors.items() if finite else ():
        if t.is_floating_point() and not bool(t.isfinite().all()):
            raise error(f"{p}: tensor {name!r} contains NaN or inf")
    return tensors, meta, version
