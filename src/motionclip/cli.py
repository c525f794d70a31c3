"""The ``motionclip`` command line (typer). Heavy imports happen inside commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from motionclip.cli_common import BackendModelOpt, CheckpointOpt, err_console, load_model

app = typer.Typer(
    help="MotionCLIP: text-to-motion, motion editing and zero-shot recognition.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Prepare and inspect datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

# --------------------------------------------------------------------------------- data
@data_app.command("prepare")
def data_prepare(
    root: Annotated[Path, typer.Option(help="Dataset folder (for amass: the AMASS root).")],
    out: Annotated[Path, typer.Option(help="Cache file to write (.safetensors).")],
    source: Annotated[str, typer.Option(help="Dataset kind: bandai-namco, bvh or amass.")] = "bandai-namco",
    labels: Annotated[
        Optional[str],
        typer.Option(help="bvh: labels file (CSV/JSONL; default ROOT/labels.csv). amass: babel or humanml3d."),
    ] = None,
    annotations: Annotated[
        Optional[Path], typer.Option(help="amass: the BABEL folder (train.json, val.json) or the HumanML3D folder.")
    ] = None,
    body_model: Annotated[
        Optional[Path], typer.Option(help="amass: SMPL-H model.npz, or a folder of {male,female,neutral}/model.npz (mano.is.tue.mpg.de).")
    ] = None,
    up: Annotated[str, typer.Option(help="bvh: up axis of the files: auto (detect), y or z.")] = "auto",
    joint_map: Annotated[
        Optional[Path], typer.Option(help="bvh: JSON/CSV renaming joints (source -> name used by most files).")
    ] = None,
    window: Annotated[int, typer.Option(help="Window length in frames.")] = 60,
    stride: Annotated[int, typer.Option(help="Window stride in frames.")] = 20,
    fps: Annotated[float, typer.Option(help="Target frame rate.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Split seed.")] = 0,
    workers: Annotated[Optional[int], typer.Option(help="Reader processes (default: cores).")] = None,
) -> None:
    """Cut every take into windows, label, describe and split them; write one cache file."""
    from rich.markup import escape

    from motionclip.config import DataConfig
    from motionclip.data.prepare import prepare_dataset
    from motionclip.data.sources import SourceOptions

    cfg = DataConfig(fps=fps, window=window, stride=stride, seed=seed)
    opts = SourceOptions(labels=labels, annotations=annotations, body_model=body_model, up=up, joint_map=joint_map)
    res = prepare_dataset(source, root, out, cfg, workers=workers, options=opts)
    con = err_console()
    for problem in res["problems"]:
        con.print(f"[yellow]skipped:[/yellow] {escape(problem)}", soft_wrap=True)
    for note in res.get("notes", []):
        con.print(f"[cyan]note:[/cyan] {escape(note)}", soft_wrap=True)
    w = res["windows"]
    con.print(
        f"wrote {res['out']}: {res['takes']} takes, windows train {w['train']} / val {w['val']} / "
        f"test {w['test']}; {res['skipped_short']} takes shorter than {window} frames skipped; "
        f"{res['seconds']:.1f} s"
    )
    if w["val"] == 0:
        con.print("[yellow]warning:[/yellow] no validation windows (too few takes); `train` will skip validation")
    if w["test"] == 0:
        con.print("[yellow]warning:[/yellow] no test windows (too few takes); evaluate with `eval run --split train`")


@data_app.command("info")
def data_info(
    file: Annotated[Path, typer.Argument(help="Cache file from `data prepare`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts per split, content and style, and total hours."""
    from rich.console import Console
    from rich.table import Table

    from motionclip.data.cache import MotionCache

    s = MotionCache.load(file).summary()
    if as_json:
        print(json.dumps(s, indent=2))
        return
    con = Console()
    con.print(f"[bold]{s['path']}[/bold]  {s['fps']:g} fps, {s['window']}-frame windows")
    con.print(f"total {s['hours_total']:.2f} h; {s['skipped_short']} short takes skipped; {s['problems']} files skipped")
    t = Table("split", "takes", "windows", "hours")
    for split in ("train", "val", "test"):
        t.add_row(split, str(s["takes"][split]), str(s["windows"][split]), f"{s['hours'][split]:.2f}")
    con.print(t)
    for key in ("dataset", "content", "style"):
        t = Table(key, "train", "val", "test")
        for name, counts in s[f"by_{key}"].items():
            t.add_row(name, *(str(counts[x]) for x in ("train", "val", "test")))
        con.print(t)


