"""Reading and writing Biovision Hierarchy (BVH) files.

Reads ``.bvh`` and gzip-compressed ``.bvh.gz``; any channel order; 3- or 6-channel joints;
End Sites. Position channels on non-root joints are taken as (constant) bone offsets from
the first frame, which is what mocap exporters that write 6 channels everywhere mean.
Writes BVH that Blender imports: 6 channels on the root, 3 rotation channels elsewhere,
in the motion's Euler order.
"""

from __future__ import annotations

import gzip
import os
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from motionclip.checks import check_bool, check_int, check_number, check_path
from motionclip.data.bvh_parse import (
    MAX_BVH_CELLS,
    POSITION_CHANNELS,
    is_dummy_root,
    parse_hierarchy,
    parse_motion,
    read_text,
)
from motionclip.data.motion import Motion, check_euler_order, check_motion
from motionclip.data.rotations import euler_to_matrix, matrix_to_euler
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionFormatError
from motionclip.io_utils import atomic_path

DEFAULT_SCALE = 0.01  # BVH units -> metres; centimetres is the mocap norm


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
    lines = read_text(p, max_bytes).splitlines()
    joints, motion_line = parse_hierarchy(lines, src)
    col: list[int] = []
    n = 0
    for jt in joints:
        col.append(n)
        n += len(jt.channels)
    if n == 0:
        raise MotionFormatError(f"{src}: no joint has CHANNELS")
    cells = MAX_BVH_CELLS if max_cells is None else max_cells
    data, frame_time = parse_motion(lines, motion_line, n, len(joints), src, cells)
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
    if fold_dummy_root and len(joints) > 1 and is_dummy_root(joints):
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
