"""Training entry point shared by the CLI and the Python API."""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from pathlib import Path, PureWindowsPath
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from pytorch_lightning.utilities.exceptions import MisconfigurationException

from motionclip.config import to_dict
from motionclip.data.dataset import MotionDataModule
from motionclip.data.labels import class_prompt
from motionclip.errors import MotionCLIPError, one_line
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.io_utils import atomic_write_text, check_output_path
from motionclip.model.checkpoint import save_checkpoint
from motionclip.model.config import ModelConfig
from motionclip.training.ckpt_io import SafetensorsCheckpointIO, StateSummary, check_state
from motionclip.training.config import TrainConfig, TrainRunConfig, validate_run_config
from motionclip.training.image_targets import load_image_embeddings
from motionclip.training.lightning import MotionCLIPModule
from motionclip.training.losses import LossScales
from motionclip.training.precision import resolve_precision
from motionclip.training.run_state import (
    SessionTimer,
    StopCheckpoint,
    clean_stale_temps,
    graceful_interrupt,
    newest_checkpoint,
)


class _ResumableCSVLogger(CSVLogger):
    """A CSVLogger that keeps the rows of the run it resumes.

    Lightning's writer deletes an existing ``metrics.csv`` when it starts, which would wipe
    the history of a resumed run; we put the rows logged before the resume step back.
    """

    def __init__(self, *args: Any, keep: tuple[list[str], list[dict[str, str]]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep = keep

    @property
    def experiment(self) -> Any:
        exp = super().experiment
        if self._keep is not None and hasattr(exp, "metrics_file_path"):
            import csv

            header, rows = self._keep
            self._keep = None
            with open(exp.metrics_file_path, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=header)
                writer.writeheader()
                writer.writerows(rows)
            exp.metrics_keys = sorted(set(exp.metrics_keys) | set(header))
        return exp


def _rows_before(metrics_csv: Path, step: int | None) -> tuple[list[str], list[dict[str, str]]] | None:
    """Header and rows of an earlier run's CSV log that precede ``step``."""
    import csv

    if step is None or not metrics_csv.is_file():
        return None
    with open(metrics_csv, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r.get("step", "").isdigit() and int(r["step"]) < step]
        header = list(reader.fieldnames or [])
    return (header, rows) if header and rows else None


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
def loss_scales(model: MotionCLIP, dm: MotionDataModule, max_windows: int = 2048) -> LossScales:
    """Normalisers of the "normalised" loss recipe, from a seeded subset of train windows."""
    idx = dm.cache.window_indices("train")
    if len(idx) > max_windows:
        idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(0))[:max_windows]]
    rot, trans = dm.cache.windows(idx)
    offsets = dm.cache.tensors["take_offsets"][dm.cache.tensors["window_take"][idx]]
    return LossScales.from_data(model.positions(rot, trans, offsets))


@torch.no_grad()
def train_latents(model: MotionCLIP, dm: MotionDataModule, size: int = 256) -> torch.Tensor:
    """(N, D) latents of every training window (stored starts), for the latent bank."""
    idx = dm.cache.window_indices("train")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(idx), size):
        rot, trans = dm.cache.windows(idx[start : start + size])
        out.append(model.encode(rot.to(device), trans.to(device)).float().cpu())
    model.train(was_training)
    return torch.cat(out)


