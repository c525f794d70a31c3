"""The canonical body: any humanoid rig's motion as one skeleton under one rotation convention.

Why: local joint rotations depend on each rig's bone axes and twist, so two rigs showing
the same pose give different rotations (and an encoder trained on one reads the other as
noise). Joint positions do not. So every motion, training data and user input alike, goes
through positions: rig landmarks (:mod:`motionclip.data.rig_map`) in metres, Y up, are turned
into the 21 joints of the canonical body, and its rotations are recomputed from them.

The canonical skeleton has Bandai Namco's joint names and tree (the training data's), with
its own rest pose: identity rotations are a T-pose facing +Z, Y up, the subject's left
along +X. Each joint's child bone points, at rest, along a fixed axis of the joint's
frame (spine, neck: +Y; left arm: +X, right arm: -X; legs: -Y; toes: +Z).

Convention (``CANONICAL_BODY``), applied in tree order on forward-kinematics positions so
errors do not accumulate:

- Hips (root): position = midpoint of the two hip joints; frame x = left hip - right hip,
  y = towards the canonical Spine (orthogonalised), z = x cross y.
- Chest: frame x = left shoulder - right shoulder (the upper-arm joints: every rig has
  them apart, unlike clavicles), y = towards the canonical Neck.
- Every other joint with a child: the shortest-arc rotation (swing, no twist) that takes
  its rest child direction onto the observed one, in its parent's frame.
- Head, hands and toes (leaves): identity (rigs disagree on what lies beyond them).

Derived joints: Spine, Chest and Neck are the points at fixed fractions of arc length
along the polyline pelvis -> the rig's spine and neck joints -> head (the fractions of
Bandai's own joints, measured on its rest pose, so Bandai data keeps its spine); each
clavicle (Shoulder_L/R) is a point fixed in the chest frame at the per-take mean of the
point 53 % of the way from the Neck to the shoulder.

One body: the rotations are solved on the take's own bone lengths (per-take means), then
put on the reference body (:data:`REFERENCE_OFFSETS`) with the root path scaled by the
ratio of leg lengths, as HumanML3D does, so a tall and a short actor doing the same thing
give the same features.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import roma
import torch

from motionclip.data.motion import Motion
from motionclip.data.rig_map import RigMap, find_landmarks
from motionclip.data.skeleton import Skeleton
from motionclip.errors import SkeletonError

CANONICAL_BODY = "canonical-v1"
"""Name of the convention, stored in caches and checkpoints; bump it when the recipe changes."""

NAMES = ("Hips", "Spine", "Chest", "Neck", "Head",
         "Shoulder_L", "UpperArm_L", "LowerArm_L", "Hand_L",
         "Shoulder_R", "UpperArm_R", "LowerArm_R", "Hand_R",
         "UpperLeg_L", "LowerLeg_L", "Foot_L", "Toes_L",
         "UpperLeg_R", "LowerLeg_R", "Foot_R", "Toes_R")  # fmt: skip
PARENTS = (-1, 0, 1, 2, 3, 2, 5, 6, 7, 2, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
_I = {n: i for i, n in enumerate(NAMES)}

# child joint -> rest direction of its bone in the parent's frame (swing joints only)
_REST_DIR = {
    "Chest": (0.0, 1.0, 0.0), "Head": (0.0, 1.0, 0.0),
    "UpperArm_L": (1.0, 0.0, 0.0), "LowerArm_L": (1.0, 0.0, 0.0), "Hand_L": (1.0, 0.0, 0.0),
    "UpperArm_R": (-1.0, 0.0, 0.0), "LowerArm_R": (-1.0, 0.0, 0.0), "Hand_R": (-1.0, 0.0, 0.0),
    "LowerLeg_L": (0.0, -1.0, 0.0), "Foot_L": (0.0, -1.0, 0.0), "Toes_L": (0.0, 0.0, 1.0),
    "LowerLeg_R": (0.0, -1.0, 0.0), "Foot_R": (0.0, -1.0, 0.0), "Toes_R": (0.0, 0.0, 1.0),
}  # fmt: skip
# arc-length fractions of Spine, Chest, Neck on pelvis -> spine -> head (Bandai's rest pose)
SPINE_FRACTIONS = (0.3603, 0.5411, 0.8702)
CLAVICLE_FRACTION = 0.533  # clavicle = Neck + f (shoulder - Neck), Bandai's (residual 1.5-1.9 cm)


def canonical_skeleton(offsets: np.ndarray | None = None) -> Skeleton:
    """The canonical topology with ``offsets`` (21, 3) m (default: the reference body's)."""
    return Skeleton(NAMES, PARENTS, REFERENCE_OFFSETS if offsets is None else offsets)


@dataclass(frozen=True)
class CanonicalMotion:
    """A motion on the canonical body, with what was found and how well it fits."""

    motion: Motion
    rig: RigMap
    error_mm: float  # mean distance of the canonical landmarks from the source's (FK), mm
    height_m: float  # head-to-ankle height of the source body, metres


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)


