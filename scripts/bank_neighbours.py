"""How much the bank windows nearest a text move, against their class.

Usage: python scripts/bank_neighbours.py CACHE CHECKPOINT "a person waves the left hand" wave-left-hand [K]

For the K training windows whose latents are nearest the text, and for every training
window of the class: real limb speed, and limb speed of their reconstruction (encode ->
decode). This is the measurement behind ``generation.active_quantile``.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

from motionclip.apps.eval.metrics import reconstruction
from motionclip.data.cache import MotionCache
from motionclip.generation import load_model
from motionclip.generation.text_to_motion import MotionCLIP


def limb_speeds(model: MotionCLIP, cache: MotionCache, windows: torch.Tensor) -> tuple[float, float]:
    """Mean (real, reconstructed) limb speed of the windows, m/s (as ``eval run`` measures it)."""
    limb = reconstruction(model, cache, windows)["realism"]["overall"]["limb_speed"]
    return limb["real"], limb["value"]


def main() -> None:
    data, checkpoint, text, content = sys.argv[1:5]
    k = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    cache = MotionCache.load(data)
    model = load_model(checkpoint).eval()
    from motionclip.text import get_backend

    model.set_backend(get_backend(model.config.backend, model=model.config.backend_model))
    train = cache.window_indices("train")
    if model.bank_size != len(train):
        sys.exit("the checkpoint's bank was not built from this cache's training windows")
    sims = model.bank_directions() @ F.normalize(model.text_latent(text).float(), dim=-1)[0]
    nearest = train[sims.topk(k).indices]
    in_class = train[cache.window_labels(train)["content"] == cache.contents.index(content)]
    for name, windows in ((f"{k} nearest the text", nearest), (f"all {len(in_class)} of {content}", in_class)):
        real, rec = limb_speeds(model, cache, windows)
        print(f"{name}: real {real:.3f} m/s, reconstructed {rec:.3f} m/s, ratio {rec / real:.2f}")


if __name__ == "__main__":
    main()
