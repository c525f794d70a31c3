"""Helpers shared by the model tests (importable thanks to conftest.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from motionclip.training.config import TrainRunConfig


def quick_run(steps: int = 2, **train_kw):
    """A 1-layer run config that trains in well under a second per step on CPU."""
    from synthetic import tiny_model_config

    run = TrainRunConfig()
    run.model = tiny_model_config()
    run.train.max_steps = steps
    run.train.batch_size = 8
    run.train.lr = 1e-3
    run.train.log_every = 1
    run.train.checkpoint_every = 1000
    for key, value in train_kw.items():
        setattr(run.train, key, value)
    return run


def read_metrics(run_dir: Path) -> list[dict[str, str]]:
    """Rows of the CSV logger's ``logs/metrics.csv``."""
    with open(Path(run_dir) / "logs" / "metrics.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def logged_values(run_dir: Path, key: str) -> list[float]:
    """Every non-empty value logged under ``key``."""
    return [float(r[key]) for r in read_metrics(run_dir) if r.get(key) not in (None, "")]


def random_windows(model, batch: int = 2, frames: int = 30, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Valid random 6D rotations (B, T, J, 6) and translations (B, T, 3) for ``model``'s skeleton."""
    import roma

    from motionclip.data.rotations import matrix_to_6d

    g = torch.Generator().manual_seed(seed)
    j = model.skeleton.num_joints
    rotvec = torch.randn(batch, frames, j, 3, generator=g) * 0.3
    trans = torch.randn(batch, frames, 3, generator=g) * 0.1
    return matrix_to_6d(roma.rotvec_to_rotmat(rotvec)), trans
