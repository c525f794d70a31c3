"""``motionclip train``: one run from a dataset cache to ``model.safetensors``, resumable.

Every check that can fail (settings, data, backend, the checkpoint to resume) runs in
:func:`_prepare`, before the run folder is created, so a refused run leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import TensorBoardLogger
from pytorch_lightning.utilities.exceptions import MisconfigurationException

from motionclip.config import to_dict
from motionclip.data.dataset import MotionDataModule
from motionclip.errors import MotionCLIPError, one_line
from motionclip.generation.bank_build import build_bank
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.io_utils import atomic_write_text, check_output_path
from motionclip.model.checkpoint import save_checkpoint
from motionclip.model.config import ModelConfig, TransformerConfig
from motionclip.training.ckpt_io import SafetensorsCheckpointIO, StateSummary
from motionclip.training.config import TrainRunConfig, validate_run_config
from motionclip.training.image_targets import load_image_embeddings
from motionclip.training.lightning import MotionCLIPModule
from motionclip.training.precision import resolve_precision
from motionclip.training.resume import ResumableCSVLogger, check_resume, model_step, resume_state, rows_before
from motionclip.training.run_state import SessionTimer, StopCheckpoint, clean_stale_temps, graceful_interrupt
from motionclip.training.setup import (
    check_accelerator,
    check_max_frames,
    init_weights,
    loss_scales,
    run_backend,
    zero_shot_prompts,
)
from motionclip.training.summary import command_line, machine_kind, portable_summary, stored_descriptions


@dataclass
class _Run:
    """A checked run, ready to fit."""

    dm: MotionDataModule
    model: MotionCLIP
    module: MotionCLIPModule
    architecture: TransformerConfig
    trainer: pl.Trainer
    stop: StopCheckpoint
    resume_from: tuple[str, StateSummary] | None


def train(
    data: str | Path,
    run: TrainRunConfig,
    out_dir: str | Path,
    resume: str | Path | None = None,
    progress: bool = True,
    backend: Any = None,
    log: Any = print,
) -> dict[str, Any]:
    """Train MotionCLIP on a cached dataset; writes ``out_dir/model.safetensors`` and returns
    the run's summary (also ``summary.json`` and the checkpoint header)."""
    out = Path(out_dir)
    r = _prepare(data, run, out, resume, progress, backend, log)
    # the run folder is created only now, after every check that can fail on the settings
    out.mkdir(parents=True, exist_ok=True)
    files, size = clean_stale_temps(out)
    if files:
        log(f"removed {files} temporary file(s) ({size / 2**20:.1f} MiB) left by an interrupted run")
    ckpt_path = None if r.resume_from is None else r.resume_from[0]
    if r.resume_from is not None:
        log(f"resuming from {ckpt_path} (step {r.resume_from[1].step})")
    started = time.perf_counter()
    with graceful_interrupt(r.trainer, r.stop, log):
        r.trainer.fit(r.module, datamodule=r.dm, ckpt_path=ckpt_path)
    seconds = time.perf_counter() - started
    if r.stop.reason != "finished":
        log(f"stopped by {r.stop.reason} at step {r.trainer.global_step}; continue with --resume last")
    build_bank(r.model, r.dm.cache)
    summary = _summary(data, run, r, seconds)
    if r.trainer.is_global_zero:
        _save(out, r, summary, log)
    return summary


def _prepare(
    data: str | Path,
    run: TrainRunConfig,
    out: Path,
    resume: str | Path | None,
    progress: bool,
    backend: Any,
    log: Any,
) -> _Run:
    """Every check and every object of the run, before anything is written."""
    validate_run_config(run)
    check_accelerator(run.train)
    check_output_path(out / "model.safetensors")
    resume_from = resume_state(out, resume) if resume is not None else None
    pl.seed_everything(run.train.seed, workers=True, verbose=False)
    lengths = (run.train.window_min_frames, run.train.window_max_frames) if run.train.window_max_frames else None
    dm = MotionDataModule(data, run.train.batch_size, run.train.num_workers, run.train.jitter, window_frames=lengths)
    check_max_frames(run, dm.cache.window, data)
    if len(dm.cache.window_indices("train")) == 0:
        raise MotionCLIPError(f"{data}: the train split has no windows; nothing to train on")
    backend = backend or run_backend(run)
    # the latent lives in the backend's embedding space, so it has the backend's size
    architecture = dataclasses.replace(run.model, latent_dim=backend.dim)
    if backend.dim % run.model.num_heads:
        raise MotionCLIPError(
            f"model.num_heads={run.model.num_heads} must divide the latent size {backend.dim} "
            f"of backend {backend.name!r}"
        )
    use_image = backend.has_image and run.loss.image > 0
    if not backend.has_image and run.loss.image > 0:
        log(f"image loss off: backend {backend.name!r} has no image tower (text loss only)")
    if use_image:
        dm.image_embeddings = load_image_embeddings(
            data, backend.name, len(dm.cache.tensors["window_take"]), backend.dim
        )
    has_val = len(dm.cache.window_indices("val")) > 0
    if not has_val:
        log(f"warning: {data} has no validation windows; training without validation (no val/ metrics)")
    config = ModelConfig(
        architecture,
        backend=backend.name,
        backend_model=run.backend_model,
        fps=dm.cache.fps,
        window=dm.cache.window,
        trained_frames=max(dm.cache.window, run.train.window_max_frames),
        body=dm.cache.body,
    )
    model = MotionCLIP(config, dm.cache.skeleton, dm.stats)
    if run.train.init_from:
        init_weights(model, run.train.init_from)
        log(f"initialised weights from {run.train.init_from}")
    if resume_from is not None:
        check_resume(resume_from, model)
    text_embeddings = backend.encode_text(dm.cache.texts)
    zero_shot, dataset_ids = zero_shot_prompts(dm, backend)
    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")
    t = run.train
    precision, autocast_dtype, precision_note = resolve_precision(t.precision, t.accelerator)
    log(f"precision: {precision_note}")
    scales = loss_scales(model, dm) if run.loss.recipe == "normalised" else None
    module = MotionCLIPModule(
        model,
        run,
        text_embeddings,
        zero_shot,
        dataset_ids,
        use_image,
        loss_scales=scales,
        autocast_dtype=autocast_dtype,
    )
    keep_rows = None if resume_from is None else rows_before(out / "logs" / "metrics.csv", resume_from[1].step)
    stop = StopCheckpoint(out / "checkpoints")
    trainer = _trainer(run, out, precision, has_val, stop, keep_rows, progress)
    return _Run(dm, model, module, architecture, trainer, stop, resume_from)


