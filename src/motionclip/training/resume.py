"""Resuming a run: the checkpoint to continue from, checked before anything is written, and
the CSV log rows of the steps before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytorch_lightning.loggers import CSVLogger

from motionclip.errors import MotionCLIPError
from motionclip.model.autoencoder import MotionAutoencoder
from motionclip.training.ckpt_io import StateSummary, check_state
from motionclip.training.run_state import newest_checkpoint


class ResumableCSVLogger(CSVLogger):
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


def rows_before(metrics_csv: Path, step: int | None) -> tuple[list[str], list[dict[str, str]]] | None:
    """Header and rows of an earlier run's CSV log that precede ``step``."""
    import csv

    if step is None or not metrics_csv.is_file():
        return None
    with open(metrics_csv, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r.get("step", "").isdigit() and int(r["step"]) < step]
        header = list(reader.fieldnames or [])
    return (header, rows) if header and rows else None


def check_resume(resume: tuple[str, StateSummary], model: MotionAutoencoder) -> None:
    """The checkpoint to resume holds this model's tensors and one optimizer over its parameters
    (Lightning would find out inside ``trainer.fit``, after creating the logs)."""
    path, state = resume
    # the module keeps the model under ``model`` and no other persistent state
    own = {f"model.{k}": tuple(v.shape) for k, v in model.state_dict().items()}
    optional = {f"model.{k}" for k in model.OPTIONAL_TENSORS}  # older runs lack them (see on_load_checkpoint)
    missing = [k for k in own if k not in state.tensors and k not in optional]
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


def resume_state(out: Path, resume: str | Path) -> tuple[str, StateSummary]:
    """The checkpoint to resume and what it holds, checked before the run starts."""
    path = _resume_path(out, resume)
    return path, check_state(path)


def model_step(path: Path) -> int | None:
    """The training step a run folder's model was saved at (None: no readable model there)."""
    if not path.is_file():
        return None
    try:
        from motionclip.model.checkpoint import read_metadata

        step = read_metadata(path).get("training", {}).get("global_step")
    except (MotionCLIPError, AttributeError):
        return None
    return step if isinstance(step, int) else None
