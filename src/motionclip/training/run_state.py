"""A training run folder across stops and restarts.

Every way a run can stop (step limit, time budget, Ctrl+C, SIGTERM) leaves a resumable
``checkpoints/last.ckpt``; a ``kill -9`` leaves at most the temporaries of the write it
interrupted, which the next start removes; ``--resume last`` takes the newest complete
checkpoint (``last.ckpt`` can lag a step file when the kill fell between the two writes).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, Timer
from pytorch_lightning.utilities.exceptions import SIGTERMException

from motionclip.io_utils import remove_stale_temps

LAST = "last.ckpt"
RUN_FILES = ("model.safetensors", "summary.json")


def clean_stale_temps(out: Path) -> tuple[int, int]:
    """Remove temporaries of interrupted checkpoint/model writes; (files, bytes)."""
    files, size = remove_stale_temps(out / "checkpoints", lambda name: name.endswith(".ckpt"))
    more, more_size = remove_stale_temps(out, lambda name: name in RUN_FILES or name.startswith("model-step"))
    return files + more, size + more_size


def checkpoint_step(path: str | Path) -> int | None:
    """global_step of a training checkpoint from its JSON header (None if unreadable)."""
    from motionclip.training.ckpt_io import state_header

    try:
        return int(state_header(path)["__map__"]["global_step"])
    except Exception:  # noqa: BLE001 - unreadable files are reported by the real load
        return None


def newest_checkpoint(folder: Path) -> Path | None:
    """The complete checkpoint with the highest step (``last.ckpt`` on a tie)."""
    best: tuple[tuple[int, bool], Path] | None = None
    for p in folder.glob("*.ckpt") if folder.is_dir() else ():
        if p.name.startswith("."):
            continue
        step = checkpoint_step(p)
        if step is None:
            continue
        key = (step, p.name == LAST)
        if best is None or key > best[0]:
            best = (key, p)
    return best[1] if best else None


class SessionTimer(Timer):
    """Lightning's Timer, but the budget is per invocation: a resumed run gets its own
    ``max_minutes`` instead of inheriting the time already spent (and stopping at once)."""

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        return None


class StopCheckpoint(Callback):
    """Write ``last.ckpt`` whenever training ends, unless one for this step exists already.

    Ends: step or epoch limit, the time budget, a graceful Ctrl+C (see
    :func:`graceful_interrupt`) and SIGTERM (Lightning raises at a step boundary, so the
    state is consistent). A second Ctrl+C aborts mid-step: nothing is written then, the
    previous checkpoint stays the newest.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.reason = "finished"

    def _save(self, trainer: pl.Trainer) -> None:
        last = self.folder / LAST
        needed = trainer.global_step > 0 and checkpoint_step(last) != trainer.global_step
        # one decision for every process (rank 0's), or DDP ranks could wait on each other
        if trainer.strategy.broadcast(needed, src=0):
            trainer.save_checkpoint(last)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._save(trainer)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        if isinstance(exception, SIGTERMException):
            self.reason = "SIGTERM"
            self._save(trainer)


@contextlib.contextmanager
def graceful_interrupt(trainer: pl.Trainer, stop: StopCheckpoint, log: Callable[[str], Any]) -> Iterator[None]:
    """First Ctrl+C: finish the current step, write ``last.ckpt`` and the model, return.
    Second Ctrl+C: abort at once (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.reason == "Ctrl+C":
            raise KeyboardInterrupt
        stop.reason = "Ctrl+C"
        trainer.should_stop = True
        log("interrupted: stopping after this step and writing checkpoints/last.ckpt (Ctrl+C again aborts)")

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
