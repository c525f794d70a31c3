"""Reading and writing Biovision Hierarchy (BVH) files.

Reads ``.bvh`` and gzip-compressed ``.bvh.gz``; any channel order; 3- or 6-channel joints;
End Sites. Position channels on non-root joints are taken as (constant) bone offsets from
the first frame, which is what mocap exporters that write 6 channels everywhere mean.
Writes BVH that Blender imports: 6 channels on the root, 3 rotation channels elsewhere,
in the motion's Euler order.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from motionclip.checks import check_bool, check_int, check_number, check_path
from motionclip.data.motion import MAX_MOTION_CELLS, Motion, check_euler_order, check_motion
from motionclip.data.rotations import euler_to_matrix, matrix_to_euler
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionFormatError
from motionclip.io_utils import atomic_path

POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
ROTATION_CHANNELS = ("Xrotation", "Yrotation", "Zrotation")
DEFAULT_SCALE = 0.01  # BVH units -> metres; centimetres is the mocap norm


@dataclass
class _Joint:
    name: str
    parent: int
    offset: list[float]
    channels: list[str] = field(default_factory=list)
    end_site: tuple[float, float, float] | None = None


MAX_BVH_BYTES = 256 * 1024 * 1024  # on disk and after gunzip; real takes are a few MB
MAX_BVH_CELLS = MAX_MOTION_CELLS
MIN_FRAME_TIME = 1e-4  # 10 kHz: faster than any capture system
MAX_FRAME_TIME = 10.0  # 0.1 fps: slower than any key-framed export
_ROWS_PER_CHUNK = 4096


def _read_text(path: Path, max_bytes: int | None = None) -> str:
    if not path.exists():
        raise MotionFormatError(f"{path}: file not found")
    if path.is_dir():
        raise MotionFormatError(f"{path}: is a directory, not a BVH file")
    if not path.is_file():  # FIFOs, devices: reading them could block or never end
        raise MotionFormatError(f"{path}: not a regular file")
    limit = MAX_BVH_BYTES if max_bytes is None else max_bytes
    try:
        if path.stat().st_size > limit:
            raise MotionFormatError(f"{path}: larger than {_size(limit)}; not a motion file")
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                raw = fh.read(limit + 1)  # never more than the limit in memory (gzip bombs)
            if len(raw) > limit:
                raise MotionFormatError(f"{path}: inflates to more than {_size(limit)}; not a motion file")
        return raw.decode("utf-8-sig", errors="replace")  # -sig: tolerate a byte-order mark
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise MotionFormatError(f"{path}: cannot read ({exc})") from None


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 1024:g} KiB"


def _parse_floats(tokens: list[str], where: str) -> list[float]:
    try:
        return [float(t) for t in tokens]
    except ValueError:
        raise MotionFormatError(f"{where}: expected numbers, got {' '.join(tokens)!r}") from None


def _parse_hierarchy(lines: list[str], src: str) -> tuple[list[_Joint], int]:
    """Parse HIERARCHY; return joints and the index of the MOTION line."""
    joints: list[_Joint] = []
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
            joints.append(_Joint(" ".join(tokens[1:]), parent, [0.0, 0.0, 0.0]))
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
            values = _parse_floats(tokens[1:4], where)
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


def _parse_motion(
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
    for start_row in range(0, n_frames, _ROWS_PER_CHUNK):  # chunks: token lists stay small
        chunk = rows[start_row : start_row + _ROWS_PER_CHUNK]
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


def _is_dummy_root(joints: list[_Joint]) -> bool:
    """A root with one child that carries its own translation (e.g. Bandai's ``joint_Root``)."""
    children = [j for j, jt in enumerate(joints) if jt.parent == 0]
    return len(children) == 1 and any(c in POSITION_CHANNELS for c in joints[children[0]].channels)


def read_bvh(
    path: str | os.PathLike[str],
    scale: float = DEFAULT_SCALE,
    fold_dummy_root: bool = True,
    max_bytes: int | None = None,
    max_cells: int | None = None,
) -> Motion:
    """Read a ``.bvh`` or ``.bvh.gz`` file into a :class:`Motion` (metres).

    Args:
        path: the file.
        scale: multiply BVH lengths by this to get metres (0.01 for centimetres).
        fold_dummy_root: if the root has a single child that carries its own translation
            (e.g. Bandai Namco's ``joint_Root``), fold the root's transform into that child
            and make it the root. Joint positions are unchanged.
        max_bytes: refuse files larger than this on disk or after gunzip
            (default ``MAX_BVH_BYTES``).
        max_cells: refuse motions with more frames x joints (default ``MAX_BVH_CELLS``);
            checked on the MOTION header, before the frames are parsed.

    Raises:
        MotionFormatError: naming what is wrong with the file (or with an argument).
    """
    p = check_path(path, error=MotionFormatError)
    scale = check_number(scale, "scale", positive=True, error=MotionFormatError)
    check_bool(fold_dummy_root, "fold_dummy_root", error=MotionFormatError)
    if max_bytes is not None:
        check_int(max_bytes, "max_bytes", error=MotionFormatError)
    if max_cells is not None:
        check_int(max_cells, "max_cells", error=MotionFormatError)
    src = str(p)
    lines = _read_text(p, max_bytes).splitlines()
    joints, motion_line = _parse_hierarchy(lines, src)
    col: list[int] = []
    n = 0
    for jt in joints:
        col.append(n)
        n += len(jt.channels)
    if n == 0:
        raise MotionFormatError(f"{src}: no joint has CHANNELS")
    cells = MAX_BVH_CELLS if max_cells is None else max_cells
    data, frame_time = _parse_motion(lines, motion_line, n, len(joints), src, cells)
    del lines
    n_frames = data.shape[0]

    local_pos = np.zeros((n_frames, len(joints), 3))
    angles: list[tuple[str, np.ndarray]] = []
    for j, jt in enumerate(joints):
        block = data[:, col[j] : col[j] + len(jt.channels)]
        pos = np.tile(np.asarray(jt.offset, dtype=np.float64), (n_frames, 1))
        order = ""
        rot_vals = []
        for k, ch in enumerate(jt.channels):
            if ch in POSITION_CHANNELS:
                pos[:, POSITION_CHANNELS.index(ch)] = block[:, k]
            else:
                order += ch[0]
                rot_vals.append(block[:, k])
        local_pos[:, j] = pos
        angles.append((order, np.stack(rot_vals, axis=-1) if rot_vals else np.zeros((n_frames, 0))))

    rotations = torch.eye(3).repeat(n_frames, len(joints), 1, 1)
    by_order: dict[str, list[int]] = {}
    for j, (order, _) in enumerate(angles):
        if order:
            by_order.setdefault(order, []).append(j)
    for order, idx in by_order.items():  # one roma call per channel order
        vals = torch.from_numpy(np.stack([angles[j][1] for j in idx], axis=1)).float()
        rotations[:, idx] = euler_to_matrix(order, vals)
    rot_orders = [o for o, _ in angles if o]
    # most common order; ties go to the first seen (the root's), not to set iteration order
    euler_order = Counter(rot_orders).most_common(1)[0][0] if rot_orders else "ZXY"

    first = 0
    if fold_dummy_root and len(joints) > 1 and _is_dummy_root(joints):
        r0 = rotations[:, 0].double()
        child_pos = torch.from_numpy(local_pos[:, 1])
        local_pos[:, 1] = (torch.from_numpy(local_pos[:, 0]) + (r0 @ child_pos[..., None])[..., 0]).numpy()
        rotations[:, 1] = (r0 @ rotations[:, 1].double()).float()
        first = 1
    names = [jt.name for jt in joints[first:]]
    parents = [jt.parent - first if jt.parent - first >= 0 else -1 for jt in joints[first:]]
    offsets = local_pos[0, first:].copy()  # non-root position channels: constant bone offsets
    offsets[0] = 0.0
    root_translation = local_pos[:, first]
    end_sites = {
        j - first: tuple(float(v) * scale for v in jt.end_site)
        for j, jt in enumerate(joints)
        if j >= first and jt.end_site is not None
    }
    skeleton = Skeleton(tuple(names), tuple(parents), offsets * scale, end_sites)
    return Motion(
        skeleton,
        rotations[:, first:].contiguous(),
        torch.from_numpy(root_translation * scale).float(),
        fps=1.0 / frame_time,
        euler_order=euler_order,
    )


def _fmt(values: np.ndarray) -> str:
    return " ".join(f"{v:.6f}" for v in values)


def bvh_text(motion: Motion, scale: float = DEFAULT_SCALE, euler_order: str | None = None) -> str:
    """The BVH file contents for ``motion`` (lengths divided by ``scale``)."""
    check_motion(motion)
    scale = check_number(scale, "scale", positive=True, error=MotionFormatError)
    order = check_euler_order(motion.euler_order if euler_order is None else euler_order)
    sk = motion.skeleton
    rot_channels = " ".join(f"{a}rotation" for a in order)
    out = ["HIERARCHY"]
    depth_of: dict[int, int] = {}

    def close_until(depth: int) -> None:
        while open_stack and open_stack[-1] >= depth:
            d = open_stack.pop()
            out.append("\t" * d + "}")

    # BVH nests each joint inside its parent and lists channels in that nesting order, so
    # walk the tree depth-first (a skeleton only promises parents before children).
    dfs: list[int] = []
    todo = [0]
    while todo:
        j = todo.pop()
        dfs.append(j)
        todo.extend(reversed(sk.children(j)))
    open_stack: list[int] = []
    for j in dfs:
        name = sk.names[j]
        p = sk.parents[j]
        depth = 0 if p < 0 else depth_of[p] + 1
        depth_of[j] = depth
        close_until(depth)
        ind = "\t" * depth
        out.append(f"{ind}{'ROOT' if p < 0 else 'JOINT'} {name}")
        out.append(f"{ind}{{")
        off = sk.offsets[j] / scale
        out.append(f"{ind}\tOFFSET {_fmt(off)}")
        if p < 0:
            out.append(f"{ind}\tCHANNELS 6 Xposition Yposition Zposition {rot_channels}")
        else:
            out.append(f"{ind}\tCHANNELS 3 {rot_channels}")
        if not sk.children(j):
            end = np.asarray(sk.end_sites.get(j, (0.0, 0.0, 0.0))) / scale
            out.append(f"{ind}\tEnd Site")
            out.append(f"{ind}\t{{")
            out.append(f"{ind}\t\tOFFSET {_fmt(end)}")
            out.append(f"{ind}\t}}")
        open_stack.append(depth)
    close_until(0)
    angles = matrix_to_euler(order, motion.rotations.double()).numpy()[:, dfs]  # (T, J, 3)
    root = motion.root_translation.double().numpy() / scale
    frames = np.concatenate([root, angles.reshape(len(motion), -1)], axis=1)
    out.append("MOTION")
    out.append(f"Frames: {len(motion)}")
    out.append(f"Frame Time: {1.0 / motion.fps:.8f}")
    out.extend(_fmt(row) for row in frames)
    return "\n".join(out) + "\n"


def write_bvh(
    motion: Motion, path: str | os.PathLike[str], scale: float = DEFAULT_SCALE, euler_order: str | None = None
) -> Path:
    """Write ``motion`` as BVH (gzip if the name ends in .gz), atomically."""
    final = check_path(path, error=MotionFormatError)
    text = bvh_text(motion, scale, euler_order)
    with atomic_path(final) as tmp:
        if final.suffix == ".gz":
            with gzip.open(tmp, "wt", encoding="utf-8") as fh:
                fh.write(text)
        else:
            tmp.write_text(text, encoding="utf-8")
    return final
