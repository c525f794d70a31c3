"""The application commands: generate, render, interpolate, edit, classify and retrieve.

Thin: each parses its options, runs the cheap checks of :mod:`motionclip.apps` before a model is
loaded (so mistakes fail fast), calls the application and prints. Heavy imports happen inside.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from motionclip.cli import common
from motionclip.cli.common import (
    ActiveQuantileOpt,
    BackendModelOpt,
    CheckpointOpt,
    DataOpt,
    FramesOpt,
    GridOpt,
    JointMapOpt,
    JsonOpt,
    OutOpt,
    RigOpt,
    UnitsOpt,
    UpOpt,
    err_console,
    print_paths,
)

if TYPE_CHECKING:
    from motionclip.apps.inputs import Reading
    from motionclip.data.rig_export import UserRig
    from motionclip.generation.text_to_motion import MotionCLIP


def generate(
    texts: Annotated[list[str], typer.Argument(help="One or more prompts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help=".bvh, .bvh.gz, .npz, .mp4, .gif or .png")] = Path(
        "motion.bvh"
    ),
    frames: Annotated[int | None, typer.Option(help="Frames to generate (default: 2 s).")] = None,
    seconds: Annotated[float | None, typer.Option(help="Duration in seconds (up to 60), instead of --frames.")] = None,
    grid: Annotated[bool, typer.Option(help="Render all prompts side by side in one video.")] = False,
    samples: Annotated[int, typer.Option(help="Different motions per prompt.")] = 1,
    seed: Annotated[int, typer.Option(help="Same seed, same motions.")] = 0,
    bank_weight: Annotated[
        float | None,
        typer.Option(help="0 = decode the text embedding itself (the paper); up to 1 = a training latent near it."),
    ] = None,
    active_quantile: ActiveQuantileOpt = None,
    rig: RigOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Text to motion."""
    from motionclip.apps.generate import duration_frames, generate_to_files
    from motionclip.apps.outputs import check_output, load_rig
    from motionclip.generation.request import GenerateRequest

    request = GenerateRequest.build(texts, frames, samples, seed, bank_weight)  # before the model loads
    common.check_active_quantile(active_quantile)
    check_output(out, grid)
    model = common.load_model(checkpoint, backend_model)
    common.set_active_quantile(model, active_quantile)
    if seconds is not None:
        request = dataclasses.replace(request, frames=duration_frames(model, frames, seconds))
    user_rig = load_rig(model, rig)  # before generating

    def log(line: str) -> None:  # "composed: ..." and "note: ..." (a prompt far from every training description)
        err_console().print(line, markup=False, soft_wrap=True)

    paths = generate_to_files(model, request, out, grid=grid, log=log, rig=user_rig)
    print_paths(paths)


def render(
    files: Annotated[list[Path], typer.Argument(help="Motion files (.bvh, .bvh.gz, .npz).")],
    out: Annotated[Path, typer.Option("--out", "-o", help=".mp4, .gif or .png (key-frame strip)")],
    grid: Annotated[bool, typer.Option(help="Several motions side by side with captions.")] = False,
    captions: Annotated[list[str] | None, typer.Option("--caption", help="Caption per file.")] = None,
    size: Annotated[int | None, typer.Option(help="Square frame size in pixels per motion (default: 320).")] = None,
    up: UpOpt = "auto",
    units: UnitsOpt = "auto",
    joint_map: JointMapOpt = None,
) -> None:
    """Render motion files as a shaded mannequin video, GIF or key-frame strip (any humanoid on the canonical body)."""
    from motionclip.apps.inputs import read_joint_map
    from motionclip.apps.outputs import render_files

    def note(text: str) -> None:
        err_console().print(text, markup=False, soft_wrap=True)

    mapping = read_joint_map(joint_map)
    print_paths(
        render_files(
            files, out, grid=grid, captions=captions, size=size, up=up, note=note, units=units, joint_map=mapping
        )
    )


