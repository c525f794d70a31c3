"""Which takes go to train, val and test: by take (never one take in two splits), stratified by
dataset, content and style, with a fixed seed, and no split left empty when takes allow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

import numpy as np

from motionclip.data.config import DataConfig
from motionclip.data.sources import Take

SPLITS = ("train", "val", "test")


def _strata(take: Take) -> tuple[tuple[str, ...], ...]:
    """The label groups a split is balanced over, finest first."""
    return (
        ("pair", take.dataset, take.content, take.style),
        ("content", take.dataset, take.content),
        ("style", take.dataset, take.style),
        ("dataset", take.dataset),
    )


def assign_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
    """Split by take group (one file's spans stay together), keeping splits the dataset
    fixes itself (``Take.split``); see :func:`assign_take_splits` for the rest."""
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(takes):
        groups.setdefault(t.group or f"#{i}", []).append(i)
    out = [0] * len(takes)
    free: list[list[int]] = []
    fixed = set()
    for members in groups.values():
        split = next((takes[i].split for i in members if takes[i].split is not None), None)
        if split is None:
            free.append(members)
        else:
            fixed.add(split)
            for i in members:
                out[i] = split
    if free:
        val = 0.0 if 1 in fixed else cfg.val_fraction
        test = 0.0 if 2 in fixed else cfg.test_fraction
        sub = (
            cfg
            if (val, test) == (cfg.val_fraction, cfg.test_fraction)
            else DataConfig(**{**asdict(cfg), "val_fraction": val, "test_fraction": test})
        )
        reps = assign_take_splits([takes[m[0]] for m in free], sub)
        for members, split in zip(free, reps):
            for i in members:
                out[i] = split
    return out


def assign_take_splits(takes: list[Take], cfg: DataConfig) -> list[int]:
    """Split by take, stratified by (dataset, content, style), seeded.

    Groups are visited in a seeded order and each take goes to the split furthest below
    its target share, summed over its (dataset, content, style) group, its content, its
    style and its dataset. So every split gets every frequent label even where each
    (content, style) pair has only one or two takes (as in Bandai Namco dataset-1, where
    stratifying by pair alone left whole contents and styles out of val/test).
    """
    rng = np.random.default_rng(cfg.seed)
    target = np.array([1.0 - cfg.val_fraction - cfg.test_fraction, cfg.val_fraction, cfg.test_fraction])
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, t in enumerate(takes):
        groups[_strata(t)[0]].append(i)
    keys = sorted(groups)
    rng.shuffle(keys)
    counts: dict[tuple[str, ...], np.ndarray] = defaultdict(lambda: np.zeros(3))
    out = [0] * len(takes)
    for key in keys:
        members = list(groups[key])
        rng.shuffle(members)
        for i in members:
            strata = _strata(takes[i])
            deficit = sum(target * (counts[s].sum() + 1) - counts[s] for s in strata)
            split = int(np.argmax(deficit))
            out[i] = split
            for s in strata:
                counts[s][split] += 1
    _fill_empty_splits(takes, out, counts, target, rng)
    return out


def _fill_empty_splits(
    takes: list[Take],
    out: list[int],
    counts: dict[tuple[str, ...], np.ndarray],
    target: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Swap takes so that each label big enough for a split (size x share >= 1) has one there.

    The greedy pass above nearly always manages; where a content and a style compete for
    the same few takes it can leave a label out of val or test. Each fix swaps a take of
    that label with a take of the missing split from the same dataset (so the split sizes
    do not change), and only if the swap leaves no other big-enough label without a split.
    """
    strata = [_strata(t) for t in takes]
    members: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, st in enumerate(strata):
        for s in st:
            members[s].append(i)

    def needs(s: tuple[str, ...], k: int) -> bool:
        return bool(counts[s].sum() * target[k] >= 1 - 1e-9)

    def empties(i: int, split: int, shared: set[tuple[str, ...]]) -> bool:
        """Would taking take ``i`` out of ``split`` leave a label that needs it without one?"""
        return any(s not in shared and counts[s][split] == 1 and needs(s, split) for s in strata[i])

    def can_swap(t: int, u: int, label: tuple[str, ...]) -> bool:
        if label in strata[u]:
            return False
        shared = set(strata[t]) & set(strata[u])  # labels of both: their counts do not change
        return not empties(t, out[t], shared) and not empties(u, out[u], shared)

    for label in sorted(members):
        if label[0] == "dataset":
            continue
        for k in range(3):
            if counts[label][k] > 0 or not needs(label, k):
                continue
            mine = [members[label][j] for j in rng.permutation(len(members[label]))]
            mine.sort(key=lambda i: -counts[label][out[i]])  # take from the fullest split first
            pool = members[("dataset", label[1])]
            others = [pool[j] for j in rng.permutation(len(pool)) if out[pool[j]] == k]
            swap = next(((t, u) for t in mine for u in others if can_swap(t, u, label)), None)
            if swap is None:
                continue
            t, u = swap
            j = out[t]
            for s in strata[t]:
                counts[s][j] -= 1
                counts[s][k] += 1
            for s in strata[u]:
                counts[s][k] -= 1
                counts[s][j] += 1
            out[t], out[u] = k, j
