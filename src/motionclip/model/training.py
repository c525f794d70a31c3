"""Training entry point shared by the CLI and the Python API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

from motionclip.config import TrainRunConfig, to_dict
from motionclip.data.dataset import MotionDataModule
from motionclip.data.labels import class_prompt
from motionclip.errors import MotionCLIPError
from motionclip.model.checkpoint import save_checkpoint
from motionclip.model.ckpt_io import SafetensorsCheckpointIO
from motionclip.model.lightning import MotionCLIPModule
from motionclip.model.motionclip import MotionCLIP


def image_embeddings_path(data: str | Path, backend_name: str) -> Path:
    """Where ``motionclip data render-frames`` stores a dataset's image embeddings."""
    p = Path(data)
    return p.with_name(f"{p.stem}.images-{backend_name}.safetensors")


def load_image_embeddings(data: str | Path, backend_name: str, n_windows: int) -> torch.Tensor:
    from safetensors.torch import load_file

    path = image_embeddings_path(data, backend_name)
    if not path.exists():
        raise MotionCLIPError(
            f"image loss is on but {path} is missing: run `motionclip data render-frames {data} "
            f"--backend {backend_name}` first, or pass loss.image=0"
        )
    emb = load_file(str(path))["embeddings"]
    if emb.shape[0] != n_windows:
        raise MotionCLIPError(f"{path}: {emb.shape[0]} image embeddings for {n_windows} windows; re-render")
    return emb


def zero_shot_prompts(dm: MotionDataModule, backend: Any) -> tuple[dict[str, tuple[list[int], torch.Tensor]], dict[str, int]]:
    """Per dataset: the content classes it contains and their prompt embeddings."""
    t = dm.cache.tensors
    out: dict[str, tuple[list[int], torch.Tensor]] = {}
    ids = {name: i for i, name in enumerate(dm.cache.datasets)}
    for name, d in ids.items():
        classes = sorted({int(c) for c in t["take_content"][t["take_dataset"] == d]})
        prompts = [class_prompt(dm.cache.contents[c]) for c in classes]
        out[name] = (classes, backend.encode_text(prompts))
    return out, ids


def train(
    data: str | Path,
    run: TrainRunConfig,
    out_dir: str | Path,
    resume: str | Path | None = None,
    progress: bool = True,
    backend: Any = None,
    log: Any = print,
) -> dict[str, Any]:
    """Train MotionCLIP on a cached dataset; writes ``out_dir/model.safetensors``."""
    from motionclip.text import get_backend

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pl.seed_everything(run.train.seed, workers=True, verbose=False)
    if backend is None and run.text_table:
        from motionclip.text.table import TableBackend

        backend = TableBackend(run.text_table)
    backend = backend or get_backend(run.backend, model=run.clip_model)
    run.model.latent_dim = backend.dim
    use_image = backend.has_image and run.loss.image > 0
    if not backend.has_image and run.loss.image > 0:
        log(f"image loss off: backend {backend.name!r} has no image tower (text loss only)")
    dm = MotionDataModule(data, run.train.batch_size, run.train.num_workers, run.train.jitter)
    if use_image:
        dm.image_embeddings = load_image_embeddings(data, backend.name, len(dm.cache.tensors["window_take"]))
    text_embeddings = backend.encode_text(dm.cache.texts)
    zero_shot, dataset_ids = zero_shot_prompts(dm, backend)
    model = MotionCLIP(
        run.model, dm.cache.skeleton, dm.stats, backend.name, run.clip_model, dm.cache.fps, dm.cache.window
    )
    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")
    module = MotionCLIPModule(model, run, text_embeddings, zero_shot, dataset_ids, use_image)
    t = run.train
    checkpoints = ModelCheckpoint(
        dirpath=out / "checkpoints",
        filename="step{step:07d}",
        auto_insert_metric_name=False,
        every_n_train_steps=t.checkpoint_every,
        save_top_k=-1,
        save_last=True,
    )
    trainer = pl.Trainer(
        accelerator=t.accelerator,
        devices=t.devices,
        strategy=t.strategy,
        precision=t.precision,
        max_epochs=t.max_epochs,
        max_steps=t.max_steps,
        max_time={"minutes": t.max_minutes} if t.max_minutes > 0 else None,
        check_val_every_n_epoch=t.val_every_epochs,
        log_every_n_steps=t.log_every,
        callbacks=[checkpoints],
        logger=[CSVLogger(out, name="logs", version=""), TensorBoardLogger(out, name="tensorboard", version="")],
        plugins=[SafetensorsCheckpointIO()],
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    started = time.perf_counter()
    ckpt_path = None
    if resume is not None:
        ckpt_path = str(out / "checkpoints" / "last.ckpt") if str(resume) == "last" else str(resume)
        if not Path(ckpt_path).exists():
            raise MotionCLIPError(f"cannot resume: {ckpt_path} does not exist")
    trainer.fit(module, datamodule=dm, ckpt_path=ckpt_path)
    seconds = time.perf_counter() - started
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if torch.as_tensor(v).numel() == 1}
    summary = {
        "data": str(data),
        "windows": {s: int(len(dm.cache.window_indices(s))) for s in ("train", "val", "test")},
        "contents": dm.cache.contents,
        "styles": dm.cache.styles,
        "global_step": int(trainer.global_step),
        "epochs": int(trainer.current_epoch),
        "seconds": seconds,
        "metrics": metrics,
        "config": to_dict(run),
    }
    if trainer.is_global_zero:
        save_checkpoint(model, out / "model.safetensors", extra={"training": summary})
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