def _frame(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(T, 3, 3) frames whose columns are x, y (orthogonalised to x), x cross y."""
    x = _unit(x)
    y = _unit(y - (y * x).sum(-1, keepdim=True) * x)
    return torch.stack([x, y, torch.linalg.cross(x, y)], dim=-1)


def swing(rest: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(T, 3, 3) shortest-arc rotations taking unit ``rest`` (3,) onto the directions ``target`` (T, 3).

    A zero-length target keeps the rest direction; an opposite one turns 180 degrees about
    a fixed axis perpendicular to ``rest``.
    """
    t = _unit(target)
    a = rest.expand_as(t)
    axis = torch.linalg.cross(a, t)
    s, c = axis.norm(dim=-1), (a * t).sum(-1)
    perp = torch.linalg.cross(rest, torch.tensor([0.0, 0.0, 1.0], dtype=rest.dtype))
    if perp.norm() < 0.5:
        perp = torch.linalg.cross(rest, torch.tensor([1.0, 0.0, 0.0], dtype=rest.dtype))
    axis = torch.where((s < 1e-7)[:, None], _unit(perp).expand_as(t), axis / s.clamp_min(1e-12)[:, None])
    angle = torch.atan2(s, c)
    angle = torch.where(target.norm(dim=-1) < 1e-9, torch.zeros_like(angle), angle)
    return roma.rotvec_to_rotmat(axis * angle[:, None])


def _lca(parents: tuple[int, ...], a: int, b: int) -> int:
    up = set()
    while a >= 0:
        up.add(a)
        a = parents[a]
    while b not in up:
        b = parents[b]
    return b


def _spine_chain(skeleton: Skeleton, rig: RigMap) -> list[int]:
    """The source joints strictly between the hips' branch point and the head."""
    head = rig.joints["Head"]
    top = _lca(skeleton.parents, head, rig.joints["UpperLeg_L"])
    chain = []
    j = skeleton.parents[head]
    while j != top and j >= 0:
        chain.append(j)
        j = skeleton.parents[j]
    return chain[::-1]


def _along(points: list[torch.Tensor], fractions: tuple[float, ...]) -> list[torch.Tensor]:
    """Points (T, 3) at arc-length ``fractions`` of the polyline through ``points``."""
    seg = torch.stack([(b - a).norm(dim=-1) for a, b in itertools.pairwise(points)], dim=1)  # (T, S)
    cum = torch.cat([torch.zeros_like(seg[:, :1]), seg.cumsum(1)], dim=1)  # (T, S+1)
    total = cum[:, -1:].clamp_min(1e-9)
    stack = torch.stack(points, dim=1)  # (T, S+1, 3)
    out = []
    for f in fractions:
        d = f * total  # (T, 1)
        k = (cum[:, 1:-1] < d).sum(1).clamp(max=seg.shape[1] - 1)  # segment index
        idx = torch.arange(len(k))
        start, length = cum[idx, k], seg[idx, k].clamp_min(1e-9)
        w = ((d[:, 0] - start) / length).clamp(0, 1)[:, None]
        out.append(torch.lerp(stack[idx, k], stack[idx, k + 1], w))
    return out


def _targets(motion: Motion, rig: RigMap, positions: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """World positions (T, 3) of the landmarks and the derived Spine/Chest/Neck points
    (``positions``: the motion's FK positions (T, J, 3) where the caller has them)."""
    pos = (motion.positions() if positions is None else positions).double()
    sk = motion.skeleton
    t = {name: pos[:, j] for name, j in rig.joints.items()}
    if rig.toe_tip:  # toe End Sites in the foot's frame
        world = _world_rotations(motion)
        for name, tip in rig.toe_tip.items():
            foot = rig.joints[name.replace("Toes", "Foot")]
            t[name] = pos[:, foot] + world[:, foot] @ torch.as_tensor(tip, dtype=torch.float64)
    pelvis = (t["UpperLeg_L"] + t["UpperLeg_R"]) / 2
    spine = [pos[:, j] for j in _spine_chain(sk, rig)]
    t["Hips"] = pelvis
    t["Spine"], t["Chest"], t["Neck"] = _along([pelvis, *spine, t["Head"]], SPINE_FRACTIONS)
    return t


def _world_rotations(motion: Motion) -> torch.Tensor:
    rot = motion.rotations.double()
    out = [rot[:, 0]]
    for j, p in enumerate(motion.skeleton.parents[1:], start=1):
        out.append(out[p] @ rot[:, j])
    return torch.stack(out, dim=1)


def to_canonical(
    motion: Motion,
    joint_map: dict[str, str] | None = None,
    rig: RigMap | None = None,
    positions: torch.Tensor | None = None,
) -> CanonicalMotion:
    """``motion`` (metres, Y up) on the canonical body (see the module docstring);
    ``positions``: its FK positions, where the caller has computed them already."""
    rig = rig or find_landmarks(motion.skeleton, joint_map)
    for name in ("Toes_L", "Toes_R"):
        if name not in rig.joints and name not in rig.toe_tip:
            raise SkeletonError(f"cannot find the {name} joint (or a foot End Site); a --joint-map can name it")
    tg = _targets(motion, rig, positions)
    n = len(motion)
    across = tg["UpperLeg_L"] - tg["UpperLeg_R"]
    if float(across.norm(dim=-1).min()) < 1e-4:
        raise SkeletonError("left and right hips coincide; facing direction undefined")
    world = [torch.eye(3, dtype=torch.float64).expand(n, 3, 3)] * len(NAMES)
    fk = [tg["Hips"]] * len(NAMES)
    offsets = np.zeros((len(NAMES), 3))
    local = torch.eye(3, dtype=torch.float64).repeat(n, len(NAMES), 1, 1)
    world[0] = _frame(across, tg["Spine"] - tg["Hips"])
    local[:, 0] = world[0]
    for j in range(1, len(NAMES)):
        name, p = NAMES[j], PARENTS[j]
        if name in ("Shoulder_L", "Shoulder_R"):
            side = name[-1]
            point = torch.lerp(tg["Neck"], tg[f"UpperArm_{side}"], CLAVICLE_FRACTION)
            tg[name] = point
        rel = world[p].transpose(-1, -2) @ (tg[name] - fk[p])[..., None]  # (T, 3, 1) in the parent frame
        if name in _REST_DIR:
            rest = torch.tensor(_REST_DIR[name], dtype=torch.float64)
            offsets[j] = rest.numpy() * float(rel.norm(dim=-2).mean())
        else:  # Spine, Neck, clavicles, hip joints: a fixed point in the parent's frame
            offsets[j] = rel.mean(0)[:, 0].numpy()
        fk[j] = fk[p] + (world[p] @ torch.as_tensor(offsets[j])[:, None])[..., 0]
        if name == "Chest":
            world[j] = _frame(tg["UpperArm_L"] - tg["UpperArm_R"], tg["Neck"] - tg["Chest"])
        else:
            children = [c for c, q in enumerate(PARENTS) if q == j]
            if children:
                child = NAMES[children[0]]
                rest = torch.tensor(_REST_DIR[child], dtype=torch.float64)
                aim = world[p].transpose(-1, -2) @ (tg[child] - fk[j])[..., None]
                world[j] = world[p] @ swing(rest, aim[..., 0])
            else:
                world[j] = world[p]
        local[:, j] = world[p].transpose(-1, -2) @ world[j]
    fitted = Motion(canonical_skeleton(offsets), local.float(), tg["Hips"].float(), motion.fps, "ZXY")
    got = fitted.positions().double()
    names = [n for n in rig.joints if n in _I] + list(rig.toe_tip)
    err = torch.stack([(got[:, _I[n]] - tg[n]).norm(dim=-1) for n in names]).mean()
    height = float((tg["Head"] - (tg["Foot_L"] + tg["Foot_R"]) / 2)[:, 1].median())
    # one body for every motion: the reference bones, the root path scaled by leg length
    ratio = leg_length(REFERENCE_OFFSETS) / max(leg_length(offsets), 1e-6)
    out = Motion(canonical_skeleton(), local.float(), (tg["Hips"] * ratio).float(), motion.fps, "ZXY")
    return CanonicalMotion(out, rig, float(err) * 1000.0, height)


def body_height(positions: torch.Tensor, rig: RigMap) -> float:
    """Median head-to-ankle distance of FK ``positions`` (T, J, 3), in their units (the scale
    that tells a file's length unit)."""
    feet = (positions[:, rig.joints["Foot_L"]] + positions[:, rig.joints["Foot_R"]]) / 2
    return float((positions[:, rig.joints["Head"]] - feet).norm(dim=-1).median())


POOR_FIT_MM = 30.0
"""Mean landmark error above which a canonical motion is reported as a poor fit."""


def body_from_rig(
    motion: Motion, joint_map: dict[str, str] | None = None, units: str | None = "auto"
) -> tuple[CanonicalMotion, list[str]]:
    """A Y-up motion of any humanoid rig on the canonical body, in metres, with notes: the
    unit found, and a warning when the fit is poor. ``units`` is the file's unit for a
    motion read as centimetres ("auto": told from the body's height, see
    :mod:`motionclip.data.units`); None for a motion already in metres (AMASS)."""
    from motionclip.data.units import metres_factor, rescale

    rig = find_landmarks(motion.skeleton, joint_map)
    pos = motion.positions()
    factor, note = (1.0, None) if units is None else metres_factor(units, body_height(pos, rig))
    body = to_canonical(rescale(motion, factor), rig=rig, positions=pos * factor)
    notes = [note] if note else []
    if body.error_mm > POOR_FIT_MM:
        notes.append(
            f"warning: poor fit to the canonical body (landmarks off by {body.error_mm:.0f} mm on average); "
            "check the joint mapping (--joint-map)"
        )
    return body, notes


# The canonical body's bone offsets (metres): the mean of 70 Bandai Namco takes' per-take
# offsets under this convention (spread under 5 mm: one skeleton for all its actors), made
# left/right symmetric. Every canonical motion is put on this one body.
REFERENCE_OFFSETS = np.array(
    [[0, 0, 0], [0, 0.1793, 0], [0, 0.09, 0], [0.0019, 0.1636, 0], [0, 0.0647, 0],
     [0.0535, 0.145, -0.0092], [0.0505, 0, 0], [0.2433, 0, 0], [0.2229, 0, 0],
     [-0.0535, 0.145, -0.0092], [-0.0505, 0, 0], [-0.2433, 0, 0], [-0.2229, 0, 0],
     [0.0647, 0, 0], [0, -0.3908, 0], [0, -0.4099, 0], [0, 0, 0.1175],
     [-0.0647, 0, 0], [0, -0.3908, 0], [0, -0.4099, 0], [0, 0, 0.1175]], dtype=np.float64
)  # fmt: skip


def leg_length(offsets: np.ndarray) -> float:
    """Mean hip-to-ankle length (thigh + shin) of canonical ``offsets``, metres."""
    legs = [np.linalg.norm(offsets[_I[f"{b}_{s}"]]) for s in "LR" for b in ("LowerLeg", "Foot")]
    return float(sum(legs) / 2)
