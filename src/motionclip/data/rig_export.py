"""Canonical-body motion onto a user's own rig: the inverse of :mod:`motionclip.data.body`.

So that generated or edited motion drops onto the user's character: their joint names,
hierarchy, bone lengths, channel order and rest pose. Bone *directions* are copied from the
canonical body, bone lengths stay the rig's:

- each rig joint on a chain between landmarks (the spine from the pelvis to the head,
  each arm from the chest's branch joint to the shoulder, and the limbs) is given the
  point at the same fraction of
  the canonical chain's arc length (by rest-pose arc length in the rig), and turns by the
  shortest arc so that its bone points where the canonical bone between those points does;
- the hips' and chest's branch joints turn as a whole, from their rest frame (hip line or
  shoulder line, and the direction to the head) to the canonical one;
- every other joint (fingers, twist and helper bones, the face) keeps its rest pose
  relative to its parent, as do the head, hands and toes;
- the root is placed so that the rig's pelvis follows the canonical pelvis, scaled by the
  ratio of leg lengths.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from motionclip.data.body import NAMES, SPINE_FRACTIONS, _lca, _spine_chain, leg_length, swing
from motionclip.data.body import _along as _along_points
from motionclip.data.motion import Motion
from motionclip.data.rig_map import find_landmarks, rest_positions
from motionclip.data.skeleton import Skeleton
from motionclip.errors import SkeletonError

_I = {n: i for i, n in enumerate(NAMES)}


def _path(parents: tuple[int, ...], top: int, bottom: int) -> list[int]:
    """Joints from ``top`` down to ``bottom`` (inclusive), ``top`` an ancestor of ``bottom``."""
    out = [bottom]
    while out[-1] != top:
        out.append(parents[out[-1]])
        if out[-1] < 0:
            raise SkeletonError("rig chain does not reach its branch joint")
    return out[::-1]


def _fractions(points: np.ndarray) -> np.ndarray:
    """Arc-length fraction of each of the polyline's ``points`` (K, 3), 0 to 1."""
    steps = [float(np.linalg.norm(b - a)) for a, b in itertools.pairwise(points)]
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    return cum / max(cum[-1], 1e-9)


def to_rig(motion: Motion, rig_skeleton: Skeleton, joint_map: dict[str, str] | None = None) -> Motion:
    """A canonical-body ``motion`` on ``rig_skeleton`` (metres, Y up; see the module docstring)."""
    if motion.skeleton.names != NAMES:
        raise SkeletonError("to_rig needs a motion on the canonical body (a canonical-body model's output)")
    rig = find_landmarks(rig_skeleton, joint_map)
    lm = rig.joints
    parents = rig_skeleton.parents
    rest = rest_positions(rig_skeleton)
    canon = motion.positions().double()  # (T, 21, 3)
    c = {n: canon[:, i] for n, i in _I.items()}
    hips = _lca(parents, lm["Head"], lm["UpperLeg_L"])
    chest = _lca(parents, lm["UpperArm_L"], lm["UpperArm_R"])
    # rig joint -> its target point (T, 3) on the canonical shape (directions matter, not scale)
    target: dict[int, torch.Tensor] = {}

    def chain(top: int, bottom: int, canon_points: list[str], start: np.ndarray | None = None) -> None:
        path = _path(parents, top, bottom)
        points = path if start is None else path[1:]  # the spine is measured from the pelvis, as in body.py
        fractions = _fractions(rest[points] if start is None else np.concatenate([start[None], rest[points]]))
        fractions = fractions if start is None else fractions[1:]
        at = _along_points([c[n] for n in canon_points], tuple(float(f) for f in fractions))
        for j, point in zip(points, at):
            target.setdefault(j, point)

    pelvis_rest = (rest[lm["UpperLeg_L"]] + rest[lm["UpperLeg_R"]]) / 2
    chain(hips, lm["Head"], ["Hips", "Spine", "Chest", "Neck", "Head"], start=pelvis_rest)
    for s in "LR":  # joints between the hips' branch and a hip keep their rest pose (rigid pelvis)
        chain(chest, lm[f"UpperArm_{s}"], ["Chest", f"Shoulder_{s}", f"UpperArm_{s}"])
        chain(lm[f"UpperArm_{s}"], lm[f"LowerArm_{s}"], [f"UpperArm_{s}", f"LowerArm_{s}"])
        chain(lm[f"LowerArm_{s}"], lm[f"Hand_{s}"], [f"LowerArm_{s}", f"Hand_{s}"])
        chain(lm[f"UpperLeg_{s}"], lm[f"LowerLeg_{s}"], [f"UpperLeg_{s}", f"LowerLeg_{s}"])
        chain(lm[f"LowerLeg_{s}"], lm[f"Foot_{s}"], [f"LowerLeg_{s}", f"Foot_{s}"])
        if f"Toes_{s}" in lm:
            chain(lm[f"Foot_{s}"], lm[f"Toes_{s}"], [f"Foot_{s}", f"Toes_{s}"])
    ends = {lm["Head"], lm["Hand_L"], lm["Hand_R"], *(lm[k] for k in ("Toes_L", "Toes_R") if k in lm)}

    n, nj = len(motion), rig_skeleton.num_joints
    eye = torch.eye(3, dtype=torch.float64).expand(n, 3, 3)
    world: list[torch.Tensor] = [eye] * nj
    local = torch.eye(3, dtype=torch.float64).repeat(n, nj, 1, 1)
    rest_t = torch.as_tensor(rest)[None]  # (1, J, 3)
    # the canonical Spine/Chest/Neck points of the rig's rest pose, as body.py finds them
    pelvis_t = (rest_t[:, lm["UpperLeg_L"]] + rest_t[:, lm["UpperLeg_R"]]) / 2
    spine_pts = [rest_t[:, j] for j in _spine_chain(rig_skeleton, rig)]
    r_spine, r_chest, r_neck = _along_points([pelvis_t, *spine_pts, rest_t[:, lm["Head"]]], SPINE_FRACTIONS)
    for j in range(nj):
        p = parents[j]
        wp = world[p] if p >= 0 else eye
        if j in (hips, chest):
            if j == hips:
                pair, up_rest, up = ("UpperLeg_L", "UpperLeg_R"), r_spine - pelvis_t, c["Spine"] - c["Hips"]
            else:
                pair, up_rest, up = ("UpperArm_L", "UpperArm_R"), r_neck - r_chest, c["Neck"] - c["Chest"]
            f_rest = _upright_frame(up_rest, rest_t[:, lm[pair[0]]] - rest_t[:, lm[pair[1]]])
            w = _upright_frame(up, c[pair[0]] - c[pair[1]]) @ f_rest.transpose(-1, -2)
        else:
            aim = next((k for k in rig_skeleton.children(j) if k in target and j in target), None)
            off = torch.as_tensor(rig_skeleton.offsets[aim]) if aim is not None else None
            if aim is None or j in ends or off is None or float(off.norm()) < 1e-6:
                w = wp
            else:
                d = target[aim] - target[j]
                w = wp @ swing(off / off.norm(), (wp.transpose(-1, -2) @ d[..., None])[..., 0])
        world[j] = w
        local[:, j] = wp.transpose(-1, -2) @ w
    ref = motion.skeleton.offsets
    ratio = _rig_leg(rig_skeleton, lm) / max(leg_length(ref), 1e-6)
    posed = Motion(rig_skeleton, local.float(), torch.zeros(n, 3), motion.fps, motion.euler_order).positions()
    pelvis = (posed[:, lm["UpperLeg_L"]] + posed[:, lm["UpperLeg_R"]]) / 2
    trans = c["Hips"].float() * ratio - pelvis
    return Motion(rig_skeleton, local.float(), trans, motion.fps, motion.euler_order)


