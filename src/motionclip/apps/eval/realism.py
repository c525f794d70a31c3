"""Motion-realism statistics: do the limbs move like the data's?

MPJPE and FID can look fine while a decoder glides one still pose along the root path;
these figures look at limb motion directly, always beside the same figure on real data.
All are computed from world joint positions (N, T, J, 3) in metres, Y up, at ``fps``:

- limb speed: mean speed of the joints relative to the root (m/s);
- step amplitude (locomotion): per foot, the spread (RMS about its mean) of its horizontal
  position relative to the root, averaged over both feet (m) -- legs that never leave
  each other give ~0;
- foot skating: mean horizontal speed of a foot joint while it is in ground contact (its
  height within ``CONTACT_M`` of the lowest foot height of the window), m/s;
- jerk: mean norm of the third time-derivative of joint positions (m/s^3);
- ratios divide a set's mean by the real mean of the same content class, then average
  over the classes present, so a set dominated by one class is not judged by another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from motionclip.data.skeleton import Skeleton

CONTACT_M = 0.03
LOCOMOTION = ("walk", "run", "dash")
METRICS = ("limb_speed", "step_amplitude", "foot_skating", "jerk")


def foot_joints(skeleton: Skeleton) -> list[int]:
    """Ankle-level joints (names with foot/ankle), else toe joints; empty if none."""
    names = [n.lower() for n in skeleton.names]
    feet = [i for i, n in enumerate(names) if "foot" in n or "ankle" in n]
    return feet or [i for i, n in enumerate(names) if "toe" in n]


def window_stats(pos: torch.Tensor, fps: float, feet: Sequence[int]) -> dict[str, torch.Tensor]:
    """Per-window (N,) limb speed, step amplitude, foot skating and jerk of positions (N, T, J, 3)."""
    pos = pos.double()
    rel = pos - pos[..., :1, :]
    out: dict[str, torch.Tensor] = {}
    out["limb_speed"] = (rel[:, 1:, 1:] - rel[:, :-1, 1:]).norm(dim=-1).mean(dim=(1, 2)) * fps
    if pos.shape[1] >= 4:
        d3 = pos[:, 3:] - 3 * pos[:, 2:-1] + 3 * pos[:, 1:-2] - pos[:, :-3]
        out["jerk"] = d3.norm(dim=-1).mean(dim=(1, 2)) * fps**3
    else:
        out["jerk"] = torch.full((len(pos),), float("nan"), dtype=pos.dtype)
    if feet:
        f = list(feet)
        horiz = rel[..., f, :][..., [0, 2]]  # (N, T, F, 2)
        out["step_amplitude"] = (horiz - horiz.mean(1, keepdim=True)).square().sum(-1).mean(1).sqrt().mean(-1)
        height = pos[..., f, 1]
        contact = height <= height.amin(dim=(1, 2), keepdim=True) + CONTACT_M
        speed = (pos[:, 1:, f][..., [0, 2]] - pos[:, :-1, f][..., [0, 2]]).norm(dim=-1) * fps
        c = contact[:, 1:] & contact[:, :-1]
        out["foot_skating"] = (speed * c).sum(dim=(1, 2)) / c.sum(dim=(1, 2)).clamp_min(1)
    else:
        nan = torch.full((len(pos),), float("nan"), dtype=pos.dtype)
        out["step_amplitude"], out["foot_skating"] = nan, nan.clone()
    return {k: v.float() for k, v in out.items()}


def compare(
    stats: dict[str, torch.Tensor],
    content: torch.Tensor,
    real: dict[str, torch.Tensor],
    real_content: torch.Tensor,
    names: Sequence[str],
) -> dict[str, Any]:
    """Each metric of a set beside the real data's, overall and per content class.

    ``stats``/``real``: outputs of :func:`window_stats`; ``content``/``real_content``: the
    class of each window. Step amplitude is reported for locomotion classes only.
    """
    per: dict[str, Any] = {}
    ratios: dict[str, list[float]] = {k: [] for k in METRICS}
    for c in torch.unique(content).tolist():
        sel, rsel = content == c, real_content == c
        if not bool(rsel.any()):
            continue
        name = names[c]
        entry: dict[str, Any] = {"n": int(sel.sum()), "real_n": int(rsel.sum())}
        for key in METRICS:
            if key == "step_amplitude" and not any(word in name for word in LOCOMOTION):
                continue
            value, ref = float(stats[key][sel].nanmean()), float(real[key][rsel].nanmean())
            ratio = value / ref if ref > 0 else float("nan")
            entry[key] = {"value": value, "real": ref, "ratio": ratio}
            if ratio == ratio:
                ratios[key].append(ratio)
        per[name] = entry
    overall = {
        key: {
            "value": float(stats[key].nanmean()),
            "real": float(real[key][torch.isin(real_content, content)].nanmean()),
            "ratio_mean_over_contents": sum(v) / len(v) if v else None,
            "ratio_min_over_contents": min(v) if v else None,
        }
        for key, v in ratios.items()
    }
    locomotion = [n for n in per if any(w in n for w in LOCOMOTION)]
    return {
        "overall": overall,
        "per_content": per,
        "units": {"limb_speed": "m/s", "step_amplitude": "m", "foot_skating": "m/s", "jerk": "m/s^3"},
        "locomotion_contents": locomotion,
    }