def train(
    data: str | Path,
    run: TrainRunConfig,
    out_dir: str | Path,
    resume: str | Path | None = None,
    progress: bool = True,
    backend: Any = None,
    log: Any = print,
) -> dict[str, Any]:
    """Train MotionCLIP on a cached dataset; writes ``out_dir/model.safetensors``.

    Every check that can fail on the settings, the data or the checkpoint to resume runs before
    the run folder (logs, checkpoints) is created, so a refused run leaves nothing behind."""
    from motionclip.text import get_backend

    validate_run_config(run)  # before anything is written
    check_accelerator(run.train)
    out = Path(out_dir)
    check_output_path(out / "model.safetensors")
    resume_from = _resume_state(out, resume) if resume is not None else None
    pl.seed_everything(run.train.seed, workers=True, verbose=False)
    clips = (run.train.clip_min_frames, run.train.clip_max_frames) if run.train.clip_max_frames else None
    dm = MotionDataModule(data, run.train.batch_size, run.train.num_workers, run.train.jitter, clip_frames=clips)
    check_max_frames(run, dm.cache.window, data)
    if len(dm.cache.window_indices("train")) == 0:
        raise MotionCLIPError(f"{data}: the train split has no windows; nothing to train on")
    if backend is None and run.text_table:
        from motionclip.text.table import TableBackend

        backend = TableBackend(run.text_table)
    backend = backend or get_backend(run.backend, model=run.backend_model)
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
        trained_frames=max(dm.cache.window, run.train.clip_max_frames),
        body=dm.cache.body,
    )
    model = MotionCLIP(config, dm.cache.skeleton, dm.stats)
    if run.train.init_from:
        _init_weights(model, run.train.init_from)
        log(f"initialised weights from {run.train.init_from}")
    if resume_from is not None:
        _check_resume(resume_from, model)
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
    ckpt_path = None if resume_from is None else resume_from[0]
    keep_rows = None
    if resume_from is not None:
        keep_rows = _rows_before(out / "logs" / "metrics.csv", resume_from[1].step)
    stop = StopCheckpoint(out / "checkpoints")
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
        trainer = pl.Trainer(
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
                _ResumableCSVLogger(out, name="logs", version="", keep=keep_rows),
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
    # the run folder is created only now, after every check that can fail on the settings
    out.mkdir(parents=True, exist_ok=True)
    files, size = clean_stale_temps(out)
    if files:
        log(f"removed {files} temporary file(s) ({size / 2**20:.1f} MiB) left by an interrupted run")
    if resume_from is not None:
        log(f"resuming from {ckpt_path} (step {resume_from[1].step})")
    started = time.perf_counter()
    with graceful_interrupt(trainer, stop, log):
        trainer.fit(module, datamodule=dm, ckpt_path=ckpt_path)
    seconds = time.perf_counter() - started
    if stop.reason != "finished":
        log(f"stopped by {stop.reason} at step {trainer.global_step}; continue with --resume last")
    latents = train_latents(model, dm)
    model.config.latent_norm = float(latents.norm(dim=-1).mean())  # measured on the trained encoder
    train_idx = dm.cache.window_indices("train")
    model.set_latent_bank(
        latents, dm.cache.tensors["window_take"][train_idx], dm.cache.tensors["window_start"][train_idx]
    )
    model.measure_bank_activity()
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if torch.as_tensor(v).numel() == 1}
    summary = {
        "data": str(data),
        "windows": {s: len(dm.cache.window_indices(s)) for s in ("train", "val", "test")},
        "contents": dm.cache.contents,
        "styles": dm.cache.styles,
        **_descriptions(dm.cache.meta),
        "global_step": int(trainer.global_step),
        "stopped_by": stop.reason,
        "epochs": int(trainer.current_epoch),
        "seconds": seconds,
        "metrics": metrics,
        "config": to_dict(dataclasses.replace(run, model=architecture)),  # as trained
    }
    summary = portable_summary(summary)  # no machine paths in the model's header or summary.json
    if trainer.is_global_zero:
        model_path, summary_path = out / "model.safetensors", out / "summary.json"
        newer = _model_step(model_path)
        if newer is not None and newer > trainer.global_step:  # e.g. resumed from an older checkpoint
            model_path = out / f"model-step{trainer.global_step:07d}.safetensors"
            summary_path = out / f"summary-step{trainer.global_step:07d}.json"
            log(
                f"warning: {out / 'model.safetensors'} is from a later step ({newer}) and is kept; "
                f"this run's model (step {trainer.global_step}) is {model_path}"
            )
        summary["model"] = model_path.name
        save_checkpoint(model, model_path, extra={"training": summary})
        atomic_write_text(summary_path, json.dumps(summary, indent=2))
    return summary


MAX_STORED_DESCRIPTIONS = 20_000
"""Training texts kept in the checkpoint's header (for ``apps.vocabulary``'s far-from-training
note); free-text datasets with more (HumanML3D) fall back to their labels."""


def _descriptions(meta: dict[str, Any]) -> dict[str, Any]:
    """``{"descriptions": {pair: [texts]}}`` when the cache's texts are few enough to store."""
    stored = meta.get("descriptions")
    if not isinstance(stored, dict):
        return {}
    total = sum(len(v) for v in stored.values() if isinstance(v, list))
    return {"descriptions": stored} if total <= MAX_STORED_DESCRIPTIONS else {}


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
    longest = max(window, run.train.clip_max_frames)
    if run.model.max_frames < longest:
        raise MotionCLIPError(
            f"model.max_frames={run.model.max_frames} is shorter than the {longest}-frame training windows "
            f"of {data}; use model.max_frames >= {longest}"
        )


