"""A bank of training-motion latents: where text latents should land when they are decoded.

Decoding a text embedding directly (the paper) gives the decoder a point that no training
motion occupies: the cosine losses only pull motion latents *towards* their text, so the
text sits near the middle of its cluster, and the middle of a cluster of walks at every
gait phase decodes to the average of those phases -- a still pose gliding forward. The
bank keeps the directions of the training latents (int8, ~3.7 MB for 10k windows) so that
generation can move a text latent onto the motion manifold: pick a training latent near
the text (by cosine, among the ``top_k`` nearest, drawn with a seeded generator) and decode
the spherical interpolation ``slerp(text, neighbour, weight)``. Different seeds pick
different neighbours, which gives several plausible motions per prompt. The bank also
keeps how much each window's limbs move (``bank_activity``), so the draw can skip the
still lead-in and lead-out of takes (:func:`pick_neighbours`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def quantise(latents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Unit directions of (N, D) latents as int8 codes (N, D) and per-row scales (N,)."""
    u = F.normalize(latents.float(), dim=-1)
    scale = u.abs().amax(-1).clamp_min(1e-8) / 127.0
    return torch.round(u / scale[:, None]).to(torch.int8), scale


def dequantise(codes: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """(N, D) unit directions from :func:`quantise`'s output."""
    return F.normalize(codes.float() * scale[:, None].float(), dim=-1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between unit vectors (..., D); t=0 gives a, t=1 gives b."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    t = torch.as_tensor(t, dtype=a.dtype)
    cos = (a * b).sum(-1, keepdim=True).clamp(-1 + 1e-6, 1 - 1e-6)
    omega = torch.acos(cos)
    so = torch.sin(omega)
    out = (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b
    return F.normalize(out, dim=-1)


def _without_duplicates(sims: torch.Tensor, bank: torch.Tensor, n: int, same: float = 0.9999) -> torch.Tensor:
    """``sims`` (N, M) with -2 where one of a text's ``n`` nearest rows repeats a nearer row."""
    n = min(n, bank.shape[0])
    near, rows = sims.topk(n, dim=-1)  # (N, n), nearest first
    cand = F.normalize(bank[rows].float(), dim=-1)  # (N, n, D)
    repeats = torch.triu(cand @ cand.transpose(1, 2) >= same, diagonal=1).any(dim=1)  # (N, n)
    return sims.scatter(1, rows, near.masked_fill(repeats, -2.0))


def pick_neighbours(
    text: torch.Tensor,
    bank: torch.Tensor,
    samples: int,
    top_k: int,
    temperature: float,
    seed: int,
    activity: torch.Tensor | None = None,
    pool: int = 16,
    active_quantile: float = 0.25,
) -> torch.Tensor:
    """(N, samples) bank rows near each unit text (N, D): drawn without replacement from the
    ``top_k`` most similar, with probability softmax(cos / temperature).

    ``activity`` (M,): how much each bank window's decoded limbs move. When given (and
    ``active_quantile`` > 0), the ``top_k`` are taken among those of the ``pool`` nearest
    windows at least as active as the pool's ``active_quantile``: the windows nearest a text
    are the ones whose latent carries the least besides the label (a take's still lead-in
    and lead-out, small gestures), and they decode to the motion barely moving (measured:
    the 16 wave-left-hand windows nearest their text reconstruct at 0.52 of their real
    limb speed, against 0.81 for the class; ``scripts/bank_neighbours.py``). The rule is relative to the pool, so a text
    whose neighbours all stand still still gets them.

    Windows whose latents coincide (a take repeated in the data, a periodic motion cut at
    whole periods) count once, so ``samples`` draws give that many different motions when
    the candidates allow it.

    Each text draws from its own generator seeded with ``seed``, so its samples depend
    only on the text and the seed, not on which other prompts share the batch."""
    sims = F.normalize(text, dim=-1) @ bank.T  # (N, M)
    sims = _without_duplicates(sims, bank, 4 * max(pool, top_k, samples))
    if activity is not None and active_quantile > 0:
        n_pool = min(max(pool, top_k, samples), bank.shape[0])
        sims_pool, pool_rows = sims.topk(n_pool, dim=-1)
        act = activity.float()[pool_rows]  # (N, pool)
        active = act >= torch.quantile(act, active_quantile, dim=-1, keepdim=True)
        sims = torch.full_like(sims, -2.0).scatter(1, pool_rows, sims_pool.masked_fill(~active, -2.0))
    k = min(max(top_k, samples), bank.shape[0])
    top, rows = sims.topk(k, dim=-1)
    allowed = top > -2.0
    probs = torch.softmax((top / max(temperature, 1e-6)).masked_fill(~allowed, float("-inf")), dim=-1)
    replace = samples > int(allowed.sum(-1).min())
    picks = torch.stack(
        [
            torch.multinomial(p, samples, replacement=replace, generator=torch.Generator().manual_seed(int(seed)))
            for p in probs
        ]
    )
    return rows.gather(1, picks)
