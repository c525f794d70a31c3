"""Turn a skeleton into mannequin primitives: tapered capsules ("round cones") plus a head sphere.

Each primitive is the convex hull of two spheres (centre A, radius ra; centre B, radius rb).
A sphere is a primitive with A == B.  Radii come from joint names when they look like the
usual body-part names (Bandai Namco, Mixamo, CMU, ...), otherwise from the topology
(trunk = root-to-highest-leaf chain is thick, limbs thin with bone length), and are scaled
by an estimated body height so any unit scale renders the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from motionclip.render.config import RenderConfig
from motionclip.render.hierarchy import ancestors, children, path_lengths, topological_order

# (start, end) radii in metres for a 1.7 m person, keyed by body-part category of the bone.
_RADII: dict[str, tuple[float, float]] = {
    "pelvis_spine": (0.115, 0.115),
    "pelvis_leg": (0.095, 0.085),
    "spine": (0.115, 0.13),
    "chest_neck": (0.13, 0.06),
    "chest_clavicle": (0.075, 0.06),
    "chest": (0.12, 0.10),
    "neck": (0.05, 0.05),
    "clavicle": (0.06, 0.055),
    "upperarm": (0.052, 0.042),
    "forearm": (0.042, 0.032),
    "hand": (0.03, 0.025),
    "thigh": (0.088, 0.06),
    "shin": (0.056, 0.042),
    "foot": (0.045, 0.032),
    "toe": (0.032, 0.026),
}
# Leaves that get a short extension along their bone: (length, start radius, end radius).
_LEAF_EXTENSION: dict[str, tuple[float, float, float]] = {
    "hand": (0.10, 0.045, 0.038),
    "toe": (0.045, 0.03, 0.026),
    "foot": (0.12, 0.04, 0.03),
}
_HEAD_RADIUS = 0.105
_REFERENCE_HEIGHT = 1.7

_CATEGORY_PATTERNS: list[tuple[str, tuple[str, ...]]] = [
    ("forearm", ("forearm", "lowerarm", "elbow")),
    ("upperarm", ("upperarm", "uparm", "arm")),
    ("clavicle", ("clavicle", "collar", "shoulder")),
    ("hand", ("hand", "wrist", "palm", "finger", "thumb", "index", "pinky")),
    ("thigh", ("upleg", "upperleg", "thigh")),
    ("shin", ("lowerleg", "knee", "shin", "calf", "leg")),
    ("toe", ("toe",)),
    ("foot", ("foot", "ankle", "heel")),
    ("head", ("head",)),
    ("neck", ("neck",)),
    ("chest", ("chest", "thorax")),
    ("spine", ("spine", "torso", "abdomen", "back")),
    ("pelvis", ("hip", "pelvis", "root")),
]


def joint_category(name: str) -> str | None:
    """Body-part category of a joint name, or None when unrecognised."""
    low = name.lower().split(":")[-1]
    for cat, keys in _CATEGORY_PATTERNS:
        if any(k in low for k in keys):
            return cat
    return None


def joint_side(name: str) -> int:
    """+1 for the character's left, -1 for right, 0 when the name says neither."""
    low = name.lower().split(":")[-1]
    if "left" in low:
        return 1
    if "right" in low:
        return -1
    tokens = [t.lower() for t in re.split(r"[_.\-\s]+|(?<=[a-z])(?=[A-Z])", name.split(":")[-1]) if t]
    if "l" in tokens:
        return 1
    if "r" in tokens:
        return -1
    return 0


