"""Compositions: a locomotion and an upper-body action in one prompt, combined per body part.

The training data holds each action alone (people walk, or wave, never both), so a prompt
such as "a person walks while waving the right hand" embeds somewhere between the two and
decodes to one of them. Here such a prompt is split into its parts
(:func:`~motionclip.apps.prompt_split.split_prompt`: "A while B", "A as B", "A with B",
"A and B", "A, B"), each part is decoded on its own, and the motions are combined joint by
joint (:func:`combine`):

- the root (translation and heading) and the legs come from the locomotion;
- the upper-body limbs the gesture moves come from the gesture: each subtree hanging from the
  chest (the first joint above the root where the body branches; :func:`body_parts`) is taken
  when its end (hand, head) differs from the reference motion by at least
  :data:`LIMB_DIFFERENCE` (RMS, in the chest's frame) and is lifted (:data:`LIMB_RAISE`), so a
  right-hand wave on a walk keeps the walk's left-arm swing;
- the joints between root and chest are the seam: slerped from the locomotion towards the
  gesture in equal steps (spine 1/3, chest 2/3 on a two-joint spine).

Which part is the locomotion is decided from the decoded motions, not from words: a part
whose root travels at least :data:`LOCOMOTION_SPEED` is locomotion. A prompt is composed only
when exactly one part is, and the other moves some upper-body limb; otherwise (for instance
"a person walks and turns left", a single training action) the whole prompt is decoded as
before. "A and then B" is a sequence, never split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from motionclip.apps.prompt_split import Split
from motionclip.data.motion import Motion
from motionclip.data.rotations import slerp_matrices
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError

LOCOMOTION_SPEED = 0.25  # m/s of root travel (start to end, on the ground) that makes a part locomotion
LIMB_DIFFERENCE = 0.12  # m: RMS end-effector difference (chest frame) that makes a limb the gesture's ...
LIMB_RAISE = 0.05  # m: ... when its end is also this much higher above the chest on average


# ---------------------------------------------------------------------------- skeleton
@dataclass(frozen=True)
class BodyParts:
    """A skeleton's upper body, seam and lower body, from its hierarchy alone."""

    root: int
    chest: int
    seam: tuple[int, ...]  # root -> chest path without the root, chest included
    limbs: tuple[tuple[int, ...], ...]  # each subtree hanging from the chest
    ends: tuple[int, ...]  # each limb's end effector (its deepest joint)
    names: tuple[str, ...]  # each limb's name (its end joint's name)


def _subtree(kids: list[list[int]], j: int) -> list[int]:
    out, stack = [], [j]
    while stack:
        k = stack.pop()
        out.append(k)
        stack.extend(reversed(kids[k]))
    return sorted(out)


def body_parts(skeleton: Skeleton) -> BodyParts:
    """The chest is found by walking from the root into its largest subtree (the torso: it
    carries the head and both arms) down to the first joint with two or more children."""
    parents = list(skeleton.parents)
    kids = [skeleton.children(j) for j in range(skeleton.num_joints)]
    root = parents.index(-1)
    if not kids[root]:
        raise MotionCLIPError("the skeleton has no joints below the root to compose")
    j = max(kids[root], key=lambda c: len(_subtree(kids, c)))
    seam = [j]
    while len(kids[j]) == 1:
        j = kids[j][0]
        seam.append(j)
    if not kids[j]:
        raise MotionCLIPError("the skeleton has no branching upper body (chest) to compose")
    depth = [0] * len(parents)
    for k, p in enumerate(parents):
        depth[k] = depth[p] + 1 if p >= 0 else 0
    limbs = tuple(tuple(_subtree(kids, c)) for c in kids[j])
    ends = tuple(max(limb, key=lambda k: (depth[k], -k)) for limb in limbs)
    return BodyParts(root, j, tuple(seam), limbs, ends, tuple(skeleton.names[e] for e in ends))


# ----------------------------------------------------------------------------- motions
def root_travel(motion: Motion) -> float:
    """Metres the root moves on the ground (start to end; Y is up)."""
    p = motion.root_translation
    return float((p[-1, [0, 2]] - p[0, [0, 2]]).norm())


def is_locomotion(motion: Motion) -> bool:
    return root_travel(motion) >= LOCOMOTION_SPEED * motion.duration


def _chest_frame_ends(motion: Motion, parts: BodyParts) -> torch.Tensor:
    """(T, L, 3) each limb end's position in the chest's frame (independent of heading and path)."""
    pos = motion.positions()
    chest_rot = motion.rotations[:, parts.root]
    for j in parts.seam:  # the chest's world rotation: the root's, then down the spine
        chest_rot = chest_rot @ motion.rotations[:, j]
    chest_pos = pos[:, parts.chest]
    rel = pos[:, list(parts.ends)] - chest_pos[:, None]
    return torch.einsum("tji,tlj->tli", chest_rot, rel)


def limb_differences(gesture: Motion, reference: Motion, parts: BodyParts) -> list[float]:
    """RMS distance (m) of each limb end between the two motions, in the chest's frame."""
    n = min(len(gesture), len(reference))
    a, b = _chest_frame_ends(gesture[:n], parts), _chest_frame_ends(reference[:n], parts)
    return (a - b).norm(dim=-1).pow(2).mean(0).sqrt().tolist()