@data_app.command("render-frames")
def data_render_frames(
    file: Annotated[Path, typer.Argument(help="Cache file from `data prepare`.")],
    backend: Annotated[str, typer.Option(help="Embedding backend with an image tower.")] = "clip",
    clip_model: Annotated[
        Optional[str],
        typer.Option("--backend-model", "--clip-model", help="CLIP hub id or local directory (default: ViT-B/32)."),
    ] = None,
    size: Annotated[int, typer.Option(help="Rendered image size in pixels (square).")] = 224,
    seed: Annotated[int, typer.Option(help="Seed of the random frame per window.")] = 0,
    split: Annotated[str, typer.Option(help="all: every window; train: training windows only (others zero).")] = "all",
    batch_size: Annotated[int, typer.Option(help="Windows rendered and embedded per batch.")] = 64,
    workers: Annotated[int, typer.Option(help="Render processes.")] = 1,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Render one random frame per window and store its image embedding (the paper's image loss)."""
    from motionclip.apps.render_frames import render_frame_embeddings
    from motionclip.text import get_backend

    # no per-image disk cache: the output file is the cache of these embeddings
    emb_backend = get_backend(backend, model=clip_model, cache_dir=False)
    render_frame_embeddings(
        file,
        emb_backend,
        size=size,
        seed=seed,
        split=split,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        log=err_console().print,
    )


# -------------------------------------------------------------------------------- train
@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare`.")],
    out: Annotated[Path, typer.Option(help="Run folder (logs, checkpoints, model).")] = Path("runs/motionclip"),
    config: Annotated[Optional[Path], typer.Option(help="YAML config (see motionclip.config).")] = None,
    overrides: Annotated[Optional[list[str]], typer.Argument(help="key=value, e.g. train.lr=3e-4")] = None,
    preset: Annotated[
        Optional[str], typer.Option(help="Named settings applied first: shipped (the shipped model's recipe) or paper.")
    ] = None,
    resume: Annotated[Optional[str], typer.Option(help="Training checkpoint or 'last'.")] = None,
    devices: Annotated[Optional[int], typer.Option(help="Devices / processes.")] = None,
    strategy: Annotated[Optional[str], typer.Option(help="Lightning strategy, e.g. ddp.")] = None,
    accelerator: Annotated[Optional[str], typer.Option(help="cpu (default), gpu, auto.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    backend_model: Annotated[
        Optional[str], typer.Option("--backend-model", help="Text backend weights (CLIP directory or hub id); = clip_model=.")
    ] = None,
) -> None:
    """Train MotionCLIP on a prepared dataset (PyTorch Lightning)."""
    from motionclip.config import load_run_config
    from motionclip.model.training import train as run_training

    run = load_run_config(config, list(overrides or []), preset=preset)
    if devices is not None:
        if devices < 1:
            from motionclip.errors import MotionCLIPError

            raise MotionCLIPError(f"--devices must be >= 1, got {devices}")
        run.train.devices = devices
    if strategy is not None:
        run.train.strategy = strategy
    if accelerator is not None:
        run.train.accelerator = accelerator
    if backend_model is not None:
        run.clip_model = backend_model
    summary = run_training(data, run, out, resume=resume, progress=progress, log=err_console().print)
    err_console().print(
        f"done: {summary['global_step']} steps in {summary['seconds']:.0f} s; model at {out / 'model.safetensors'}"
    )
    err_console().print(json.dumps(summary["metrics"], indent=1))


# ----------------------------------------------------------------------------- generate
@app.command()
def generate(
    texts: Annotated[list[str], typer.Argument(help="One or more prompts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help=".bvh, .bvh.gz, .npz, .mp4, .gif or .png")] = Path(
        "motion.bvh"
    ),
    frames: Annotated[Optional[int], typer.Option(help="Frames to generate (default: 2 s).")] = None,
    seconds: Annotated[Optional[float], typer.Option(help="Duration in seconds (up to 60), instead of --frames.")] = None,
    grid: Annotated[bool, typer.Option(help="Render all prompts side by side in one video.")] = False,
    samples: Annotated[int, typer.Option(help="Different motions per prompt.")] = 1,
    seed: Annotated[int, typer.Option(help="Same seed, same motions.")] = 0,
    bank_weight: Annotated[
        Optional[float],
        typer.Option(help="0 = decode the text embedding itself (the paper); up to 1 = a training latent near it."),
    ] = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Text to motion."""
    from motionclip.apps.generate import duration_frames, generate_to_files, validate_prompts, validate_samples

    prompts = validate_prompts(texts)
    validate_samples(samples, seed)
    model = load_model(checkpoint, backend_model)
    frames = duration_frames(model, frames, seconds)
    paths = generate_to_files(
        model, prompts, out, frames=frames, grid=grid, samples=samples, seed=seed, bank_weight=bank_weight
    )
    for p in paths:
        print(p)


# ------------------------------------------------------------------------------- render
@app.command()
def render(
    files: Annotated[list[Path], typer.Argument(help="Motion files (.bvh, .bvh.gz, .npz).")],
    out: Annotated[Path, typer.Option("--out", "-o", help=".mp4, .gif or .png (key-frame strip)")],
    grid: Annotated[bool, typer.Option(help="Several motions side by side with captions.")] = False,
    captions: Annotated[Optional[list[str]], typer.Option("--caption", help="Caption per file.")] = None,
    size: Annotated[
        Optional[int], typer.Option(help="Square frame size in pixels per motion (default: 320).", min=8, max=2048)
    ] = None,
    up: Annotated[str, typer.Option(help="Up axis of BVH files: auto (detect Z-up, e.g. Blender), y or z.")] = "auto",
) -> None:
    """Render motion files as a shaded mannequin video, GIF or key-frame strip."""
    from motionclip.apps.outputs import write_outputs
    from motionclip.data.canonical import canonicalize
    from motionclip.data.io import read_motion_noted
    from motionclip.data.up_axis import check_up
    from motionclip.errors import MotionCLIPError

    if not str(out).lower().endswith((".mp4", ".gif", ".png")):
        raise MotionCLIPError(f"{out}: render writes .mp4, .gif or .png")
    check_up(up)
    motions = []
    for f in files:
        motion, note = read_motion_noted(f, up)
        if note:
            err_console().print(f"note: {f}: {note}", markup=False, soft_wrap=True)
        motions.append(canonicalize(motion, fps=None))
    caps = list(captions) if captions else [f.name.split(".")[0] for f in files]
    if len(caps) != len(files):
        raise MotionCLIPError(f"{len(caps)} captions for {len(files)} files")
    if grid and len({m.skeleton.names for m in motions}) > 1:
        raise MotionCLIPError("--grid needs motions on the same skeleton")
    shown = caps if (grid or captions) else None
    config = None
    if size is not None:
        from motionclip.render import RenderConfig

        config = RenderConfig(width=size, height=size)
    for p in write_outputs(motions, out, captions=shown, grid=grid, config=config):
        print(p)


from motionclip.apps.cli import register as register_apps  # noqa: E402
from motionclip.web.cli import register as register_web  # noqa: E402

register_web(app)
register_apps(app)


LATENCY_BOUND = {"generate", "interpolate", "edit", "classify", "render", "retrieve", "serve"}


def _set_threads(argv: list[str]) -> None:
    """Small single-motion work is fastest on one thread (no OpenMP barrier stalls on a busy
    machine); ``MOTIONCLIP_THREADS`` overrides."""
    import os

    wanted = os.environ.get("MOTIONCLIP_THREADS")
    if wanted is None and not (len(argv) > 1 and argv[1] in LATENCY_BOUND):
        return
    import torch

    torch.set_num_threads(max(1, int(wanted or 1)))


def main() -> None:
    """Console entry point: user errors print one line and exit 1, never a traceback."""
    from motionclip.errors import MotionCLIPError

    _set_threads(sys.argv)
    try:
        app()
    except MotionCLIPError as exc:
        from rich.markup import escape

        # escape: paths with [brackets] are not markup; soft_wrap: one line, however long
        err_console().print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
