"""Putting a motion on another skeleton whose joints map by name (or by a mapping file).

The method is the simple one animators use between similar rigs: copy each mapped
joint's local rotation, use the target's bone lengths, and scale the root path by the
ratio of leg lengths so feet keep their stride. It assumes both rest poses agree (both
T-poses, say, with the same joint axes); unmapped source joints in between two mapped
ones fold their rotation into the next mapped joint. Skeletons that do not map get a
clear error listing the joints that are missing.

Mapping file (``--joint-map``): JSON object ``{"source name": "target name", ...}`` or a
CSV/text file with ``source,target`` per line; names not listed map to themselves.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch

from motionclip.data.fk import forward_kinematics
from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import SkeletonError

MAX_MAP_BYTES = 1024 * 1024


def read_joint_map(path: str | Path) -> dict[str, str]:
    """``{source: target}`` from a JSON object or a two-column CSV; errors name the line."""
    p = Path(path)
    if not p.is_file():
        raise SkeletonError(f"{p}: joint-map file not found")
    if p.stat().st_size > MAX_MAP_BYTES:
        raise SkeletonError(f"{p}: larger than 1 MiB; not a joint map")
    text = p.read_text(encoding="utf-8-sig")
    out: dict[str, str] = {}
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SkeletonError(f"{p}: not valid JSON ({exc.args[0]})") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise SkeletonError(f'{p}: expected a JSON object of joint names, {{"source": "target", ...}}')
        out = {k.strip(): v.strip() for k, v in data.items()}
    else:
        for n, row in enumerate(csv.reader(text.splitlines()), start=1):
            if not row or row[0].lstrip().startswith("#"):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise SkeletonError(f"{p}:{n}: expected 'source,target', got {','.join(row)!r}")
            if n == 1 and [c.strip().lower() for c in row] == ["source", "target"]:
                continue
            out[row[0].strip()] = row[1].strip()
    targets = list(out.values())
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    if dupes:
        raise SkeletonError(f"{p}: several joints map to {dupes[0]!r}")
    return out


def rename_joints(motion: Motion, mapping: dict[str, str]) -> Motion:
    """The same motion with joints renamed by ``mapping`` (others keep their names)."""
    if not mapping:
        return motion
    sk = motion.skeleton
    names = tuple(mapping.get(n, n) for n in sk.names)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise SkeletonError(f"joint map gives two joints the name {dup!r}")
    return Motion(Skeleton(names, sk.parents, sk.offsets, sk.end_sites), motion.rotations, motion.root_translation,
                  motion.fps, motion.euler_order)  # fmt: skip


def _ancestors(parents: tuple[int, ...], j: int) -> list[int]:
    out = []
    while j >= 0:
        out.append(j)
        j = parents[j]
    return out


def leg_length(skeleton: Skeleton) -> float:
    """Height of the root above the lowest joint in the rest pose (Y up), metres."""
    off = torch.as_tensor(skeleton.offsets, dtype=torch.float64)
    rest = forward_kinematics(torch.eye(3, dtype=torch.float64).expand(len(off), 3, 3), torch.zeros(3,
                              dtype=torch.float64), off, skeleton.parents)  # fmt: skip
    return float(-rest[:, 1].min())


def joint_sources(source: Skeleton, target: Skeleton) -> list[int]:
    """For each target joint, the source joint of the same name; clear error if any is
    missing or the hierarchy disagrees (a target parent must be a source ancestor)."""
    index = {n: i for i, n in enumerate(source.names)}
    missing = [n for n in target.names if n not in index]
    if missing:
        raise SkeletonError(
            f"motion skeleton does not map onto the model's: {len(missing)} of its {target.num_joints} joints have no "
            f"match in the motion ({', '.join(missing[:6])}{', ...' if len(missing) > 6 else ''}); a joint map "
            "(--joint-map) can name them"
        )
    src = [index[n] for n in target.names]
    for j, p in enumerate(target.parents):
        if p >= 0 and src[p] not in _ancestors(source.parents, src[j])[1:]:
            raise SkeletonError(
                f"motion skeleton does not map onto the model's: joint {target.names[j]!r} hangs under "
                f"{target.names[p]!r} in the model but not in the motion's skeleton"
            )
    return src


def retarget(motion: Motion, target: Skeleton, mapping: dict[str, str] | None = None) -> Motion:
    """``motion`` on ``target``'s skeleton (see the module docstring)."""
    m = rename_joints(motion, mapping or {})
    sk = m.skeleton
    if sk.names == target.names and sk.parents == target.parents:
        src = list(range(sk.num_joints))
    else:
        src = joint_sources(sk, target)
    rot = m.rotations
    local = torch.empty(len(m), target.num_joints, 3, 3)
    for j, p in enumerate(target.parents):
        chain = _ancestors(sk.parents, src[j])
        stop = src[p] if p >= 0 else None
        path = chain[: chain.index(stop)] if stop is not None else chain
        r = rot[:, path[-1]]
        for k in reversed(path[:-1]):
            r = r @ rot[:, k]
        local[:, j] = r
    positions = m.positions()
    root_path = positions[:, src[0]]
    ratio = 1.0
    src_leg, tgt_leg = leg_length(sk), leg_length(target)
    if src_leg > 1e-6 and tgt_leg > 1e-6:
        ratio = tgt_leg / src_leg
    return Motion(target, local, root_path * ratio, m.fps, m.euler_order)


def conform_to(motion: Motion, target: Skeleton, mapping: dict[str, str] | None = None) -> tuple[Motion, bool]:
    """``motion`` with ``target``'s joint order when the same joints only come in another
    order (no change to the pose); ``(motion, False)`` when they do not map that way."""
    m = rename_joints(motion, mapping or {})
    sk = m.skeleton
    if sk.names == target.names and sk.parents == target.parents:
        return m, True
    if sorted(sk.names) != sorted(target.names):
        return motion, False
    index = {n: i for i, n in enumerate(sk.names)}
    perm = [index[n] for n in target.names]
    parent_names = [sk.names[sk.parents[i]] if sk.parents[i] >= 0 else None for i in perm]
    want = [target.names[p] if p >= 0 else None for p in target.parents]
    if parent_names != want:
        return motion, False
    ends = {perm.index(j): off for j, off in sk.end_sites.items()}
    skeleton = Skeleton(target.names, target.parents, np.asarray(sk.offsets)[perm], ends)
    return Motion(skeleton, m.rotations[:, perm], m.root_translation, m.fps, m.euler_order), True
