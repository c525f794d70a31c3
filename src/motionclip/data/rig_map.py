"""Finding a humanoid's landmark joints in any rig, by name and by structure.

The canonical body (:mod:`motionclip.data.body`) needs 15 landmarks every humanoid rig has:
the head, and per side the shoulder (upper-arm joint), elbow, wrist, hip (thigh joint),
knee, ankle and toe. Rigs name them differently (Bandai ``UpperArm_L``, CMU ``LeftArm``,
3ds Max ``LeftShoulder``, iClone ``CC_Base_L_Upperarm``, Mixamo ``mixamorig:LeftArm``) and
one name can mean two joints (``LeftShoulder`` is the clavicle in CMU, the upper arm in
3ds Max), so names alone cannot be trusted. The rule used here leans on structure:

- the *wrist* is the side's shallowest joint named hand/wrist; the elbow and the shoulder
  are the next two ancestors that sit somewhere else (a helper joint at the same spot as
  its child, like CMU's zero-length clavicle or a twist bone, is passed over);
- the *ankle* is the side's shallowest joint named foot/ankle; knee and hip likewise;
- the *toe* is the ankle's first descendant named toe (else its first offset child, else
  its End Site); the *head* is the shallowest centre joint named head.

A joint map (``{source name: landmark name}``) overrides any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from motionclip.data.skeleton import Skeleton, joint_side
from motionclip.errors import SkeletonError

SIDES = ("L", "R")
LIMB_LANDMARKS = ("UpperArm", "LowerArm", "Hand", "UpperLeg", "LowerLeg", "Foot", "Toes")
LANDMARKS = ("Head", *tuple(f"{name}_{s}" for s in SIDES for name in LIMB_LANDMARKS))
"""Landmark names: the canonical body's joint names (Bandai's), so a joint map reads the same."""

_COINCIDE_M = 1e-3  # joints closer than 1 mm in the rest pose are one place
_PREFIX_SIDE = re.compile(r"^([LR])(?=[A-Z_])|^([lr])(?=hand|foot|thumb|finger)")
_HAND = re.compile(r"hand|wrist", re.IGNORECASE)
_FOOT = re.compile(r"foot|ankle", re.IGNORECASE)
_TOE = re.compile(r"toe", re.IGNORECASE)
_HEAD = re.compile(r"head", re.IGNORECASE)
_NOT_LIMB = re.compile(r"finger|thumb|index|middle|ring|pinky|twist|roll|share|end|nub|site|top", re.IGNORECASE)


@dataclass(frozen=True)
class RigMap:
    """Landmark name -> joint index in the source skeleton; ``toe_tip`` holds the toe End
    Site offset where the rig has no toe joint; ``how`` says how each was found."""

    joints: dict[str, int]
    how: dict[str, str]
    toe_tip: dict[str, np.ndarray]

    def describe(self, skeleton: Skeleton) -> str:
        """One line: 'Head=Head, UpperArm_L=LeftArm, ...' (for logs and notes)."""
        parts = []
        for name in LANDMARKS:
            if name in self.joints:
                parts.append(f"{name}={skeleton.names[self.joints[name]]}")
            elif name in self.toe_tip:
                parts.append(f"{name}=<end site>")
        return ", ".join(parts)


def side_of(name: str) -> str:
    """'left', 'right' or 'center', also for CMU-style prefixes (``LHipJoint``, ``lhand``) and
    namespaced names (``mixamorig:LeftArm``)."""
    name = name.rsplit(":", 1)[-1]
    side = joint_side(name)
    if side != "center":
        return side
    m = _PREFIX_SIDE.search(name)
    if m:
        letter = (m.group(1) or m.group(2)).upper()
        return "left" if letter == "L" else "right"
    return "center"


def rest_positions(skeleton: Skeleton) -> np.ndarray:
    """(J, 3) joint positions of the rest pose (identity rotations), metres."""
    pos = np.zeros((skeleton.num_joints, 3))
    for j, p in enumerate(skeleton.parents):
        if p >= 0:
            pos[j] = pos[p] + skeleton.offsets[j]
    return pos


def _depths(parents: tuple[int, ...]) -> list[int]:
    depth: list[int] = []
    for p in parents:
        depth.append(0 if p < 0 else depth[p] + 1)
    return depth


def _moved_ancestor(skeleton: Skeleton, rest: np.ndarray, j: int) -> int | None:
    """The nearest ancestor of ``j`` that sits somewhere else in the rest pose."""
    a = skeleton.parents[j]
    while a >= 0:
        if np.linalg.norm(rest[a] - rest[j]) > _COINCIDE_M:
            return a
        a = skeleton.parents[a]
    return None


def _shallowest(skeleton: Skeleton, pattern: re.Pattern[str], side: str) -> int | None:
    depth = _depths(skeleton.parents)
    found = [
        j
        for j, n in enumerate(skeleton.names)
        if pattern.search(n) and not _NOT_LIMB.search(n) and side_of(n) == side and j > 0
    ]
    return min(found, key=lambda j: (depth[j], j)) if found else None


def _toe(skeleton: Skeleton, rest: np.ndarray, ankle: int) -> int | None:
    below = skeleton.descendants(ankle)[1:]
    named = [j for j in below if _TOE.search(skeleton.names[j])]
    for j in named + below:
        if np.linalg.norm(rest[j] - rest[ankle]) > _COINCIDE_M:
            return j
    return None


def find_landmarks(skeleton: Skeleton, joint_map: dict[str, str] | None = None) -> RigMap:
    """The landmarks of ``skeleton`` (see the module docstring); clear error naming what is missing."""
    rest = rest_positions(skeleton)
    joints: dict[str, int] = {}
    how: dict[str, str] = {}
    forced = _forced(skeleton, joint_map or {})
    for s, side in zip(SIDES, ("left", "right")):
        for end, pattern, chain in (
            ("Hand", _HAND, ("LowerArm", "UpperArm")),
            ("Foot", _FOOT, ("LowerLeg", "UpperLeg")),
        ):
            j = forced.get(f"{end}_{s}", _shallowest(skeleton, pattern, side))
            if j is None:
                continue
            joints[f"{end}_{s}"] = j
            for up in chain:
                name = f"{up}_{s}"
                a = forced.get(name, _moved_ancestor(skeleton, rest, j))
                if a is None or a == 0:
                    break
                joints[name] = j = a
        if f"Foot_{s}" in joints:
            toe = forced.get(f"Toes_{s}", _toe(skeleton, rest, joints[f"Foot_{s}"]))
            if toe is not None:
                joints[f"Toes_{s}"] = toe
    head = forced.get("Head", _shallowest(skeleton, _HEAD, "center"))
    if head is not None:
        joints["Head"] = head
    for name in joints:
        how[name] = "joint map" if name in forced else "name and structure"
    toe_tip = {}
    for s in SIDES:
        foot = joints.get(f"Foot_{s}")
        if f"Toes_{s}" not in joints and foot is not None:
            tip = np.asarray(skeleton.end_sites.get(foot, (0.0, 0.0, 0.0)), dtype=np.float64)
            if np.linalg.norm(tip) > _COINCIDE_M:
                toe_tip[f"Toes_{s}"] = tip
                how[f"Toes_{s}"] = "end site"
    missing = [n for n in LANDMARKS if n not in joints and n not in toe_tip and not n.startswith("Toes")]
    if missing:
        raise SkeletonError(
            f"cannot find the humanoid joints {', '.join(missing)} in this skeleton ({skeleton.num_joints} joints: "
            f"{', '.join(skeleton.names[:8])}{', ...' if skeleton.num_joints > 8 else ''}); a --joint-map file "
            f'can name them ({{"source joint": "{missing[0]}"}})'
        )
    used = [j for j in joints.values()]
    if len(set(used)) != len(used):
        dup = next(n for n, j in joints.items() if used.count(j) > 1)
        raise SkeletonError(f"joint {skeleton.names[joints[dup]]!r} was found as two landmarks; give a --joint-map")
    return RigMap(joints, how, toe_tip)


def _forced(skeleton: Skeleton, joint_map: dict[str, str]) -> dict[str, int]:
    """Landmarks named by a joint map: ``{source joint: landmark}``; unknown names are errors."""
    out = {}
    for src, dst in joint_map.items():
        if dst not in LANDMARKS:
            continue  # other canonical joints (Spine, Chest ...) are derived, not mapped
        if src not in skeleton.names:
            raise SkeletonError(f"joint map names {src!r}, which is not a joint of this skeleton")
        out[dst] = skeleton.names.index(src)
    return out
