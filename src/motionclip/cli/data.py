"""``motionclip data ...``: prepare, inspect and render-frames a dataset cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from motionclip.cli.common import JsonOpt, err_console

data_app = typer.Typer(help="Prepare and inspect datasets.", no_args_is_help=True)


@data_app.command("prepare")
def data_prepare(
    root: Annotated[Path, typer.Option(help="Dataset folder (for amass: the AMASS root).")],
    out: Annotated[Path, typer.Option(help="Cache file to write (.safetensors).")],
    source: Annotated[str, typer.Option(help="Dataset kind: bandai-namco, bvh or amass.")] = "bandai-namco",
    labels: Annotated[
        str | None,
        typer.Option(help="bvh: labels file (CSV/JSONL; default ROOT/labels.csv). amass: babel or humanml3d."),
    ] = None,
    annotations: Annotated[
        Path | None, typer.Option(help="amass: the BABEL folder (train.json, val.json) or the HumanML3D folder.")
    ] = None,
    body_model: Annotated[
        Path | None,
        typer.Option(
            help="amass: SMPL-H model.npz, or a folder of {male,female,neutral}/model.npz (mano.is.tue.mpg.de)."
        ),
    ] = None,
    up: Annotated[str, typer.Option(help="bvh: up axis of the files: auto (detect), y or z.")] = "auto",
    joint_map: Annotated[
        Path | None,
        typer.Option(
            help="bvh: JSON/CSV naming joints (source joint -> canonical name such as UpperArm_L); a joint_map.json "
            "in a sub-folder applies to the files below it."
        ),
    ] = None,
    units: Annotated[
        str, typer.Option(help="bvh: length unit of the files: auto (from body height), cm, m, mm, in, cmu, dm.")
    ] = "auto",
    body: Annotated[
        str,
        typer.Option(
            help="canonical-v1: any humanoid rig onto one body and rotation convention; rig: the files' own skeleton."
        ),
    ] = "canonical-v1",
    window: Annotated[int, typer.Option(help="Window length in frames.")] = 60,
    stride: Annotated[int, typer.Option(help="Window stride in frames.")] = 20,
    fps: Annotated[float, typer.Option(help="Target frame rate.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Split seed.")] = 0,
    workers: Annotated[int | None, typer.Option(help="Reader processes (default or 0: one per core, up to 8).")] = None,
) -> None:
    """Cut every take into windows, label, describe and split them; write one cache file."""
    from rich.markup import escape

    from motionclip.checks import check_int
    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset
    from motionclip.data.sources import SourceOptions

    if workers is not None:  # prepare_dataset reads None and 0 as one per core
        check_int(workers, "--workers", minimum=0, note=" (0 = one per core)")

    cfg = DataConfig(fps=fps, window=window, stride=stride, seed=seed, body=body)
    opts = SourceOptions(
        labels=labels, annotations=annotations, body_model=body_model, up=up, joint_map=joint_map, units=units
    )
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
    fit = res.get("body_fit")
    if fit:
        con.print(
            f"canonical body: landmarks within {fit['error_mm_mean']:.1f} mm on average (worst take "
            f"{fit['error_mm_max']:.1f} mm); head-to-ankle heights "
            f"{fit['height_m_min']:.2f}-{fit['height_m_max']:.2f} m"
        )
    if w["val"] == 0:
        con.print("[yellow]warning:[/yellow] no validation windows (too few takes); `train` will skip validation")
    if w["test"] == 0:
        con.print("[yellow]warning:[/yellow] no test windows (too few takes); evaluate with `eval run --split train`")


@data_app.command("info")
def data_info(
    file: Annotated[Path, typer.Argument(help="Cache file from `data prepare`.")],
    as_json: JsonOpt = False,
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
    con.print(
        f"total {s['hours_total']:.2f} h; {s['skipped_short']} short takes skipped; {s['problems']} files skipped"
    )
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
        str | None,
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
    from motionclip.checks import check_int
    from motionclip.text import get_backend

    check_int(workers, "--workers")  # 1 = render in this process
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
