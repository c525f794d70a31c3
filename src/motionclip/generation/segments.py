"""Motions longer than the training window: overlapping segments along a latent path.

The decoder's queries are positional encodings of frames 1..T; past the training window
(60 frames) it meets positions it never saw, and the motion freezes or drifts back. So a
long motion is decoded as segments of exactly one window that overlap by a third of it:

1. **Latent path.** Segment k decodes ``slerp(text, bank[r_k], weight)``. ``r_0`` is a
   training latent near the text (as for one window); ``r_{k+1}`` is the bank window of
   the same training take that starts ``hop`` frames after ``r_k``, so consecutive
   segments continue one real performance in phase. When that take ends, the path jumps
   to the window, among the text's nearest bank windows and those 20/40 frames later in
   their takes, whose decoded start best matches the pose where the blend begins
   (:func:`best_match`), so the jump stays in step. Only the more active half of those
   candidates (:func:`activity`), and none of the last few segments used, may be jumped
   to: a take's label covers its still lead-in and lead-out too, and a path that may pick
   any pose match settles there, or loops on one segment (a 10-s wave moved its limbs at
   a quarter of real waving that way).
2. **Root continued.** Each decoded segment is in canonical form (starts at the origin,
   facing +Z); segment k+1 is turned about +Y and moved so that its first frame sits on
   the frame of the motion built so far where their overlap begins.
3. **Blend.** Over the overlap, rotations are slerped and root positions lerped from the
   old segment to the new one with a linear ramp.

Without a bank every segment decodes the same latent (the motion repeats, stitched).
"""

from __future__ import annotations

import math

import torch

from motionclip.data.rotations import slerp_matrices, yaw_matrix


def plan(frames: int, window: int) -> tuple[int, int, int]:
    """(segments, hop, overlap) covering ``frames`` with windows overlapping by window // 3."""
    overlap = max(1, window // 3)
    hop = window - overlap
    if frames <= window:
        return 1, hop, overlap
    return 1 + math.ceil((frames - window) / hop), hop, overlap


def root_yaw(root_rotation: torch.Tensor) -> torch.Tensor:
    """Heading (radians about +Y) of the root's local +Z axis; (..., 3, 3) -> (...)."""
    forward = root_rotation[..., :, 2]
    return torch.atan2(forward[..., 0], forward[..., 2])


def stitch(
    rotations: list[torch.Tensor], translations: list[torch.Tensor], hop: int, overlap: int, frames: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Join decoded segments (each (W, J, 3, 3) and (W, 3), canonical) into ``frames`` frames."""
    rot, trans = rotations[0].clone(), translations[0].clone()
    for k in range(1, len(rotations)):
        seg_r, seg_t = rotations[k], translations[k]
        a = k * hop  # first overlap frame in the output
        turn = yaw_matrix(root_yaw(rot[a, 0]) - root_yaw(seg_r[0, 0]))
        seg_r = seg_r.clone()
        seg_r[:, 0] = turn @ seg_r[:, 0]
        start = torch.tensor([seg_t[0, 0], 0.0, seg_t[0, 2]])
        anchor = torch.tensor([trans[a, 0], 0.0, trans[a, 2]])
        seg_t = (seg_t - start) @ turn.T + anchor
        n = min(overlap, rot.shape[0] - a)
        w = (torch.arange(n, dtype=rot.dtype) + 0.5) / n
        blend_r = slerp_matrices(rot[a : a + n], seg_r[:n], w[:, None].expand(n, rot.shape[1]))
        blend_t = trans[a : a + n] * (1 - w[:, None]) + seg_t[:n] * w[:, None]
        rot = torch.cat([rot[:a], blend_r, seg_r[n:]])
        trans = torch.cat([trans[:a], blend_t, seg_t[n:]])
    return rot[:frames], trans[:frames]


def activity(rotations: torch.Tensor) -> torch.Tensor:
    """How much each segment's limbs move: RMS frame-to-frame change of the non-root local
    rotation matrices (heading-free, any skeleton); (C, W, J, 3, 3) -> (C,)."""
    return (rotations[:, 1:, 1:] - rotations[:, :-1, 1:]).square().flatten(1).mean(-1).sqrt()


def jump_targets(active: torch.Tensor, rows: list[int], recent: list[int]) -> torch.Tensor:
    """Indices of the candidates a path may jump to: those at least as active as the
    candidates' median and not among the ``recent`` bank rows (all candidates if that
    leaves none). ``active`` (C,) from :func:`activity`; ``rows`` the candidates' bank rows."""
    fresh = torch.tensor([r not in recent for r in rows], dtype=torch.bool)
    for ok in (fresh & (active >= torch.quantile(active.float(), 0.5)), fresh):
        if bool(ok.any()):
            return ok.nonzero().flatten()
    return torch.arange(len(rows))


def best_match(previous: torch.Tensor, candidates: torch.Tensor, hop: int, overlap: int) -> int:
    """Index of the candidate segment whose first ``overlap`` frames best continue the
    previous segment's frames ``hop .. hop + overlap`` (mean squared difference of the
    non-root joints' local rotation matrices, which do not depend on heading), so a jump
    to another take blends two poses in the same phase rather than two opposite steps.

    previous (W, J, 3, 3); candidates (C, W, J, 3, 3).
    """
    target = previous[hop : hop + overlap, 1:]
    n = target.shape[0]
    err = (candidates[:, :n, 1:] - target[None]).square().flatten(1).mean(-1)
    return int(err.argmin())
