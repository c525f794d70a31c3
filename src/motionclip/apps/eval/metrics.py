"""Reconstruction, zero-shot recognition and retrieval metrics on a dataset split.

Protocols (documented here because they decide what the numbers mean):

- Reconstruction: every window is encoded and decoded at its own length. Joint positions
  come from FK with each take's own bone offsets, in the canonical frame (root trajectory
  included); ``mpjpe_root_relative_mm`` also removes the root. Rotation error is the mean
  geodesic angle between predicted and true local joint rotations. Velocity error is the
  mean norm of the difference of per-frame joint displacements (mm/frame).
- Zero-shot recognition (the paper's BABEL protocol): class names become prompts
  (``labels.class_prompt`` / ``style_prompt``); a window is classified among the labels of
  *its own dataset* (the Bandai parts have separate label sets); top-k uses
  ``k = min(k, number of classes)``. "overall" pools the windows of every dataset.
- Retrieval: a window's text is the first description of its (content, style) pair. A hit
  is any retrieved item with the same (content, style) label. Text->motion ranks all
  windows of the split for each window's text (one query per window); motion->text ranks
  the distinct pair texts present in the split for each window. ``chance`` is the expected
  R@k of a random ranking, so numbers can be judged against it.
"""

from __future__ import annotations

import math
from typing import Any

import roma
import torch
import torch.nn.functional as F

from motionclip.data.cache import MotionCache
from motionclip.data.labels import class_prompt, style_prompt
from motionclip.data.rotations import sixd_to_matrix
from motionclip.generation.text_to_motion import MotionCLIP

RECALL_KS = (1, 5, 10)


@torch.no_grad()
def reconstruction(
    model: MotionCLIP, cache: MotionCache, idx: torch.Tensor, z: torch.Tensor | None = None, size: int = 256
) -> dict[str, Any]:
    """Mean position (mm), rotation (deg) and velocity (mm/frame) errors of encode->decode,
    the re-encoding consistency ``cos(E(D(z)), z)`` and the realism statistics of the
    reconstructions beside the real windows' (:mod:`.realism`).

    ``z``: the windows' latents if already computed (saves re-encoding).
    """
    from motionclip.apps.eval import realism

    model.eval()
    device = model.rot_mean.device
    feet = realism.foot_joints(model.skeleton)
    sums = {"pos": 0.0, "pos_rel": 0.0, "rot": 0.0, "vel": 0.0, "reenc": 0.0}
    counts = {"pos": 0, "rot": 0, "vel": 0}
    stats_real: list[dict[str, torch.Tensor]] = []
    stats_rec: list[dict[str, torch.Tensor]] = []
    content = cache.window_labels(idx)["content"]
    for s in range(0, len(idx), size):
        b = idx[s : s + size]
        rot, tr = cache.windows(b)
        rot, tr = rot.to(device), tr.to(device)
        offsets = cache.tensors["take_offsets"][cache.tensors["window_take"][b]].to(device)
        zb = model.encode(rot, tr) if z is None else z[s : s + size].to(device)
        p_rot, p_tr = model.decode_features(zb, rot.shape[1])
        pos = model.positions(rot, tr, offsets)
        p_pos = model.positions(p_rot, p_tr, offsets)
        err = (p_pos - pos).norm(dim=-1)
        rel = ((p_pos - p_pos[..., :1, :]) - (pos - pos[..., :1, :])).norm(dim=-1)
        ang = roma.rotmat_geodesic_distance(sixd_to_matrix(p_rot), sixd_to_matrix(rot))
        vel = ((p_pos[:, 1:] - p_pos[:, :-1]) - (pos[:, 1:] - pos[:, :-1])).norm(dim=-1)
        stats_real.append(realism.window_stats(pos, cache.fps, feet))
        stats_rec.append(realism.window_stats(p_pos, cache.fps, feet))
        z_again = model.encode(p_rot, p_tr)
        sums["reenc"] += float(F.cosine_similarity(z_again, zb, dim=-1).sum())
        sums["pos"] += float(err.sum())
        sums["pos_rel"] += float(rel.sum())
        sums["rot"] += float(ang.sum())
        sums["vel"] += float(vel.sum())
        counts["pos"] += err.numel()
        counts["rot"] += ang.numel()
        counts["vel"] += vel.numel()
    return {
        "mpjpe_mm": 1000.0 * sums["pos"] / counts["pos"],
        "mpjpe_root_relative_mm": 1000.0 * sums["pos_rel"] / counts["pos"],
        "rotation_error_deg": math.degrees(sums["rot"] / counts["rot"]),
        "velocity_error_mm_per_frame": 1000.0 * sums["vel"] / max(1, counts["vel"]),
        "reencoding_cosine": sums["reenc"] / max(1, len(idx)),
        "realism": realism.compare(_cat(stats_rec), content, _cat(stats_real), content, cache.contents),
        "windows": len(idx),
    }


