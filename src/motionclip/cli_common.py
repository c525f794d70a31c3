"""Pieces every ``motionclip`` command module shares (kept import-light: typer only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from motionclip.model.autoencoder import MotionCLIP

CheckpointOpt = Annotated[
    Optional[Path], typer.Option("--checkpoint", "-c", help="Model checkpoint (.safetensors); default: shipped.")
]

BackendModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--backend-model",
        help="Text backend weights (CLIP directory or hub id) instead of the checkpoint's stored location.",
    ),
]


def err_console() -> Any:
    """A rich console on stderr (rich imported lazily)."""
    from rich.console import Console

    return Console(stderr=True)


def load_model(checkpoint: Path | None, backend_model: str | None = None) -> MotionCLIP:
    """The checkpoint given with --checkpoint, or the shipped one (--backend-model: where its
    text backend's weights are)."""
    import motionclip

    return motionclip.load(str(checkpoint) if checkpoint else None, backend_model=backend_model)
