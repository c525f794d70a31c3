"""Hand-written BVH text for parser tests, and hand-built rotation matrices to check against.

Kept deliberately independent of ``motionclip.data.rotations``: the expected matrices
here are written out from the textbook definitions, not computed by the code under test.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np


def rx(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def ry(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rz(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


AXIS = {"X": rx, "Y": ry, "Z": rz}


def euler_product(order: str, angles: tuple[float, float, float]) -> np.ndarray:
    """BVH semantics: channels 'Zrotation Xrotation Yrotation' with values (a, b, c) mean
    R = Rz(a) @ Rx(b) @ Ry(c) (intrinsic rotations in channel order)."""
    out = np.eye(3)
    for axis, angle in zip(order, angles):
        out = out @ AXIS[axis](angle)
    return out


def write_text(path: Path, text: str, crlf: bool = False) -> Path:
    """Write BVH text; gzip it when the name ends in .gz."""
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


# A three-joint chain: Root -> Arm (10 cm along +X) -> Hand (20 cm along +Y) -> End Site.
# Frame 0: rest pose at (0, 100, 0) cm.
# Frame 1: root moved to (5, 100, 0) cm and turned Yrotation 90; Arm bent Zrotation 90.
# Frame 2: root Xrotation 90; Arm Xrotation -90 (cancels the root's turn for the Hand).
CHAIN_BVH = """HIERARCHY
ROOT Root
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Arm
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Hand
    {
      OFFSET 0 20 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 0 5
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.033333
0 100 0 0 0 0 0 0 0 0 0 0
5 100 0 0 0 90 90 0 0 0 0 0
0 100 0 0 90 0 0 -90 0 0 0 0
"""

# Positions in metres, worked out by hand:
# frame 0: Root (0,1,0); Arm = Root + (0.1,0,0); Hand = Arm + (0,0.2,0).
# frame 1: Ry(90) maps +X to -Z, so Arm = (0.05,1,0) + (0,0,-0.1). The Hand's offset
#          (0,0.2,0) is turned by Rz(90) to (-0.2,0,0), then by Ry(90) to (0,0,0.2).
# frame 2: Rx(90) leaves +X alone: Arm = (0.1,1,0); Rx(90) @ Rx(-90) = I: Hand = Arm + (0,0.2,0).
CHAIN_POSITIONS = np.array(
    [
        [[0.0, 1.0, 0.0], [0.1, 1.0, 0.0], [0.1, 1.2, 0.0]],
        [[0.05, 1.0, 0.0], [0.05, 1.0, -0.1], [0.05, 1.0, 0.1]],
        [[0.0, 1.0, 0.0], [0.1, 1.0, 0.0], [0.1, 1.2, 0.0]],
    ]
)


def chain_with_order(order: str, angles: tuple[float, float, float], frames: int = 2) -> str:
    """A two-joint chain whose rotation channels use ``order`` (e.g. 'XYZ'); the root carries
    ``angles`` (in channel order) on every frame, the child a fixed (10, 20, 30) in channel order."""
    ch = " ".join(f"{a}rotation" for a in order)
    row = " ".join(str(v) for v in (1, 2, 3, *angles, 10, 20, 30))
    return (
        "HIERARCHY\nROOT Base\n{\n OFFSET 0 0 0\n"
        f" CHANNELS 6 Xposition Yposition Zposition {ch}\n"
        " JOINT Tip\n {\n  OFFSET 0 10 0\n"
        f"  CHANNELS 3 {ch}\n"
        "  End Site\n  {\n   OFFSET 0 5 0\n  }\n }\n}\n"
        f"MOTION\nFrames: {frames}\nFrame Time: 0.0333333\n" + (row + "\n") * frames
    )


# Root with two children, every joint with 6 channels (positions on non-root joints are
# bone offsets that override OFFSET); the root lists rotations before positions.
SIX_CHANNEL_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Yrotation Xrotation Zrotation Xposition Yposition Zposition
  JOINT Leg_L
  {
    OFFSET 99 99 99
    CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 -40 0
    }
  }
  JOINT Leg_R
  {
    OFFSET -99 99 99
    CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 -40 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
0 0 0 0 90 0 10 0 0 0 0 0 -10 0 0 0 0 0
90 0 0 0 90 0 10 0 0 0 0 0 -10 0 0 0 0 0
"""


# A Bandai-like file: a static dummy joint_Root above a Hips that carries the translation.
DUMMY_ROOT_BVH = """HIERARCHY
ROOT joint_Root
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Hips
  {
    OFFSET 0 90 0
    CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
    JOINT UpperLeg_L
    {
      OFFSET 10 0 0
      CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 -80 0
      }
    }
    JOINT UpperLeg_R
    {
      OFFSET -10 0 0
      CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 -80 0
      }
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
{rows}"""


def dummy_root_bvh(root_values: str = "0 0 0 0 0 0") -> str:
    rows = (
        f"{root_values} 0 90 0 0 0 0 10 0 0 30 0 0 -10 0 0 0 0 0\n"
        f"{root_values} 5 91 2 10 20 30 10 0 0 0 45 0 -10 0 0 0 0 -45\n"
    )
    return DUMMY_ROOT_BVH.replace("{rows}", rows)