def _upright_frame(up: torch.Tensor, across: torch.Tensor) -> torch.Tensor:
    """(T, 3, 3) frames with y along ``up`` and x along ``across`` made perpendicular to it.

    Up comes first here (body.py puts the across line first): a rig's rest pose may hold its
    arms anywhere (Bandai's lies along one line), but the direction to the neck is rigid in
    the chest, so only the across line's part perpendicular to it is trusted."""
    y = up / up.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    x = across - (across * y).sum(-1, keepdim=True) * y
    x = x / x.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    return torch.stack([x, y, torch.linalg.cross(x, y)], dim=-1)


def _rig_leg(skeleton: Skeleton, lm: dict[str, int]) -> float:
    rest = rest_positions(skeleton)
    total = 0.0
    for s in "LR":
        hip, knee, ankle = (rest[lm[f"{k}_{s}"]] for k in ("UpperLeg", "LowerLeg", "Foot"))
        total += float(np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee))
    return total / 2


@dataclass(frozen=True)
class UserRig:
    """A user's rig read from one of their BVH files, and how to write motion back onto it:
    its skeleton in metres and Y up, the file's unit, its up-axis turn and Euler order."""

    skeleton: Skeleton
    joint_map: dict[str, str]
    metres_per_unit: float
    turn: torch.Tensor | None  # the Z-up -> Y-up rotation applied when reading, or None
    euler_order: str
    name: str

    def put(self, motion: Motion) -> Motion:
        """``motion`` (canonical body) on this rig, in the file's units and axes, ready for
        :func:`motionclip.data.bvh.write_bvh` (which writes the reader's centimetre scale)."""
        from motionclip.data.units import READ_SCALE, rescale
        from motionclip.data.up_axis import rotate_axes

        out = to_rig(motion, self.skeleton, self.joint_map)
        out = rescale(out, READ_SCALE / self.metres_per_unit)
        if self.turn is not None:
            out = rotate_axes(out, self.turn.T)
        return Motion(out.skeleton, out.rotations, out.root_translation, out.fps, self.euler_order)


def read_user_rig(
    path: str | Path, joint_map: dict[str, str] | None = None, up: str = "auto", units: str = "auto"
) -> UserRig:
    """The rig of a user's BVH file (``--rig``), checked before any generation: its landmarks
    must be found (clear error naming what is missing) and its units told."""
    from motionclip.data.bvh import read_bvh

    return user_rig(read_bvh(path), Path(path).name, joint_map, up, units)


def user_rig(
    raw: Motion, name: str, joint_map: dict[str, str] | None = None, up: str = "auto", units: str = "auto"
) -> UserRig:
    """The rig of an already-read BVH motion (a file or a web upload called ``name``)."""
    from motionclip.data.body import body_height
    from motionclip.data.units import READ_SCALE, metres_factor, rescale
    from motionclip.data.up_axis import to_y_up_turned

    upright, _, turn = to_y_up_turned(raw, up)
    rig = find_landmarks(upright.skeleton, joint_map)
    factor, _ = metres_factor(units, body_height(upright.positions(), rig))
    metric = rescale(upright, factor).skeleton
    return UserRig(metric, dict(joint_map or {}), factor * READ_SCALE, turn, raw.euler_order, name)