def _cat(parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]} if parts else {}


def topk_hits(z: torch.Tensor, emb: torch.Tensor, truth: torch.Tensor, ks: tuple[int, ...]) -> dict[int, int]:
    """Number of rows whose true class index is among the k most similar prompts."""
    sims = F.normalize(z, dim=-1) @ F.normalize(emb, dim=-1).T
    order = torch.argsort(sims, dim=-1, descending=True)
    return {k: int((order[:, : min(k, emb.shape[0])] == truth[:, None]).any(-1).sum()) for k in ks}


def zero_shot(model: MotionCLIP, cache: MotionCache, idx: torch.Tensor, z: torch.Tensor) -> dict[str, Any]:
    """Content and style top-1/top-5 accuracy per dataset and overall."""
    labels = cache.window_labels(idx)
    out: dict[str, Any] = {}
    for key, names, prompt in (("content", cache.contents, class_prompt), ("style", cache.styles, style_prompt)):
        per: dict[str, Any] = {}
        tot = {1: 0, 5: 0}
        n_all = 0
        for d, classes in cache.classes_by_dataset(key).items():
            sel = labels["dataset"] == d
            n = int(sel.sum())
            if n == 0 or not classes:
                continue
            emb = model.encode_text([prompt(names[c]) for c in classes])
            lookup = {c: i for i, c in enumerate(classes)}
            truth = torch.tensor([lookup[int(c)] for c in labels[key][sel]])
            hits = topk_hits(z[sel], emb, truth, (1, 5))
            per[cache.datasets[d]] = {"top1": hits[1] / n, "top5": hits[5] / n, "n": n, "classes": len(classes)}
            tot = {k: tot[k] + hits[k] for k in tot}
            n_all += n
        out[key] = {
            "overall": {"top1": tot[1] / max(1, n_all), "top5": tot[5] / max(1, n_all), "n": n_all},
            "per_dataset": per,
        }
    return out


def _chance_text_to_motion(n_pos: torch.Tensor, n: int, k: int) -> float:
    """Mean over queries of P(at least one of n_pos positives in a random top-k of n)."""
    k = min(k, n)
    memo: dict[int, float] = {}
    for p in {int(p) for p in n_pos}:
        memo[p] = 1.0 - math.comb(n - p, k) / math.comb(n, k)
    return sum(memo[int(p)] for p in n_pos) / len(n_pos)


def retrieval(model: MotionCLIP, cache: MotionCache, idx: torch.Tensor, z: torch.Tensor) -> dict[str, Any]:
    """Text->motion and motion->text recall@k with (content, style)-pair hits."""
    pair = cache.window_labels(idx)["pair"]
    pairs = torch.unique(pair)  # sorted
    texts = [cache.texts[cache.pair_text_ids[int(p)][0]] for p in pairs]
    emb = F.normalize(model.encode_text(texts), dim=-1)
    zn = F.normalize(z, dim=-1)
    q_of_window = torch.searchsorted(pairs, pair)  # row of each window's pair in ``pairs``
    sims = emb @ zn.T  # (P, N)
    n = len(idx)
    t2m: dict[str, Any] = {}
    m2t: dict[str, Any] = {}
    order_t2m = torch.argsort(sims, dim=1, descending=True)  # windows per pair text
    order_m2t = torch.argsort(sims.T, dim=1, descending=True)  # pair texts per window
    n_pos = torch.bincount(q_of_window, minlength=len(pairs))
    for k in RECALL_KS:
        hit_pair = (pair[order_t2m[:, : min(k, n)]] == pairs[:, None]).any(-1).float()  # (P,)
        t2m[f"R@{k}"] = float((hit_pair * n_pos).sum() / n)  # one query per window
        m2t[f"R@{k}"] = float((order_m2t[:, : min(k, len(pairs))] == q_of_window[:, None]).any(-1).float().mean())
    t2m["chance"] = {f"R@{k}": _chance_text_to_motion(n_pos[q_of_window], n, k) for k in RECALL_KS}
    m2t["chance"] = {f"R@{k}": min(k, len(pairs)) / len(pairs) for k in RECALL_KS}
    t2m.update(queries=n, candidates=n)
    m2t.update(queries=n, candidates=len(pairs))
    return {
        "text_to_motion": t2m,
        "motion_to_text": m2t,
        "hit": "same (content, style) pair",
    }
