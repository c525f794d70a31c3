"""The kinematic tree: joint names, parent indices and rest offsets (metres)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from motionclip.errors import SkeletonError

_LEFT = re.compile(r"(^|[_\-.:\s])(l|left)([_\-.:\s]|$)|^left|left$|_l$", re.IGNORECASE)
_RIGHT = re.compile(r"(^|[_\-.:\s])(r|right)([_\-.:\s]|$)|^right|right$|_r$", re.IGNORECASE)


def joint_side(name: str) -> str:
    """'left', 'right' or 'center' from a joint name (``_L``, ``Left``, ``l_`` ...)."""
    if _LEFT.search(name):
        return "left"
    if _RIGHT.search(name):
        return "right"
    return "center"


@dataclass(frozen=True)
class Skeleton:
    """Joint hierarchy. Parents precede children (BVH order); the root's parent is -1.

    ``end_sites`` keeps the BVH End Site offsets (joint index -> offset in metres) so that
    a written file has the same leaf bones as the one that was read.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray  # (J, 3) metres, local to the parent
    end_sites: dict[int, tuple[float, ...]] = field(default_factory=dict)  # (x, y, z) each

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "parents", tuple(int(p) for p in self.parents))
        offsets = np.asarray(self.offsets, dtype=np.float64)
        object.__setattr__(self, "offsets", offsets)
        n = len(self.names)
        if n == 0:
            raise SkeletonError("skeleton has no joints")
        if len(self.parents) != n or offsets.shape != (n, 3):
            raise SkeletonError(
                f"skeleton sizes disagree: {n} names, {len(self.parents)} parents, offsets {offsets.shape}"
            )
        if len(set(self.names)) != n:
            raise SkeletonError("skeleton joint names are not unique")
        if self.parents[0] != -1:
            raise SkeletonError("the first joint must be the root (parent -1)")
        for j, p in enumerate(self.parents[1:], start=1):
            if not 0 <= p < j:
                raise SkeletonError(f"joint {self.names[j]!r} has parent {p}; parents must precede children")
        if not np.isfinite(offsets).all():
            raise SkeletonError("skeleton offsets contain NaN or inf")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise SkeletonError(f"joint {name!r} not in skeleton ({', '.join(self.names)})") from None

    def children(self, joint: int) -> list[int]:
        return [j for j, p in enumerate(self.parents) if p == joint]

    def side(self, joint: int) -> str:
        """'left', 'right' or 'center' from the joint's name."""
        return joint_side(self.names[joint])

    def descendants(self, joint: int) -> list[int]:
        """All joints below ``joint`` (inclusive), used to split upper/lower body."""
        out = [joint]
        for j in range(joint + 1, len(self.parents)):
            if self.parents[j] in out:
                out.append(j)
        return out

    def same_topology(self, other: Skeleton) -> bool:
        return self.names == other.names and self.parents == other.parents

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "parents": list(self.parents),
            "offsets": self.offsets.tolist(),
            "end_sites": {str(k): list(v) for k, v in self.end_sites.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Skeleton:
        try:
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, got {type(data).__name__}")
            names, parents = data["names"], data["parents"]
            if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                raise TypeError("names must be a list of strings")
            if not (isinstance(parents, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in parents)):
                raise TypeError("parents must be a list of integers")
            end_sites = {int(k): tuple(float(x) for x in v) for k, v in dict(data.get("end_sites", {})).items()}
            if any(len(v) != 3 for v in end_sites.values()):
                raise ValueError("end site offsets need 3 numbers")
            if any(not 0 <= k < len(names) for k in end_sites):
                raise ValueError("end site of a joint that does not exist")
            return cls(
                names=tuple(names),
                parents=tuple(parents),
                offsets=np.asarray(data["offsets"], dtype=np.float64),
                end_sites=end_sites,
            )
        except SkeletonError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SkeletonError(f"malformed skeleton description: {exc}") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Skeleton):
            return NotImplemented
        return self.same_topology(other) and np.allclose(self.offsets, other.offsets, atol=1e-6)

    def __hash__(self) -> int:
        return hash((self.names, self.parents))
