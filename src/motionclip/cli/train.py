"""``motionclip train``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from motionclip.cli.common import DataOpt, PresetOpt, err_console


def train(
    data: DataOpt,
    out: Annotated[Path, typer.Option(help="Run folder (logs, checkpoints, model).")] = Path("runs/motionclip"),
    config: Annotated[
        Path | None, typer.Option(help="YAML config (sections of motionclip.training.config.TrainRunConfig).")
    ] = None,
    overrides: Annotated[list[str] | None, typer.Argument(help="key=value, e.g. train.lr=3e-4")] = None,
    preset: PresetOpt = "shipped",
    resume: Annotated[str | None, typer.Option(help="Training checkpoint or 'last'.")] = None,
    devices: Annotated[int | None, typer.Option(help="Devices / processes.")] = None,
    strategy: Annotated[str | None, typer.Option(help="Lightning strategy, e.g. ddp.")] = None,
    accelerator: Annotated[str | None, typer.Option(help="cpu (default), gpu, auto.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    backend_model: Annotated[
        str | None,
        typer.Option("--backend-model", help="Text backend weights (CLIP directory or hub id); = backend_model=."),
    ] = None,
) -> None:
    """Train MotionCLIP on a prepared dataset (PyTorch Lightning)."""
    from motionclip.training.config import load_run_config
    from motionclip.training.run import train as run_training

    run = load_run_config(config, list(overrides or []), preset=preset)
    if devices is not None:  # checked with the rest of the run config by train()
        run.train.devices = devices
    if strategy is not None:
        run.train.strategy = strategy
    if accelerator is not None:
        run.train.accelerator = accelerator
    if backend_model is not None:
        run.backend_model = backend_model
    summary = run_training(data, run, out, resume=resume, progress=progress, log=err_console().print)
    err_console().print(
        f"done: {summary['global_step']} steps in {summary['seconds']:.0f} s; model at {out / 'model.safetensors'}"
    )
    err_console().print(json.dumps(summary["metrics"], indent=1))