# --------------------------------------------------------------------------- interpolate
def interpolate(
    a: Annotated[str, typer.Argument(help="Start: motion file (.bvh/.bvh.gz/.npz) or text.")],
    b: Annotated[str, typer.Argument(help="End: motion file or text.")],
    steps: Annotated[int, typer.Option(help="Motions along the path, both ends included.")] = 5,
    out: OutOpt = Path("interp.bvh"),
    frames: FramesOpt = None,
    grid: GridOpt = False,
    joint_map: JointMapOpt = None,
    up: UpOpt = "auto",
    units: UnitsOpt = "auto",
    rig: RigOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Decode a straight line in latent space from A to B (K steps, numbered files or a grid)."""
    from motionclip.apps.interpolate import check_steps, interpolate_to_files
    from motionclip.apps.outputs import check_output

    check_output(out, grid)
    check_steps(steps)
    reading, model, user_rig = _inputs_and_model(joint_map, up, units, rig, checkpoint, backend_model)
    print_paths(interpolate_to_files(model, a, b, steps, out, frames, grid, reading, rig=user_rig))


# --------------------------------------------------------------------------------- edit
def edit(
    motion: Annotated[Path | None, typer.Option(help="Style edit: motion file to edit.")] = None,
    text: Annotated[str | None, typer.Option(help="Style edit: text whose motion to edit.")] = None,
    add: Annotated[str | None, typer.Option(help="Style to add: a word ('proud') or a sentence/file.")] = None,
    sub: Annotated[str | None, typer.Option(help="Style to remove (default: neutral 'normal').")] = None,
    upper: Annotated[str | None, typer.Option(help="Compose: upper-body action (file or text).")] = None,
    lower: Annotated[str | None, typer.Option(help="Compose: lower-body motion (file or text).")] = None,
    neutral: Annotated[
        str | None, typer.Option(help="Compose: reference for which limbs --upper moves (default: --lower).")
    ] = None,
    scale: Annotated[float, typer.Option(help="Edit strength s in z + s * (end - start).")] = 1.0,
    out: OutOpt = Path("edit.bvh"),
    frames: FramesOpt = None,
    grid: Annotated[bool, typer.Option(help="Video of inputs and result side by side.")] = False,
    joint_map: JointMapOpt = None,
    up: UpOpt = "auto",
    units: UnitsOpt = "auto",
    rig: RigOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Latent arithmetic: add a style (--add/--sub) or compose upper and lower body (--upper/--lower)."""
    from motionclip.apps import edit as ed
    from motionclip.apps.outputs import check_output
    from motionclip.errors import MotionCLIPError

    style_mode = any(x is not None for x in (motion, text, add, sub))
    compose_mode = any(x is not None for x in (upper, lower, neutral))
    if style_mode == compose_mode:
        raise MotionCLIPError(
            "choose one edit: --motion FILE|--text T with --add STYLE [--sub STYLE], or --upper X --lower Y"
        )
    if style_mode and add is None:
        raise MotionCLIPError("a style edit needs --add (e.g. --add proud)")
    if compose_mode and (upper is None or lower is None):
        raise MotionCLIPError("composition needs both --upper and --lower")
    check_output(out, grid)
    ed.check_scale(scale)
    mapping, model, user_rig = _inputs_and_model(joint_map, up, units, rig, checkpoint, backend_model)
    if style_mode:
        base = str(motion) if motion else None
        result = ed.edit_style(model, add, sub, base, text, scale, frames, joint_map=mapping)  # type: ignore[arg-type]
    else:
        result = ed.compose(model, upper, lower, neutral, scale, frames, joint_map=mapping)  # type: ignore[arg-type]
    from rich.markup import escape

    err_console().print(escape(result.summary(scale)), soft_wrap=True)  # the analogy, or what was composed
    print_paths(ed.write_edit(model, result, out, grid, rig=user_rig))


# ----------------------------------------------------------------------------- classify
def classify(
    file: Annotated[Path, typer.Argument(help="Motion file (.bvh, .bvh.gz, .npz).")],
    classes: Annotated[str, typer.Option(help="Comma-separated class names or sentences.")],
    top_k: Annotated[int, typer.Option("--top-k", help="How many classes to show.")] = 5,
    raw: Annotated[bool, typer.Option(help="Embed class names verbatim (no 'a person ...' prompt).")] = False,
    as_json: JsonOpt = False,
    joint_map: JointMapOpt = None,
    up: UpOpt = "auto",
    units: UnitsOpt = "auto",
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Zero-shot recognition: rank class prompts by cosine to the motion (softmax of 100 x cosine)."""
    from motionclip.apps.classify import check_request, far_note, to_json
    from motionclip.apps.classify import classify as run

    check_request(classes, top_k, file)  # before the model loads
    mapping = _reading(joint_map, up, units)
    preds = run(common.load_model(checkpoint, backend_model), str(file), classes, top_k, raw, mapping)
    note = far_note(preds)  # every offered class far from the motion
    if as_json:
        print(json.dumps({"file": str(file), "predictions": to_json(preds), "note": note}, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table("rank", "class", "prompt", "cosine", "probability", title=escape(file.name))
    for p in preds:
        t.add_row(str(p.rank), escape(p.label), escape(p.prompt), f"{p.cosine:.3f}", f"{100 * p.probability:.1f}%")
    Console().print(t)
    if note:
        err_console().print(note, markup=False, soft_wrap=True)


def _reading(joint_map: Path | None, up: str, units: str) -> Reading:
    """How the command reads its motion files, checked before the model loads."""
    from motionclip.apps.inputs import Reading, read_joint_map, reading_of

    def report(line: str) -> None:  # a file's reading notes: units converted, a poor fit to the body
        err_console().print(f"{line}", markup=False, soft_wrap=True)

    return reading_of(Reading(read_joint_map(joint_map), up, units, report))


def _inputs_and_model(
    joint_map: Path | None, up: str, units: str, rig: Path | None, checkpoint: Path | None, backend_model: str | None
) -> tuple[Reading, MotionCLIP, UserRig | None]:
    """The reading of the input files and the user's rig, each checked as early as it can be:
    the reading before the model loads, the rig (it needs the model's body) before any decoding."""
    from motionclip.apps.outputs import load_rig

    reading = _reading(joint_map, up, units)
    model = common.load_model(checkpoint, backend_model)
    return reading, model, load_rig(model, rig)


# ----------------------------------------------------------------------------- retrieve
def retrieve(
    text: Annotated[str, typer.Argument(help="Query text.")],
    data: DataOpt,
    split: Annotated[str, typer.Option(help="train, val or test.")] = "test",
    k: Annotated[int, typer.Option("--k", "-k", help="How many windows to return.")] = 5,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder to write the hits into.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="File type of written hits: bvh, bvh.gz, npz, mp4, gif, png.")
    ] = "bvh",
    as_json: JsonOpt = False,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Text -> motion retrieval among a dataset split's windows."""
    from motionclip.apps.generate import validate_prompts
    from motionclip.apps.retrieve import check_format, check_k, to_json, write_hits
    from motionclip.apps.retrieve import retrieve as run
    from motionclip.data.cache import MotionCache

    validate_prompts([text])
    check_k(k)
    check_format(fmt)
    cache = MotionCache.load(data)
    cache.window_indices(split)
    hits = run(common.load_model(checkpoint, backend_model), cache, text, split, k)
    if as_json:
        print(json.dumps({"query": text, "split": split, "hits": to_json(hits)}, indent=2))
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        t = Table("rank", "window", "take", "frame", "content", "style", "dataset", "cosine", title=escape(repr(text)))
        for col in t.columns[2:7]:
            col.overflow = "fold"
        for h in hits:
            t.add_row(
                str(h.rank), str(h.window), h.take, str(h.start), h.content, h.style, h.dataset, f"{h.cosine:.3f}"
            )
        Console().print(t)
    if out is not None:
        paths = write_hits(cache, hits, out, fmt)
        if not as_json:
            print_paths(paths)
