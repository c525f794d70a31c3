"""Small BVH files in the exact hierarchies of common humanoid rig families, all showing one
synthetic motion: CMU's 31-joint rig (zero-length LHipJoint, LowerBack, Neck and clavicle
offsets, CMU units, 120 fps), the 3ds Max names of CMU subject 131 (LeftShoulder = upper
arm, arms hanging down at rest, metres), iClone CC_Base (bones along local +Y, a root at
the floor, twist and share bones, centimetres, 60 fps) and Mixamo (``mixamorig:`` names,
T-pose, centimetres). Offsets are metres here; each file is written in its own unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionclip.data.bvh import write_bvh
from motionclip.data.canonical import resample
from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton

Joint = tuple[str, str | None, tuple[float, float, float]]


@dataclass(frozen=True)
class RigSpec:
    name: str
    joints: tuple[Joint, ...]  # (name, parent, offset in metres)
    metres_per_unit: float
    fps: float
    euler_order: str
    end_sites: tuple[tuple[str, tuple[float, float, float]], ...] = ()

    def skeleton(self) -> Skeleton:
        names = [j[0] for j in self.joints]
        parents = [names.index(p) if p is not None else -1 for _, p, _ in self.joints]
        ends = {names.index(n): off for n, off in self.end_sites}
        return Skeleton(tuple(names), tuple(parents), np.array([j[2] for j in self.joints]), ends)


_SWAPS = (("Left", "Right"), ("_L_", "_R_"), ("LHip", "RHip"), ("LThumb", "RThumb"), ("lhand", "rhand"),
          ("LFingers", "RFingers"))  # fmt: skip


def _swap(name: str) -> str:
    for left, right in _SWAPS:
        name = name.replace(left, right)
    return name


def _mirror(side: list[Joint]) -> list[Joint]:
    """The right-side copy of left-side joints: names swapped, x mirrored."""
    return [(_swap(n), _swap(p) if p else p, (-x, y, z)) for n, p, (x, y, z) in side]


_CMU_LEFT: list[Joint] = [
    ("LHipJoint", "Hips", (0.0, 0.0, 0.0)),
    ("LeftUpLeg", "LHipJoint", (0.077, -0.101, 0.047)),
    ("LeftLeg", "LeftUpLeg", (0.138, -0.379, 0.0)),
    ("LeftFoot", "LeftLeg", (0.144, -0.397, 0.0)),
    ("LeftToeBase", "LeftFoot", (0.009, -0.024, 0.122)),
]
_CMU_ARM: list[Joint] = [
    ("LeftShoulder", "Spine1", (0.0, 0.0, 0.0)),
    ("LeftArm", "LeftShoulder", (0.19, 0.068, 0.0)),
    ("LeftForeArm", "LeftArm", (0.296, 0.0, 0.0)),
    ("LeftHand", "LeftForeArm", (0.206, 0.0, 0.0)),
    ("LeftFingerBase", "LeftHand", (0.04, 0.0, 0.0)),
    ("LeftHandIndex1", "LeftFingerBase", (0.032, 0.0, 0.0)),
    ("LThumb", "LeftHand", (0.0, 0.0, 0.0)),
]
CMU = RigSpec(
    "cmu",
    (
        ("Hips", None, (0.0, 0.0, 0.0)),
        *_CMU_LEFT,
        *_mirror(_CMU_LEFT),
        ("LowerBack", "Hips", (0.0, 0.0, 0.0)),
        ("Spine", "LowerBack", (0.002, 0.115, -0.01)),
        ("Spine1", "Spine", (0.003, 0.116, -0.006)),
        ("Neck", "Spine1", (0.0, 0.0, 0.0)),
        ("Neck1", "Neck", (-0.001, 0.096, 0.02)),
        ("Head", "Neck1", (0.006, 0.099, -0.017)),
        *_CMU_ARM,
        *_mirror(_CMU_ARM),
    ),
    metres_per_unit=0.056444,
    fps=120.0,
    euler_order="ZYX",
    end_sites=(("LeftToeBase", (0.0, 0.0, 0.064)), ("RightToeBase", (0.0, 0.0, 0.064)), ("Head", (0, 0.09, 0))),
)

_MAX_LEFT: list[Joint] = [
    ("LHipJoint", "Hips", (0.0, 0.0, 0.0)),
    ("LeftHip", "LHipJoint", (0.07, -0.093, 0.04)),
    ("LeftKnee", "LeftHip", (0.14, -0.387, 0.0)),
    ("LeftAnkle", "LeftKnee", (0.134, -0.367, 0.0)),
    ("LeftToe", "LeftAnkle", (0.008, -0.023, 0.125)),
]
_MAX_ARM: list[Joint] = [
    ("LeftCollar", "Chest2", (0.0, 0.0, 0.0)),
    ("LeftShoulder", "LeftCollar", (0.172, 0.083, -0.001)),
    ("LeftElbow", "LeftShoulder", (0.0, -0.24, 0.0)),
    ("LeftWrist", "LeftElbow", (0.0, -0.185, 0.0)),
    ("lhand", "LeftWrist", (0.0, 0.0, 0.0)),
    ("LFingers", "lhand", (0.0, -0.037, 0.0)),
]
MAX3DS = RigSpec(
    "max3ds",
    (
        ("Hips", None, (0.0, 0.0, 0.0)),
        *_MAX_LEFT,
        *_mirror(_MAX_LEFT),
        ("lowerback", "Hips", (0.0, 0.0, 0.0)),
        ("Chest", "lowerback", (-0.001, 0.112, 0.0)),
        ("Chest2", "Chest", (0.0, 0.112, 0.0)),
        ("lowerneck", "Chest2", (0.0, 0.0, 0.0)),
        ("Neck", "lowerneck", (0.0, 0.091, 0.006)),
        ("Head", "Neck", (-0.001, 0.09, 0.001)),
        *_MAX_ARM,
        *_mirror(_MAX_ARM),
    ),
    metres_per_unit=1.0,
    fps=120.0,
    euler_order="ZYX",
)

_IC_LEG: list[Joint] = [
    ("CC_Base_L_Thigh", "CC_Base_Pelvis", (0.097, -0.022, 0.0016)),
    ("CC_Base_L_Calf", "CC_Base_L_Thigh", (-0.002, 0.477, -0.003)),
    ("CC_Base_L_Foot", "CC_Base_L_Calf", (-0.003, 0.498, 0.003)),
    ("CC_Base_L_ToeBaseShareBone", "CC_Base_L_Foot", (-0.0016, 0.134, 0.006)),
    ("CC_Base_L_ToeBase", "CC_Base_L_Foot", (-0.0016, 0.133, 0.0055)),
    ("CC_Base_L_CalfTwist01", "CC_Base_L_Calf", (0.0, 0.0, 0.0)),
    ("CC_Base_L_CalfTwist02", "CC_Base_L_CalfTwist01", (-0.0016, 0.249, 0.0017)),
    ("CC_Base_L_KneeShareBone", "CC_Base_L_Calf", (0.0, 0.0, 0.0)),
    ("CC_Base_L_ThighTwist01", "CC_Base_L_Thigh", (0.0, 0.0, 0.0)),
    ("CC_Base_L_ThighTwist02", "CC_Base_L_ThighTwist01", (-0.0012, 0.238, -0.0017)),
]
_IC_ARM: list[Joint] = [
    ("CC_Base_L_Clavicle", "CC_Base_Spine02", (0.056, 0.21, 0.0002)),
    ("CC_Base_L_Upperarm", "CC_Base_L_Clavicle", (0.004, 0.13, 0.0077)),
    ("CC_Base_L_Forearm", "CC_Base_L_Upperarm", (0.0, 0.28, 0.0)),
    ("CC_Base_L_Hand", "CC_Base_L_Forearm", (0.0, 0.25, 0.0)),
    ("CC_Base_L_UpperarmTwist01", "CC_Base_L_Upperarm", (0.0, 0.0, 0.0)),
    ("CC_Base_L_ForearmTwist01", "CC_Base_L_Forearm", (0.0, 0.0, 0.0)),
]
ICLONE = RigSpec(
    "iclone",
    (
        ("RL_BoneRoot", None, (0.0, 0.0, 0.0)),
        ("CC_Base_Hip", "RL_BoneRoot", (0.0, 0.0, 1.052)),
        ("CC_Base_Pelvis", "CC_Base_Hip", (0.0, 0.0, 0.0)),
        *_IC_LEG,
        *_mirror(_IC_LEG),
        ("CC_Base_Waist", "CC_Base_Hip", (0.0, 0.079, 0.014)),
        ("CC_Base_Spine01", "CC_Base_Waist", (0.0, 0.0465, 0.0166)),
        ("CC_Base_Spine02", "CC_Base_Spine01", (0.0, 0.147, -0.019)),
        ("CC_Base_NeckTwist01", "CC_Base_Spine02", (0.0, 0.274, -0.0013)),
        ("CC_Base_NeckTwist02", "CC_Base_NeckTwist01", (0.0, 0.038, 0.0026)),
        ("CC_Base_Head", "CC_Base_NeckTwist02", (0.0, 0.041, 0.0037)),
        ("CC_Base_FacialBone", "CC_Base_Head", (0.0, 0.0, 0.0)),
        ("CC_Base_L_Eye", "CC_Base_FacialBone", (0.082, 0.082, 0.033)),
        ("CC_Base_R_Eye", "CC_Base_FacialBone", (0.082, 0.082, -0.033)),
        *_IC_ARM,
        *_mirror(_IC_ARM),
    ),
    metres_per_unit=0.01,
    fps=60.0,
    euler_order="ZYX",
)

_MX_LEG: list[Joint] = [
    ("mixamorig:LeftUpLeg", "mixamorig:Hips", (0.091, -0.066, -0.003)),
    ("mixamorig:LeftLeg", "mixamorig:LeftUpLeg", (0.0, -0.42, 0.004)),
    ("mixamorig:LeftFoot", "mixamorig:LeftLeg", (0.0, -0.41, -0.02)),
    ("mixamorig:LeftToeBase", "mixamorig:LeftFoot", (0.0, -0.06, 0.11)),
    ("mixamorig:LeftToe_End", "mixamorig:LeftToeBase", (0.0, 0.0, 0.08)),
]
_MX_ARM: list[Joint] = [
    ("mixamorig:LeftShoulder", "mixamorig:Spine2", (0.06, 0.11, 0.0)),
    ("mixamorig:LeftArm", "mixamorig:LeftShoulder", (0.12, 0.0, 0.0)),
    ("mixamorig:LeftForeArm", "mixamorig:LeftArm", (0.27, 0.0, 0.0)),
    ("mixamorig:LeftHand", "mixamorig:LeftForeArm", (0.26, 0.0, 0.0)),
    ("mixamorig:LeftHandIndex1", "mixamorig:LeftHand", (0.09, 0.0, 0.02)),
]
MIXAMO = RigSpec(
    "mixamo",
    (
        ("mixamorig:Hips", None, (0.0, 0.0, 0.0)),
        *_MX_LEG,
        *_mirror(_MX_LEG),
        ("mixamorig:Spine", "mixamorig:Hips", (0.0, 0.1, 0.0)),
        ("mixamorig:Spine1", "mixamorig:Spine", (0.0, 0.12, 0.0)),
        ("mixamorig:Spine2", "mixamorig:Spine1", (0.0, 0.13, 0.0)),
        ("mixamorig:Neck", "mixamorig:Spine2", (0.0, 0.15, 0.01)),
        ("mixamorig:Head", "mixamorig:Neck", (0.0, 0.1, 0.03)),
        ("mixamorig:HeadTop_End", "mixamorig:Head", (0.0, 0.18, 0.06)),
        *_MX_ARM,
        *_mirror(_MX_ARM),
    ),
    metres_per_unit=0.01,
    fps=30.0,
    euler_order="ZXY",
)

RIGS = (CMU, MAX3DS, ICLONE, MIXAMO)


def canonical_walk(action: str = "walk", frames: int = 90) -> Motion:
    """A synthetic motion on the canonical body (the source every rig file shows)."""
    from synthetic import make_motion

    from motionclip.data.body import to_canonical

    return to_canonical(make_motion(action, frames)).motion


def rig_motion(spec: RigSpec, canonical: Motion) -> Motion:
    """``canonical`` on the rig (metres, Y up, the rig's frame rate and Euler order)."""
    from motionclip.data.rig_export import to_rig

    out = to_rig(resample(canonical, spec.fps), spec.skeleton())
    return Motion(out.skeleton, out.rotations, out.root_translation, out.fps, spec.euler_order)


def write_rig_file(spec: RigSpec, canonical: Motion, path: Path) -> Path:
    """The rig file, in the rig's own unit (what its exporter writes)."""
    return write_bvh(rig_motion(spec, canonical), path, scale=spec.metres_per_unit)