@dataclass(frozen=True)
class Mannequin:
    """Static description of the primitives; :meth:`spheres` places them for given poses."""

    start: np.ndarray  # (P,) joint index of sphere A
    end: np.ndarray  # (P,) joint index of sphere B
    extend: np.ndarray  # (P,) length B is pushed past ``end`` along start->end (leaf hands/toes)
    r0: np.ndarray  # (P,) radius at A
    r1: np.ndarray  # (P,) radius at B
    colors: np.ndarray  # (P, 3) sRGB base colours
    head_joint: int  # -1 when no head sphere
    head_base: int  # joint below the head (defines the head's up direction)
    head_radius: float
    head_index: int  # primitive index of the head sphere, -1 if none
    nose_index: int  # primitive index of the nose (facing cue), -1 if none
    left: np.ndarray  # (J,) bool, joints on the character's left
    right: np.ndarray  # (J,) bool
    scale: float  # estimated body height / 1.7 m

    @property
    def num_primitives(self) -> int:
        return int(self.r0.shape[0])

    def spheres(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sphere centres A, B with shape (T, P, 3) for positions (T, J, 3)."""
        a = positions[:, self.start]
        b = positions[:, self.end]
        seg = b - a
        length = np.linalg.norm(seg, axis=-1, keepdims=True)
        unit = np.divide(seg, length, out=np.zeros_like(seg), where=length > 1e-9)
        b = b + unit * self.extend[None, :, None]
        if self.head_index >= 0:
            centre, up, fwd = self._head_frame(positions)
            a = a.copy()
            a[:, self.head_index] = centre
            b[:, self.head_index] = centre
            if self.nose_index >= 0:
                r = self.head_radius
                nose = centre + fwd * (0.9 * r) - up * (0.12 * r)
                a[:, self.nose_index] = nose
                b[:, self.nose_index] = nose
        return a, b

    def forward(self, positions: np.ndarray) -> np.ndarray:
        """(T, 3) horizontal facing direction from the left-minus-right limb roots (zero when unknown).

        Only the first joint of each side chain (hips, shoulders) is used: swinging hands and
        feet would tilt the estimate.
        """
        t = positions.shape[0]
        if not (self.left.any() and self.right.any()):
            return np.zeros((t, 3))
        left, right = _chain_roots(self.left, self.start, self.end), _chain_roots(self.right, self.start, self.end)
        across = positions[:, left].mean(1) - positions[:, right].mean(1)
        fwd = np.stack([-across[:, 2], np.zeros(t), across[:, 0]], axis=-1)  # cross(left, +Y)
        norm = np.linalg.norm(fwd, axis=-1, keepdims=True)
        return np.divide(fwd, norm, out=np.zeros_like(fwd), where=norm > 1e-9)

    def _head_frame(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Head sphere centre (above the head joint, a bit forward of the neck line), up, forward."""
        head = positions[:, self.head_joint]
        up = head - positions[:, self.head_base]
        norm = np.linalg.norm(up, axis=-1, keepdims=True)
        up = np.where(norm > 1e-9, up / np.maximum(norm, 1e-9), np.array([0.0, 1.0, 0.0]))
        fwd = self.forward(positions)
        r = self.head_radius
        return head + up * (0.55 * r) + fwd * (0.22 * r), up, fwd


def _chain_roots(side: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Sided joints whose bone parent is not on the same side (the first joint of each limb)."""
    parent_of = dict(zip(end.tolist(), start.tolist(), strict=False))
    out = np.zeros_like(side)
    for j in np.flatnonzero(side):
        p = parent_of.get(int(j), -1)
        out[j] = p < 0 or not side[p]
    return out


def build_mannequin(
    positions: np.ndarray, parents: list[int], names: list[str] | None, config: RenderConfig
) -> Mannequin:
    """Choose primitives, radii and colours for a skeleton (positions (T, J, 3) in metres)."""
    num_j = len(parents)
    root = parents.index(-1)
    kids = children(parents)
    leaves = [j for j in range(num_j) if not kids[j]]
    bone_vec = positions - positions[:, [max(p, 0) for p in parents]]
    bone_len = np.linalg.norm(bone_vec, axis=-1).mean(0)
    bone_len[root] = 0.0
    path = path_lengths(parents, bone_len)
    rel_y = np.median(positions[..., 1] - positions[:, root : root + 1, 1], axis=0)
    cats: list[str | None] = [joint_category(n) for n in names] if names else [None] * num_j

    left, right = _sides(positions, parents, names, root, 0.01 * float(bone_len.sum()))
    head = _find_head(parents, leaves, cats, rel_y, root, left | right)
    foot = min(leaves, key=lambda j: rel_y[j]) if leaves else root
    height = (path[head] if head >= 0 else 0.0) + path[foot]
    if head >= 0:
        height *= 1.08  # the head sphere sits above the head joint
    if not height > 1e-6:
        height = float(np.ptp(positions.reshape(-1, 3), axis=0).max()) or _REFERENCE_HEIGHT
    scale = height / _REFERENCE_HEIGHT
    thick = scale * config.thickness

    trunk = ancestors(parents, head) if head >= 0 else {root}

    starts, ends, ext, r0s, r1s, cols = [], [], [], [], [], []
    for j in topological_order(parents):
        p = parents[j]
        if p < 0 or (cats[p] == "head" and head >= 0):
            continue  # no bone into the root; head-top bones are covered by the head sphere
        ra, rb = _bone_radii(p, j, cats, trunk, bone_len[j] / max(scale, 1e-9), head, root)
        starts.append(p)
        ends.append(j)
        ext.append(0.0)
        r0s.append(ra)
        r1s.append(rb)
        cols.append(_color(config, left[j], right[j]))
        leaf_cat = cats[j]
        if not kids[j] and j != head and leaf_cat in _LEAF_EXTENSION and bone_len[j] > 1e-6:
            length, ea, eb = _LEAF_EXTENSION[leaf_cat]
            starts.append(p)
            ends.append(j)
            ext.append(length * scale)
            r0s.append(ea)
            r1s.append(eb)
            cols.append(_color(config, left[j], right[j]))
    head_base = head_index = nose_index = -1
    if head >= 0:
        head_base = parents[head] if parents[head] >= 0 else head
        head_index = len(starts)
        starts.append(head)
        ends.append(head)
        ext.append(0.0)
        r0s.append(_HEAD_RADIUS)
        r1s.append(_HEAD_RADIUS)
        cols.append(config.head_color)
        if left.any() and right.any():  # facing is known: add a small nose
            nose_index = len(starts)
            starts.append(head)
            ends.append(head)
            ext.append(0.0)
            r0s.append(_HEAD_RADIUS * 0.28)
            r1s.append(_HEAD_RADIUS * 0.28)
            hr, hg, hb = config.head_color
            cols.append((0.85 * hr, 0.85 * hg, 0.85 * hb))
    if not starts:  # a lone root joint still shows up as a ball
        starts, ends, ext, r0s, r1s = [root], [root], [0.0], [0.08], [0.08]
        cols = [config.torso_color]
    return Mannequin(
        start=np.asarray(starts, dtype=np.int64),
        end=np.asarray(ends, dtype=np.int64),
        extend=np.asarray(ext, dtype=np.float64),
        r0=np.asarray(r0s, dtype=np.float64) * thick,
        r1=np.asarray(r1s, dtype=np.float64) * thick,
        colors=np.asarray(cols, dtype=np.float64),
        head_joint=head,
        head_base=head_base,
        head_radius=_HEAD_RADIUS * thick,
        head_index=head_index,
        nose_index=nose_index,
        left=left,
        right=right,
        scale=float(scale),
    )


def _find_head(
    parents: list[int],
    leaves: list[int],
    cats: list[str | None],
    rel_y: np.ndarray,
    root: int,
    sided: np.ndarray,
) -> int:
    """The joint the head sphere hangs on.

    The first 'head'-named joint; without names, the highest mid-line leaf above the root
    (mid-line so that a raised hand is never mistaken for the head), else the highest leaf.
    """
    for j, c in enumerate(cats):
        if c == "head" and (parents[j] < 0 or cats[parents[j]] != "head"):
            return j
    if any(c is not None for c in cats):
        return -1  # names given but none is a head: trust them
    above = [j for j in leaves if rel_y[j] > 0 and j != root]
    central = [j for j in above if not sided[j]]
    pool = central or above
    return max(pool, key=lambda j: rel_y[j]) if pool else -1


def _sides(
    positions: np.ndarray, parents: list[int], names: list[str] | None, root: int, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Left/right joint masks: from names when they carry side tokens, else from x at frame 0.

    Canonical convention: the character faces +Z, so its left is +X.  A joint inherits its
    parent's side so a hand crossing the midline keeps its limb's colour.
    """
    num_j = len(parents)
    own = np.zeros(num_j, dtype=np.int64)
    if names is not None:
        own = np.array([joint_side(n) for n in names], dtype=np.int64)
    if not own.any():
        x = positions[0, :, 0] - positions[0, root, 0]
        own = np.where(x > threshold, 1, np.where(x < -threshold, -1, 0))
    side = np.zeros(num_j, dtype=np.int64)
    for j in topological_order(parents):
        p = parents[j]
        side[j] = side[p] if p >= 0 and side[p] != 0 else own[j]
    side[root] = 0
    return side > 0, side < 0


def _bone_radii(
    p: int, j: int, cats: list[str | None], trunk: set[int], length: float, head: int, root: int
) -> tuple[float, float]:
    """(start, end) radii in reference metres for the bone parent p -> child j (length also reference)."""
    cp, cj = cats[p], cats[j]
    if cp in ("pelvis", None) and p == root and cj is not None:
        return _RADII["pelvis_spine"] if cj in ("spine", "chest", "neck") else _RADII["pelvis_leg"]
    if cp == "chest" or (cp == "spine" and cj in ("neck", "clavicle")):
        if cj == "neck" or cj == "head":
            return _RADII["chest_neck"]
        if cj == "clavicle":
            return _RADII["chest_clavicle"]
        return _RADII["chest"]
    if cp is not None and cp in _RADII:
        return _RADII[cp]
    if cp == "pelvis":
        return _RADII["pelvis_leg"]
    # Topology defaults (reference metres).
    if p in trunk and j in trunk:
        if j == head:
            return (0.06, 0.05)
        return (0.11, 0.11)
    if p == root:
        return (0.09, 0.08)
    r = float(np.clip(0.14 * length, 0.03, 0.06))
    return (r * 1.1, r * 0.85)


def _color(config: RenderConfig, is_left: bool, is_right: bool) -> tuple[float, float, float]:
    """Warm tint for the character's left, cool for its right, neutral for the mid-line."""
    if is_left:
        return config.left_color
    if is_right:
        return config.right_color
    return config.torso_color
