"""BVH text to joints and channel arrays: the HIERARCHY block (joints, offsets, channel order) and
the MOTION block (frames, read in chunks so a huge file never holds all its floats twice), with
every limit checked before the work it bounds."""

from __future__ import annotations

import gzip
import io
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motionclip.data.motion import MAX_MOTION_CELLS
from motionclip.errors import MotionFormatError


@dataclass
class Joint:
    name: str
    parent: int
    offset: list[float]
    channels: list[str] = field(default_factory=list)
    end_site: tuple[float, float, float] | None = None


POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
ROTATION_CHANNELS = ("Xrotation", "Yrotation", "Zrotation")
MAX_BVH_BYTES = 256 * 1024 * 1024  # on disk and after gunzip; real takes are a few MB


MAX_BVH_CELLS = MAX_MOTION_CELLS


MIN_FRAME_TIME = 1e-4  # 10 kHz: faster than any capture system


MAX_FRAME_TIME = 10.0  # 0.1 fps: slower than any key-framed export


ROWS_PER_CHUNK = 4096


def read_text(path: Path, max_bytes: int | None = None) -> str:
    if not path.exists():
        raise MotionFormatError(f"{path}: file not found")
    if path.is_dir():
        raise MotionFormatError(f"{path}: is a directory, not a BVH file")
    if not path.is_file():  # FIFOs, devices: reading them could block or never end
        raise MotionFormatError(f"{path}: not a regular file")
    limit = MAX_BVH_BYTES if max_bytes is None else max_bytes
    try:
        if path.stat().st_size > limit:
            raise MotionFormatError(f"{path}: larger than {size_text(limit)}; not a motion file")
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                raw = fh.read(limit + 1)  # never more than the limit in memory (gzip bombs)
            if len(raw) > limit:
                raise MotionFormatError(f"{path}: inflates to more than {size_text(limit)}; not a motion file")
        return raw.decode("utf-8-sig", errors="replace")  # -sig: tolerate a byte-order mark
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise MotionFormatError(f"{path}: cannot read ({exc})") from None


def size_text(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 1024:g} KiB"


def parse_floats(tokens: list[str], where: str) -> list[float]:
    try:
        return [float(t) for t in tokens]
    except ValueError:
        raise MotionFormatError(f"{where}: expected numbers, got {' '.join(tokens)!r}") from None


def parse_hierarchy(lines: list[str], src: str) -> tuple[list[Joint], int]:
    """Parse HIERARCHY; return joints and the index of the MOTION line."""
    joints: list[Joint] = []
    stack: list[int] = []  # joint indices; -2 marks an End Site block
    pending: int | None = None
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip().upper() != "HIERARCHY":
        raise MotionFormatError(f"{src}: not a BVH file (it does not start with HIERARCHY)")
    start = i + 1
    for i in range(start, len(lines)):
        tokens = lines[i].split()
        if not tokens:
            continue
        key = tokens[0].upper()
        where = f"{src}:{i + 1}"
        if key in ("ROOT", "JOINT"):
            if len(tokens) < 2:
                raise MotionFormatError(f"{where}: {tokens[0]} without a name")
            if key == "ROOT" and joints:
                raise MotionFormatError(f"{where}: more than one ROOT is not supported")
            parent = next((s for s in reversed(stack) if s >= 0), -1)
            if key == "JOINT" and parent < 0:
                raise MotionFormatError(f"{where}: JOINT outside of ROOT")
            joints.append(Joint(" ".join(tokens[1:]), parent, [0.0, 0.0, 0.0]))
            pending = len(joints) - 1
        elif key == "END":
            pending = -2
        elif key == "{":
            if pending is None:
                raise MotionFormatError(f"{where}: unexpected '{{'")
            stack.append(pending)
            pending = None
        elif key == "}":
            if not stack:
                raise MotionFormatError(f"{where}: unbalanced '}}'")
            stack.pop()
        elif key == "OFFSET":
            values = parse_floats(tokens[1:4], where)
            if len(values) != 3:
                raise MotionFormatError(f"{where}: OFFSET needs 3 numbers")
            if not stack:
                raise MotionFormatError(f"{where}: OFFSET outside a joint")
            if not all(math.isfinite(v) for v in values):
                what = "End Site offset" if stack[-1] == -2 else f"OFFSET of joint {joints[stack[-1]].name!r}"
                raise MotionFormatError(f"{where}: non-finite {what} {' '.join(tokens[1:4])}")
            if stack[-1] == -2:
                owner = next((s for s in reversed(stack) if s >= 0), None)
                if owner is not None:
                    joints[owner].end_site = (values[0], values[1], values[2])
            else:
                joints[stack[-1]].offset = values
        elif key == "CHANNELS":
            if not stack or stack[-1] < 0:
                raise MotionFormatError(f"{where}: CHANNELS outside a joint")
            try:
                count = int(tokens[1])
            except (IndexError, ValueError):
                raise MotionFormatError(f"{where}: CHANNELS needs a count") from None
            names = tokens[2:]
            if len(names) != count:
                raise MotionFormatError(f"{where}: CHANNELS says {count} but lists {len(names)}")
            for name in names:
                if name not in POSITION_CHANNELS and name not in ROTATION_CHANNELS:
                    raise MotionFormatError(f"{where}: unknown channel {name!r} (expected X/Y/Z position or rotation)")
            rot = [n for n in names if n in ROTATION_CHANNELS]
            if len(rot) not in (0, 3) or len(set(names)) != len(names):
                raise MotionFormatError(f"{where}: joint needs exactly three distinct rotation channels")
            joints[stack[-1]].channels = names
        elif key == "MOTION":
            if stack:
                raise MotionFormatError(f"{where}: MOTION before the hierarchy was closed")
            if not joints:
                raise MotionFormatError(f"{src}: no joints in HIERARCHY")
            return joints, i
        else:
            raise MotionFormatError(f"{where}: unexpected keyword {tokens[0]!r}")
    raise MotionFormatError(f"{src}: no MOTION section (file truncated?)")