def _init_weights(model: MotionCLIP, init_from: str) -> None:
    """Fine-tuning: the weights of another model checkpoint. Its latent bank is left out (the
    bank describes its own latents, and this run stores a new one), and so are its
    normalisation statistics and skeleton offsets: they describe its own training data,
    which may differ (another dataset, or the canonical body instead of the files' rig)."""
    from motionclip.generation import load_model

    start = load_model(init_from)
    if start.latent_dim != model.latent_dim or not start.skeleton.same_topology(model.skeleton):
        raise MotionCLIPError(f"{init_from}: latent size or skeleton differs from this run")
    data_tensors = ("rot_mean", "rot_std", "trans_mean", "trans_std", "offsets")
    weights = {k: v for k, v in start.state_dict().items() if not k.startswith("bank_") and k not in data_tensors}
    own = model.state_dict()
    missing = [k for k in own if k not in weights and not k.startswith("bank_") and k not in data_tensors]
    unexpected = [k for k in weights if k not in own]
    if missing or unexpected:
        raise MotionCLIPError(f"{init_from}: weights do not match this model ({(missing + unexpected)[0]})")
    for k, v in weights.items():
        if v.shape != own[k].shape:
            raise MotionCLIPError(
                f"{init_from}: tensor {k!r} has shape {tuple(v.shape)}, this model needs {tuple(own[k].shape)}"
            )
    model.load_state_dict(weights, strict=False)


def _check_resume(resume: tuple[str, StateSummary], model: MotionCLIP) -> None:
    """The checkpoint to resume holds this model's tensors and one optimizer over its parameters
    (Lightning would find out inside ``trainer.fit``, after creating the logs)."""
    path, state = resume
    # the module keeps the model under ``model`` and no other persistent state
    own = {f"model.{k}": tuple(v.shape) for k, v in model.state_dict().items()}
    bank = {k for k in own if k.startswith("model.bank_")}  # older runs lack them (see on_load_checkpoint)
    missing = [k for k in own if k not in state.tensors and k not in bank]
    unexpected = [k for k in state.tensors if k not in own]
    shapes = [k for k in own if k in state.tensors and state.tensors[k] != own[k]]
    what = None
    if missing:
        what = f"it lacks tensor {missing[0]!r}"
    elif unexpected:
        what = f"it has tensor {unexpected[0]!r}, which this model does not"
    elif shapes:
        k = shapes[0]
        what = f"tensor {k!r} has shape {state.tensors[k]}, this model needs {own[k]}"
    else:
        trainable = sum(1 for p in model.parameters() if p.requires_grad)
        if state.optimizer_params != [trainable]:
            what = f"its optimizer state covers {state.optimizer_params} parameters, this model trains {trainable}"
    if what is not None:
        raise MotionCLIPError(f"cannot resume from {path}: it is not a checkpoint of this model and settings ({what})")


def _file_name(value: Any) -> Any:
    """A path (POSIX or Windows) as its last part alone; anything that is not a path unchanged."""
    if not isinstance(value, str) or not value:
        return value
    return PureWindowsPath(value).name if "\\" in value else Path(value).name


def _backend_name(value: Any) -> Any:
    """A local backend folder as its name; a hub id ("org/name") unchanged."""
    if not isinstance(value, str) or not value:
        return value
    p = Path(value).expanduser()
    if p.is_absolute() or value.startswith((".", "~")) or "\\" in value or value.count("/") > 1 or p.exists():
        return _file_name(value)
    return value


def portable_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The training summary as the model's header and ``summary.json`` store it: the data, model,
    start checkpoint, embedding table and local backend folder by name only, so that a shared
    checkpoint never carries the folders of the machine that trained it."""
    out: dict[str, Any] = json.loads(json.dumps(summary))
    config: dict[str, Any] = out["config"] if isinstance(out.get("config"), dict) else {}
    train_cfg: dict[str, Any] = config["train"] if isinstance(config.get("train"), dict) else {}
    for where, key, name in (
        (out, "data", _file_name),
        (out, "model", _file_name),
        (config, "backend_model", _backend_name),
        (config, "text_table", _file_name),
        (train_cfg, "init_from", _file_name),
    ):
        if key in where:
            where[key] = name(where[key])
    return out


def _resume_path(out: Path, resume: str | Path) -> str:
    """The checkpoint to resume: for 'last', the newest complete one in the run folder."""
    if str(resume) == "last":
        newest = newest_checkpoint(out / "checkpoints")
        if newest is None:
            raise MotionCLIPError(f"cannot resume: no complete checkpoint in {out / 'checkpoints'}")
        return str(newest)
    if not Path(resume).exists():
        raise MotionCLIPError(f"cannot resume: {resume} does not exist")
    if not Path(resume).is_file():
        raise MotionCLIPError(f"cannot resume: {resume} is not a file (give a .ckpt file or 'last')")
    return str(resume)


def _resume_state(out: Path, resume: str | Path) -> tuple[str, StateSummary]:
    """The checkpoint to resume and what it holds, checked before the run starts."""
    path = _resume_path(out, resume)
    return path, check_state(path)


def _model_step(path: Path) -> int | None:
    """The training step a run folder's model was saved at (None: no readable model there)."""
    if not path.is_file():
        return None
    try:
        from motionclip.model.checkpoint import read_metadata

        step = read_metadata(path).get("training", {}).get("global_step")
    except (MotionCLIPError, AttributeError):
        return None
    return step if isinstance(step, int) else None
