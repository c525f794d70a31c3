"""Building a trained model's latent bank: every training window's latent, with its take,
start frame and limb activity (what :class:`~motionclip.generation.MotionCLIP` draws from)."""

from __future__ import annotations

import torch

from motionclip.data.cache import MotionCache
from motionclip.generation.text_to_motion import MotionCLIP


@torch.no_grad()
def train_latents(model: MotionCLIP, cache: MotionCache, size: int = 256) -> torch.Tensor:
    """(N, D) latents of every training window (stored starts), for the latent bank."""
    idx = cache.window_indices("train")
    device = next(model.parameters()).device
    out = []
    with model.evaluating():
        for start in range(0, len(idx), size):
            rot, trans = cache.windows(idx[start : start + size])
            out.append(model.encode(rot.to(device), trans.to(device)).float().cpu())
    return torch.cat(out)


def build_bank(model: MotionCLIP, cache: MotionCache) -> None:
    """Measure the latent norm texts decode at and store the bank of training latents."""
    latents = train_latents(model, cache)
    model.config.latent_norm = float(latents.norm(dim=-1).mean())  # measured on the trained encoder
    idx = cache.window_indices("train")
    model.set_latent_bank(latents, cache.tensors["window_take"][idx], cache.tensors["window_start"][idx])
    model.measure_bank_activity()
