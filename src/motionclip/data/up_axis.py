"""Which way is up in a motion file, and turning Z-up motions into the project's Y-up.

Blender, 3ds Max and AMASS work Z-up; BVH readers (and this project) assume Y-up, so a
Z-up file read as is lies on the floor. Detection, on a strided sample of frames (any
length of take): the feet-to-head vector of the rest pose (a T- or A-pose in practice,
so a crawl is not mistaken for a Z-up file), from the humanoid landmarks
(:mod:`motionclip.data.rig_map`) or else the leaves of left/right chains and the deepest
centre joint; where the rest pose is not clearly along one axis, the median
feet-to-head direction of the posed body; failing both, its tallest extent."""

from __future__ import annotations

import torch

from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton, joint_side
from motionclip.errors import MotionCLIPError, SkeletonError

UP_CHOICES = ("auto", "y", "z")

# (x, y, z) Z-up -> (x, z, -y) Y-up: a rotation of -90 degrees about X (forward -Y becomes +Z)
Z_TO_Y = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def check_up(up: str, where: str = "--up") -> str:
    key = str(up).strip().lower()
    if key not in UP_CHOICES:
        raise MotionCLIPError(f"{where}: unknown up axis {up!r}; choose auto, y or z")
    return key


def rest_up(skeleton: Skeleton) -> torch.Tensor | None:
    """Unit feet-to-head vector of the rest pose, or None when the joints do not say which
    are head and feet: the humanoid landmarks first (:mod:`motionclip.data.rig_map`), else
    the leaves of left/right chains under the root and the deepest centre joint."""
    from motionclip.data.rig_map import find_landmarks, rest_positions

    rest = torch.as_tensor(rest_positions(skeleton))
    try:
        rig = find_landmarks(skeleton)
    except SkeletonError:
        rig = None
    if rig is not None:
        v = rest[rig.joints["Head"]] - (rest[rig.joints["Foot_L"]] + rest[rig.joints["Foot_R"]]) / 2
        if float(v.norm()) > 1e-6:
            return (v / v.norm()).float()
    n = skeleton.num_joints
    sides = [joint_side(name) for name in skeleton.names]
    parents = skeleton.parents
    depth = [0] * n
    top = list(range(n))  # the root's child each joint hangs under
    for j in range(1, n):
        depth[j] = depth[parents[j]] + 1
        top[j] = j if parents[j] == 0 else top[parents[j]]
    center = [j for j in range(1, n) if all(sides[k] == "center" for k in (j, top[j]))
              and all(sides[k] == "center" for k in _chain(parents, j))]  # fmt: skip
    has_child = {p for p in parents if p >= 0}
    feet = [j for j in range(1, n) if j not in has_child and sides[top[j]] != "center"]
    if not center or not feet:
        return None
    head = max(center, key=lambda j: depth[j])
    v = rest[head] - rest[feet].mean(0)
    if float(v.norm()) < 1e-6:
        return None
    return (v / v.norm()).float()


def _chain(parents: tuple[int, ...], j: int) -> list[int]:
    out = []
    while j > 0:
        out.append(j)
        j = parents[j]
    return out


def detect_up(motion: Motion, max_frames: int = 240) -> str:
    """'y' or 'z': the axis the body stands along (see the module docstring)."""
    if motion.skeleton.num_joints < 3:
        return "y"
    step = max(1, len(motion) // max_frames)  # a strided sample of frames, any length
    sample = Motion(motion.skeleton, motion.rotations[::step], motion.root_translation[::step], motion.fps)
    pos = sample.positions().detach()  # (T, J, 3)
    for v in (rest_up(motion.skeleton), _posed_up(motion.skeleton, pos)):
        if v is not None:
            axis = int(v.abs().argmax())
            if axis in (1, 2) and float(v.abs()[axis]) > 0.7:
                return "y" if axis == 1 else "z"
    extent = (pos.max(dim=1).values - pos.min(dim=1).values).median(dim=0).values  # (3,)
    return "z" if float(extent[2]) > 1.15 * float(extent[1]) else "y"


def _posed_up(skeleton: Skeleton, pos: torch.Tensor) -> torch.Tensor | None:
    """Median unit feet-to-head vector over the posed frames ``pos`` (T, J, 3), or None
    without humanoid landmarks. Rigs whose rest pose is not a standing pose (iClone's bones
    all along local +Y) still stand in their frames."""
    from motionclip.data.rig_map import find_landmarks

    try:
        rig = find_landmarks(skeleton)
    except SkeletonError:
        return None
    v = pos[:, rig.joints["Head"]] - (pos[:, rig.joints["Foot_L"]] + pos[:, rig.joints["Foot_R"]]) / 2
    v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    m = v.median(dim=0).values
    return m / m.norm() if float(m.norm()) > 1e-6 else None


def upside_down(motion: Motion, axis: int) -> bool:
    """True when the joints bunch at the bottom along ``axis`` (the body is head-down)."""
    pos = motion.positions().detach()[..., axis]  # (T, J)
    lo, hi, mean = pos.min(dim=1).values, pos.max(dim=1).values, pos.mean(dim=1)
    return bool(((hi - mean) > (mean - lo)).float().mean() > 0.75)


def z_up_to_y_up(motion: Motion, flip: bool = False) -> Motion:
    """The same motion in Y-up axes: world positions p' = R p, with the rest pose turned
    too (offsets R o, local rotations R Q R^T), so the written BVH stands upright in any
    Y-up tool. ``flip`` also turns a head-down result the right way up (180 deg about X)."""
    return rotate_axes(motion, _z_to_y(flip))


def _z_to_y(flip: bool) -> torch.Tensor:
    r = Z_TO_Y.clone()
    return torch.diag(torch.tensor([1.0, -1.0, -1.0])) @ r if flip else r


def rotate_axes(motion: Motion, r: torch.Tensor) -> Motion:
    """``motion`` with its world axes turned by the rotation ``r`` (3, 3), rest pose included."""
    rot = r @ motion.rotations @ r.T
    trans = motion.root_translation @ r.T
    sk = motion.skeleton
    rd = r.double().numpy()
    offsets = sk.offsets @ rd.T
    ends = {j: tuple(float(v) for v in rd @ list(off)) for j, off in sk.end_sites.items()}
    skeleton = Skeleton(sk.names, sk.parents, offsets, ends)
    return Motion(skeleton, rot, trans, motion.fps, motion.euler_order)


def to_y_up(motion: Motion, up: str = "auto") -> tuple[Motion, str | None]:
    """``motion`` in Y-up axes and a note saying what was done (None if nothing)."""
    out, how, _ = to_y_up_turned(motion, up)
    return out, how


def to_y_up_turned(motion: Motion, up: str = "auto") -> tuple[Motion, str | None, torch.Tensor | None]:
    """:func:`to_y_up` plus the rotation applied (None if none), so that a result can be
    turned back into the file's own axes (``rotate_axes(m, r.T)``)."""
    key = check_up(up)
    if key == "auto":
        key = detect_up(motion)
        if key == "y":
            return motion, None, None
        how = "detected Z-up; converted to Y-up"
    elif key == "y":
        return motion, None, None
    else:
        how = "Z-up (--up z); converted to Y-up"
    r = _z_to_y(False)
    out = rotate_axes(motion, r)
    if upside_down(out, 1):
        r = _z_to_y(True)
        out = rotate_axes(motion, r)
        how += " (it was head-down along Z: -Z up)"
    return out, how, r