def _trainer(
    run: TrainRunConfig,
    out: Path,
    precision: str,
    has_val: bool,
    stop: StopCheckpoint,
    keep_rows: tuple[list[str], list[dict[str, str]]] | None,
    progress: bool,
) -> pl.Trainer:
    """The Lightning trainer: checkpoints every ``checkpoint_every`` steps (safetensors, never
    pickle), CSV and TensorBoard logs that survive a resume, the stop file and session timer."""
    t = run.train
    callbacks: list[Any] = [stop]
    if t.max_minutes > 0:  # per invocation: a resumed run gets the whole budget again
        callbacks.append(SessionTimer(duration=datetime.timedelta(minutes=t.max_minutes)))
    checkpoints = ModelCheckpoint(
        dirpath=out / "checkpoints",
        filename="step{step:07d}",
        auto_insert_metric_name=False,
        every_n_train_steps=t.checkpoint_every,
        save_top_k=-1,
        save_last=True,
    )
    try:  # Lightning checks accelerator, devices and strategy together; it writes nothing yet
        return pl.Trainer(
            accelerator=t.accelerator,
            devices=t.devices,
            strategy=t.strategy,
            precision=precision,  # type: ignore[arg-type]  # one of Lightning's names (resolve_precision)
            max_epochs=t.max_epochs,
            max_steps=t.max_steps,
            check_val_every_n_epoch=t.val_every_epochs,
            limit_val_batches=None if has_val else 0,
            log_every_n_steps=t.log_every,
            callbacks=[checkpoints, *callbacks],
            logger=[
                ResumableCSVLogger(out, name="logs", version="", keep=keep_rows),
                TensorBoardLogger(out, name="tensorboard", version=""),
            ],
            plugins=[SafetensorsCheckpointIO()],
            enable_progress_bar=progress,
            enable_model_summary=False,
            num_sanity_val_steps=0,
        )
    except (MisconfigurationException, ValueError, ImportError, RuntimeError) as exc:
        raise MotionCLIPError(
            f"train.accelerator={t.accelerator}, train.devices={t.devices}, train.strategy={t.strategy}: "
            f"{one_line(exc)}"
        ) from None


def _summary(data: str | Path, run: TrainRunConfig, r: _Run, seconds: float) -> dict[str, Any]:
    """What the run records: data, splits, labels, steps, metrics, the config as trained, the
    command, code version and machine kind (portable: no machine paths)."""
    from motionclip._version import __version__

    trainer, cache = r.trainer, r.dm.cache
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if torch.as_tensor(v).numel() == 1}
    summary = {
        "data": str(data),
        "windows": {s: len(cache.window_indices(s)) for s in ("train", "val", "test")},
        "contents": cache.contents,
        "styles": cache.styles,
        **stored_descriptions(cache.meta),
        "global_step": int(trainer.global_step),
        "windows_seen": int(trainer.global_step) * run.train.batch_size * max(1, trainer.world_size),
        "stopped_by": r.stop.reason,
        "epochs": int(trainer.current_epoch),
        "seconds": seconds,
        "metrics": metrics,
        "config": to_dict(dataclasses.replace(run, model=r.architecture)),  # as trained
        "command": command_line(),
        "code_version": __version__,
        "machine": machine_kind(run.train.accelerator),
    }
    return portable_summary(summary)


def _save(out: Path, r: _Run, summary: dict[str, Any], log: Any) -> None:
    """``model.safetensors`` and ``summary.json``, unless the folder holds a model of a later
    step (a resume from an older checkpoint): then this run's files get their step in the name."""
    step = r.trainer.global_step
    model_path, summary_path = out / "model.safetensors", out / "summary.json"
    newer = model_step(model_path)
    if newer is not None and newer > step:
        model_path = out / f"model-step{step:07d}.safetensors"
        summary_path = out / f"summary-step{step:07d}.json"
        log(
            f"warning: {out / 'model.safetensors'} is from a later step ({newer}) and is kept; "
            f"this run's model (step {step}) is {model_path}"
        )
    summary["model"] = model_path.name
    save_checkpoint(r.model, model_path, extra={"training": summary})
    atomic_write_text(summary_path, json.dumps(summary, indent=2))
