"""What a run needs before its first step, checked before the run folder is created: the
embedding backend, the accelerator, the positional table, the starting weights, the zero-shot
prompts and the loss normalisers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from motionclip.data.dataset import MotionDataModule
from motionclip.data.labels import class_prompt
from motionclip.errors import MotionCLIPError
from motionclip.model.autoencoder import MotionAutoencoder
from motionclip.training.config import TrainConfig, TrainRunConfig
from motionclip.training.losses import LossScales


def run_backend(run: TrainRunConfig) -> Any:
    """The embedding backend a run names: its precomputed text table, else ``run.backend``."""
    if run.text_table:
        from motionclip.text.table import TableBackend

        return TableBackend(run.text_table)
    from motionclip.text import get_backend

    return get_backend(run.backend, model=run.backend_model)


def zero_shot_prompts(
    dm: MotionDataModule, backend: Any
) -> tuple[dict[str, tuple[list[int], torch.Tensor]], dict[str, int]]:
    """Per dataset: the content classes it contains and their prompt embeddings."""
    out: dict[str, tuple[list[int], torch.Tensor]] = {}
    ids = {name: i for i, name in enumerate(dm.cache.datasets)}
    classes_of = dm.cache.classes_by_dataset("content")
    for name, d in ids.items():
        classes = classes_of[d]
        prompts = [class_prompt(dm.cache.contents[c]) for c in classes]
        out[name] = (classes, backend.encode_text(prompts))
    return out, ids


@torch.no_grad()
def loss_scales(model: MotionAutoencoder, dm: MotionDataModule, max_windows: int = 2048) -> LossScales:
    """Normalisers of the "normalised" loss recipe, from a seeded subset of train windows."""
    idx = dm.cache.window_indices("train")
    if len(idx) > max_windows:
        idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(0))[:max_windows]]
    rot, trans = dm.cache.windows(idx)
    offsets = dm.cache.tensors["take_offsets"][dm.cache.tensors["window_take"][idx]]
    return LossScales.from_data(model.positions(rot, trans, offsets))


def check_accelerator(t: TrainConfig) -> None:
    """``train.accelerator`` names one Lightning knows and this machine has (``train.devices``
    GPUs at most): checked before any work, instead of an import error deep inside Lightning."""
    from pytorch_lightning.accelerators import AcceleratorRegistry

    name = str(t.accelerator).strip().lower()
    known = sorted(AcceleratorRegistry.available_accelerators())
    here = [n for n in known if AcceleratorRegistry[n]["accelerator"].is_available()]
    if name == "auto":
        return
    if name not in (*known, "gpu"):
        raise MotionCLIPError(f"train.accelerator must be one of auto, gpu, {', '.join(known)}; got {t.accelerator!r}")
    if name not in here and not (name == "gpu" and {"cuda", "mps"} & set(here)):
        raise MotionCLIPError(
            f"train.accelerator={t.accelerator} is not available on this machine (available: auto, {', '.join(here)})"
        )
    if name in ("gpu", "cuda") and "cuda" in here and t.devices > torch.cuda.device_count():
        raise MotionCLIPError(f"train.devices={t.devices}, but this machine has {torch.cuda.device_count()} GPU(s)")


def check_max_frames(run: TrainRunConfig, window: int, data: str | Path) -> None:
    """The positional table covers the longest training clip (else the first step fails)."""
    longest = max(window, run.train.window_max_frames)
    if run.model.max_frames < longest:
        raise MotionCLIPError(
            f"model.max_frames={run.model.max_frames} is shorter than the {longest}-frame training windows "
            f"of {data}; use model.max_frames >= {longest}"
        )


def init_weights(model: MotionAutoencoder, init_from: str) -> None:
    """Fine-tuning: the weights of another model checkpoint. Its latent bank is left out (the
    bank describes its own latents, and this run stores a new one), and so are its
    normalisation statistics and skeleton offsets: they describe its own training data,
    which may differ (another dataset, or the canonical body instead of the files' rig)."""
    from motionclip.generation import load_model

    start = load_model(init_from)
    if start.latent_dim != model.latent_dim or not start.skeleton.same_topology(model.skeleton):
        raise MotionCLIPError(f"{init_from}: latent size or skeleton differs from this run")
    skip = {"rot_mean", "rot_std", "trans_mean", "trans_std", "offsets", *model.OPTIONAL_TENSORS}
    weights = {k: v for k, v in start.state_dict().items() if k not in skip}
    own = model.state_dict()
    missing = [k for k in own if k not in weights and k not in skip]
    unexpected = [k for k in weights if k not in own]
    if missing or unexpected:
        raise MotionCLIPError(f"{init_from}: weights do not match this model ({(missing + unexpected)[0]})")
    for k, v in weights.items():
        if v.shape != own[k].shape:
            raise MotionCLIPError(
                f"{init_from}: tensor {k!r} has shape {tuple(v.shape)}, this model needs {tuple(own[k].shape)}"
            )
    model.load_state_dict(weights, strict=False)