def limb_raises(gesture: Motion, reference: Motion, parts: BodyParts) -> list[float]:
    """How much higher (m, world up) each limb end is above the chest in ``gesture`` than in
    ``reference``, on average over time."""
    n = min(len(gesture), len(reference))

    def height(motion: Motion) -> torch.Tensor:
        pos = motion[:n].positions()
        return (pos[:, list(parts.ends), 1] - pos[:, parts.chest, None, 1]).mean(0)

    return (height(gesture) - height(reference)).tolist()


def gesture_limbs(gesture: Motion, reference: Motion, parts: BodyParts) -> list[int]:
    """Indices (into ``parts.limbs``) of the limbs the gesture moves: their end differs from
    ``reference`` by at least :data:`LIMB_DIFFERENCE` (RMS, chest frame) and is lifted (on
    average at least :data:`LIMB_RAISE` higher), so an arm that merely hangs in the gesture
    where the locomotion swings it is not taken."""
    diffs, raises = limb_differences(gesture, reference, parts), limb_raises(gesture, reference, parts)
    return [i for i, (d, r) in enumerate(zip(diffs, raises)) if d >= LIMB_DIFFERENCE and r >= LIMB_RAISE]


def fit_length(motion: Motion, frames: int) -> Motion:
    """Cut to ``frames``, or hold the last frame to reach it."""
    if len(motion) >= frames:
        return motion[:frames]
    extra = frames - len(motion)
    rot = torch.cat([motion.rotations, motion.rotations[-1:].expand(extra, -1, -1, -1)])
    tr = torch.cat([motion.root_translation, motion.root_translation[-1:].expand(extra, -1)])
    return Motion(motion.skeleton, rot, tr, motion.fps, motion.euler_order)


def combine(
    lower: Motion,
    upper: Motion,
    limbs: Sequence[int] | None = None,
    weight: float = 1.0,
    parts: BodyParts | None = None,
) -> Motion:
    """Root, heading and legs of ``lower``; the chosen upper-body ``limbs`` (None: all) of
    ``upper``, slerped by ``weight`` (1 = the upper motion's rotations, 0 = ``lower`` unchanged);
    the seam joints by ``weight * k / (n + 1)`` for the k-th of n. ``upper`` is cut or held
    to ``lower``'s length; both must be on one skeleton."""
    if upper.skeleton.names != lower.skeleton.names or upper.skeleton.parents != lower.skeleton.parents:
        raise MotionCLIPError("the motions to compose are on different skeletons")
    parts = parts or body_parts(lower.skeleton)
    upper = fit_length(upper, len(lower))
    chosen = range(len(parts.limbs)) if limbs is None else limbs
    w = torch.zeros(lower.skeleton.num_joints, dtype=lower.rotations.dtype)
    for k, j in enumerate(parts.seam, start=1):
        w[j] = weight * k / (len(parts.seam) + 1)
    for i in chosen:
        w[list(parts.limbs[i])] = weight
    alpha = w.expand(len(lower), -1)
    rot = slerp_matrices(lower.rotations, upper.rotations.to(lower.rotations.dtype), alpha)
    keep = w == 0  # exact copies where nothing is blended (no slerp round-off)
    rot[:, keep] = lower.rotations[:, keep]
    return Motion(lower.skeleton, rot, lower.root_translation.clone(), lower.fps, lower.euler_order)


@dataclass(frozen=True)
class Composition:
    """What was composed: the texts (or file names) and the upper-body limbs taken."""

    lower: str
    upper: str
    limbs: tuple[str, ...]
    motion: Motion

    def line(self) -> str:
        taken = f" (limbs ending at {', '.join(self.limbs)})" if self.limbs else ""
        return f"composed: lower body + root from {self.lower!r}, upper body from {self.upper!r}{taken}"


def compose_parts(
    locomotion: Motion, gesture: Motion, lower_label: str, upper_label: str, reference: Motion | None = None
) -> Composition | None:
    """``locomotion`` + the limbs ``gesture`` moves (compared with ``reference``, default the
    locomotion itself); None when it moves none."""
    parts = body_parts(locomotion.skeleton)
    limbs = gesture_limbs(gesture, reference if reference is not None else locomotion, parts)
    if not limbs:
        return None
    motion = combine(locomotion, gesture, limbs, 1.0, parts)
    return Composition(lower_label, upper_label, tuple(parts.names[i] for i in limbs), motion)


def plan_composition(split: Split, first: Motion, second: Motion) -> Composition | None:
    """The composition of a split prompt's two decoded parts, or None (not one locomotion plus
    one upper-body action)."""
    a, b = is_locomotion(first), is_locomotion(second)
    if a == b:
        return None
    (loco, loco_text), (gest, gest_text) = ((first, split.first), (second, split.second))[:: 1 if a else -1]
    return compose_parts(loco, gest, loco_text, gest_text)


def compose_samples(split: Split, firsts: Sequence[Motion], seconds: Sequence[Motion]) -> list[Composition] | None:
    """The composition of each sample of a split prompt, with the roles and limbs the first
    sample decides (None: not a composition)."""
    if not firsts or len(firsts) != len(seconds):
        return None
    head = plan_composition(split, firsts[0], seconds[0])
    if head is None:
        return None
    loco_first = head.lower == split.first
    out = [head]
    parts = body_parts(firsts[0].skeleton)
    limbs = [parts.names.index(n) for n in head.limbs]
    for a, b in zip(firsts[1:], seconds[1:]):
        loco, gest = (a, b) if loco_first else (b, a)
        out.append(Composition(head.lower, head.upper, head.limbs, combine(loco, gest, limbs, 1.0, parts)))
    return out


if __name__ == "__main__":  # the measurement keeps this module's name as its command
    from motionclip.apps.compose_measure import main

    main()
