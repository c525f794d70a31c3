"""Options and helpers every ``motionclip`` command shares (kept import-light: typer only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from motionclip.generation.text_to_motion import MotionCLIP

CheckpointOpt = Annotated[
    Path | None, typer.Option("--checkpoint", "-c", help="Model checkpoint (.safetensors); default: shipped.")
]

BackendModelOpt = Annotated[
    str | None,
    typer.Option(
        "--backend-model",
        help="Text backend weights (CLIP directory or hub id) instead of the checkpoint's stored location.",
    ),
]

OutOpt = Annotated[Path, typer.Option("--out", "-o", help=".bvh, .bvh.gz, .npz, .mp4, .gif or .png")]
FramesOpt = Annotated[int | None, typer.Option(help="Frames to decode (default: the model's window).")]
GridOpt = Annotated[bool, typer.Option(help="One side-by-side video instead of one file per motion.")]
ProgressOpt = Annotated[bool, typer.Option(help="Show progress bars.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DataOpt = Annotated[Path, typer.Option(help="Cache file from `data prepare`.")]
JointMapOpt = Annotated[
    Path | None,
    typer.Option(
        help="JSON/CSV naming joints of the motion that no rule finds (source joint -> canonical name such as "
        "UpperArm_L); the others are found by name and structure."
    ),
]
UpOpt = Annotated[str, typer.Option(help="Up axis of BVH inputs: auto (detect Z-up, e.g. Blender), y or z.")]
UnitsOpt = Annotated[
    str, typer.Option(help="Length unit of BVH inputs: auto (from body height), cm, m, mm, in, cmu, dm.")
]
RigOpt = Annotated[
    Path | None,
    typer.Option(
        help="A BVH of your character: motion files are written on its skeleton (names, bone lengths, channel "
        "order, units, up axis)."
    ),
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        help="Named settings applied first: shipped (the shipped model's recipe; train's default), paper, or none "
        "(the plain defaults)."
    ),
]
ActiveQuantileOpt = Annotated[
    float | None,
    typer.Option(
        help="Generation draw: keep the nearest training windows whose decoded limb activity is at least this"
        " quantile of theirs (0 = any of them, the earlier draw; default: the checkpoint's).",
    ),
]
OverridesArg = Annotated[list[str] | None, typer.Argument(help="Training overrides key=value, e.g. model.num_layers=4")]


def err_console() -> Any:
    """A rich console on stderr (rich imported lazily)."""
    from rich.console import Console

    return Console(stderr=True)


def load_model(checkpoint: Path | None, backend_model: str | None = None) -> MotionCLIP:
    """The checkpoint given with --checkpoint, or the shipped one (--backend-model: where its
    text backend's weights are). Commands call it as ``common.load_model`` (one place to stub)."""
    import motionclip

    return motionclip.load(str(checkpoint) if checkpoint else None, backend_model=backend_model)


def check_active_quantile(value: float | None) -> None:
    """Range of --active-quantile, checked before the model loads."""
    if value is not None:
        from motionclip.model.config import check_active_quantile

        check_active_quantile(value, "--active-quantile")


def set_active_quantile(model: MotionCLIP, value: float | None) -> None:
    """Use --active-quantile instead of the checkpoint's draw (for this process only)."""
    if value is not None:
        model.generation.active_quantile = float(value)


def print_paths(paths: list[Path]) -> None:
    for p in paths:
        print(p)