def parse_motion(
    lines: list[str], start: int, n_channels: int, n_joints: int, src: str, max_cells: int
) -> tuple[np.ndarray, float]:
    """The MOTION block as (frames, channels); the header's size and frame time are checked
    before anything is allocated."""
    header: dict[str, str] = {}
    i = start + 1
    while i < len(lines) and len(header) < 2:
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if ":" not in line:
            raise MotionFormatError(f"{src}:{i}: expected 'Frames:' and 'Frame Time:' after MOTION")
        k, v = line.split(":", 1)
        header[" ".join(k.split()).lower()] = v.strip()  # "Frame  Time" == "Frame Time"
    try:
        n_frames = int(header["frames"])
        frame_time = float(header["frame time"])
    except (KeyError, ValueError):
        raise MotionFormatError(f"{src}: missing or malformed 'Frames:'/'Frame Time:' header") from None
    if n_frames <= 0:
        raise MotionFormatError(f"{src}: motion has zero frames")
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise MotionFormatError(f"{src}: Frame Time must be positive, got {frame_time}")
    if not MIN_FRAME_TIME <= frame_time <= MAX_FRAME_TIME:
        raise MotionFormatError(
            f"{src}: Frame Time {frame_time:g} s is outside {MIN_FRAME_TIME:g}..{MAX_FRAME_TIME:g} s "
            f"({1 / MAX_FRAME_TIME:g} to {1 / MIN_FRAME_TIME:g} fps)"
        )
    if n_frames * n_joints > max_cells:
        raise MotionFormatError(f"{src}: {n_frames} frames x {n_joints} joints is more than the {max_cells} supported")
    rows = [ln for ln in lines[i:] if ln.strip()]
    if len(rows) < n_frames:
        raise MotionFormatError(f"{src}: truncated MOTION block: header says {n_frames} frames, found {len(rows)}")
    del rows[n_frames:]
    data = np.empty((n_frames, n_channels), dtype=np.float64)
    for start_row in range(0, n_frames, ROWS_PER_CHUNK):  # chunks: token lists stay small
        chunk = rows[start_row : start_row + ROWS_PER_CHUNK]
        for f, row in enumerate(chunk, start_row):
            c = len(row.split())
            if c != n_channels:
                raise MotionFormatError(f"{src}: frame {f} has {c} values, expected {n_channels} (one per channel)")
        try:
            data[start_row : start_row + len(chunk)] = np.array(" ".join(chunk).split(), dtype=np.float64).reshape(
                len(chunk), n_channels
            )
        except ValueError:
            raise MotionFormatError(f"{src}: MOTION block contains a value that is not a number") from None
    if not np.isfinite(data).all():
        bad = int(np.argwhere(~np.isfinite(data))[0, 0])
        raise MotionFormatError(f"{src}: NaN or inf value in frame {bad}")
    return data, frame_time


def is_dummy_root(joints: list[Joint]) -> bool:
    """A root with one child that carries its own translation (e.g. Bandai's ``joint_Root``)."""
    children = [j for j, jt in enumerate(joints) if jt.parent == 0]
    return len(children) == 1 and any(c in POSITION_CHANNELS for c in joints[children[0]].channels)
