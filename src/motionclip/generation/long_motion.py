"""Motions longer than the trained window: overlapping 2-s segments blended together.

Each path starts at a bank window drawn near the text and follows its take onward (the window
``hop`` frames later) while the take lasts; where it ends, the path jumps to the candidate
window (near the text, or later in those takes) whose first frames best match the last
segment's overlap, never to one of its last :data:`RECENT_SEGMENTS` windows and preferring
windows that move (:mod:`.segments`). Without a bank every segment decodes the text itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from motionclip.data.motion import Motion
from motionclip.generation import segments
from motionclip.generation.latent_bank import slerp

if TYPE_CHECKING:
    from motionclip.generation.request import GenerateRequest
    from motionclip.generation.text_to_motion import MotionCLIP

RECENT_SEGMENTS = 3  # a long path never jumps back to one of its last 3 segments (no loops)


@torch.no_grad()
def generate_long(model: MotionCLIP, request: GenerateRequest, frames: int, weight: float) -> list[Motion]:
    """``request.samples`` motions of ``frames`` frames per prompt, prompt-major."""
    n_seg, hop, overlap = segments.plan(frames, model.window)
    texts = model.text_latent(list(request.prompts)).float()
    if weight > 0:
        paths = _bank_paths(model, texts, request, n_seg, hop, overlap, weight)
    else:
        decoded = model.decode(texts.repeat_interleave(request.samples, dim=0), model.window)
        paths = [[m] * n_seg for m in decoded]
    out = []
    for seg in paths:
        rot, trans = segments.stitch(
            [m.rotations for m in seg], [m.root_translation for m in seg], hop, overlap, frames
        )
        out.append(Motion(model.skeleton, rot, trans, model.fps))
    return out


def _bank_paths(
    model: MotionCLIP,
    texts: torch.Tensor,
    request: GenerateRequest,
    n_seg: int,
    hop: int,
    overlap: int,
    weight: float,
) -> list[list[Motion]]:
    """Per prompt and sample, the decoded window of each segment along its path through the bank."""
    bank = model.bank_directions()
    top_k = model.generation.top_k
    firsts = model.neighbours(texts, request.samples, request.seed)
    take, start = model.bank_take.cpu().tolist(), model.bank_start.cpu().tolist()
    where = {(t, s): i for i, (t, s) in enumerate(zip(take, start))}
    paths: list[list[Motion]] = []
    for i in range(len(texts)):
        near = (texts[i] @ bank.T).topk(min(top_k, model.bank_size)).indices.tolist()
        later = [where.get((take[r], start[r] + d)) for r in near for d in (20, 40)]
        candidates = list(dict.fromkeys(near + [r for r in later if r is not None]))

        def latent(rows: list[int], i: int = i) -> torch.Tensor:
            return slerp(texts[i : i + 1].expand(len(rows), -1), bank[rows], weight) * model.latent_norm

        options = model.decode(latent(candidates), model.window)  # the same for every jump
        option_rot = torch.stack([m.rotations for m in options])
        active = segments.activity(option_rot)
        for k in range(request.samples):
            row = int(firsts[i, k])
            segs = model.decode(latent([row]), model.window)
            used = [row]
            for _ in range(n_seg - 1):
                nxt = where.get((take[row], start[row] + hop))
                if nxt is not None:
                    row = nxt
                    segs += model.decode(latent([row]), model.window)
                else:
                    allowed = segments.jump_targets(active, candidates, used[-RECENT_SEGMENTS:])
                    j = int(allowed[segments.best_match(segs[-1].rotations, option_rot[allowed], hop, overlap)])
                    row = candidates[j]
                    segs.append(options[j])
                used.append(row)
            paths.append(segs)
    return paths
