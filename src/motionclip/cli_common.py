"""Pieces every ``motionclip`` command module shares (kept import-light: typer only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from motionclip.model.motionclip import MotionCLIP

CheckpointOpt = Annotated[
    Optional[Path], typer.Option("--checkpoint", "-c", help="Model checkpoint (.safetensors); default: shipped.")
]


def err_console() -> Any:
    """A rich console on stderr (rich imported lazily)."""
    from rich.console import Console

    return Console(stderr=True)


def load_model(checkpoint: Path | None) -> MotionCLIP:
    """The checkpoint given with --checkpoint, or the shipped one."""
    import motionclip

    return motionclip.load(str(checkpoint) if checkpoint else None)
