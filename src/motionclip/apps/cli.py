"""Typer commands for the paper's applications and the evaluation suite.

``register(app)`` adds ``interpolate``, ``edit``, ``classify``, ``retrieve`` and the ``eval``
group to the main ``motionclip`` app. Heavy imports happen inside the commands, and cheap
argument checks run before a model is loaded so mistakes fail fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from motionclip.cli_common import BackendModelOpt, CheckpointOpt, err_console, load_model
from motionclip.errors import MotionCLIPError

OutOpt = Annotated[Path, typer.Option("--out", "-o", help=".bvh, .bvh.gz, .npz, .mp4, .gif or .png")]
FramesOpt = Annotated[Optional[int], typer.Option(help="Frames to decode (default: the model's window).")]
GridOpt = Annotated[bool, typer.Option(help="One side-by-side video instead of one file per motion.")]
ProgressOpt = Annotated[bool, typer.Option(help="Show progress bars.")]
JointMapOpt = Annotated[
    Optional[Path],
    typer.Option(help="JSON/CSV renaming the motion's joints to the model's (else matched by name)."),
]
OverridesArg = Annotated[
    Optional[list[str]], typer.Argument(help="Training overrides key=value, e.g. model.num_layers=4")
]

eval_app = typer.Typer(help="Evaluate checkpoints: metrics, judge, ablation, seeds.", no_args_is_help=True)


def _check_motion_output(out: Path) -> None:
    from motionclip.apps.outputs import output_kind

    output_kind(out)


def _print_paths(paths: list[Path]) -> None:
    for p in paths:
        print(p)


# --------------------------------------------------------------------------- interpolate
def interpolate(
    a: Annotated[str, typer.Argument(help="Start: motion file (.bvh/.bvh.gz/.npz) or text.")],
    b: Annotated[str, typer.Argument(help="End: motion file or text.")],
    steps: Annotated[int, typer.Option(help="Motions along the path, both ends included.")] = 5,
    out: OutOpt = Path("interp.bvh"),
    frames: FramesOpt = None,
    grid: GridOpt = False,
    joint_map: JointMapOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Decode a straight line in latent space from A to B (K steps, numbered files or a grid)."""
    from motionclip.apps.interpolate import check_steps, interpolate_to_files
    from motionclip.apps.sources import read_joint_map

    _check_motion_output(out)
    check_steps(steps)
    mapping = read_joint_map(joint_map)
    _print_paths(interpolate_to_files(load_model(checkpoint, backend_model), a, b, steps, out, frames, grid, mapping))


# --------------------------------------------------------------------------------- edit
def edit(
    motion: Annotated[Optional[Path], typer.Option(help="Style edit: motion file to edit.")] = None,
    text: Annotated[Optional[str], typer.Option(help="Style edit: text whose motion to edit.")] = None,
    add: Annotated[Optional[str], typer.Option(help="Style to add: a word ('proud') or a sentence/file.")] = None,
    sub: Annotated[Optional[str], typer.Option(help="Style to remove (default: neutral 'normal').")] = None,
    upper: Annotated[Optional[str], typer.Option(help="Compose: upper-body action (file or text).")] = None,
    lower: Annotated[Optional[str], typer.Option(help="Compose: lower-body motion (file or text).")] = None,
    neutral: Annotated[Optional[str], typer.Option(help="Compose: neutral pose subtracted from --upper.")] = None,
    scale: Annotated[float, typer.Option(help="Edit strength s in z + s * (end - start).")] = 1.0,
    out: OutOpt = Path("edit.bvh"),
    frames: FramesOpt = None,
    grid: Annotated[bool, typer.Option(help="Video of inputs and result side by side.")] = False,
    joint_map: JointMapOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Latent arithmetic: add a style (--add/--sub) or compose upper and lower body (--upper/--lower)."""
    from motionclip.apps import edit as ed
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
    _check_motion_output(out)
    if grid and not str(out).lower().endswith((".mp4", ".gif", ".png")):
        raise MotionCLIPError("--grid needs a video or image output (.mp4, .gif, .png)")
    ed.check_scale(scale)
    from motionclip.apps.sources import read_joint_map

    mapping = read_joint_map(joint_map)
    model = load_model(checkpoint, backend_model)
    if style_mode:
        base = str(motion) if motion else None
        result = ed.edit_style(model, add, sub, base, text, scale, frames, joint_map=mapping)  # type: ignore[arg-type]
    else:
        pose = neutral or ed.NEUTRAL_POSE
        result = ed.compose(model, upper, lower, pose, scale, frames, joint_map=mapping)  # type: ignore[arg-type]
    from rich.markup import escape

    err_console().print(
        escape(f"z' = [{result.base.label}] + {scale:g} * ([{result.end.label}] - [{result.start.label}])")
    )
    _print_paths(ed.write_edit(model, result, out, grid))


# ----------------------------------------------------------------------------- classify
def classify(
    file: Annotated[Path, typer.Argument(help="Motion file (.bvh, .bvh.gz, .npz).")],
    classes: Annotated[str, typer.Option(help="Comma-separated class names or sentences.")],
    top_k: Annotated[int, typer.Option("--top-k", help="How many classes to show.")] = 5,
    raw: Annotated[bool, typer.Option(help="Embed class names verbatim (no 'a person ...' prompt).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    joint_map: JointMapOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Zero-shot recognition: rank class prompts by cosine to the motion (softmax of 100 x cosine)."""
    from motionclip.apps.classify import check_request, to_json
    from motionclip.apps.classify import classify as run

    check_request(classes, top_k, file)  # before the model loads
    from motionclip.apps.sources import read_joint_map

    mapping = read_joint_map(joint_map)
    preds = run(load_model(checkpoint, backend_model), str(file), classes, top_k, raw, mapping)
    if as_json:
        print(json.dumps({"file": str(file), "predictions": to_json(preds)}, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table("rank", "class", "prompt", "cosine", "probability", title=escape(file.name))
    for p in preds:
        t.add_row(str(p.rank), escape(p.label), escape(p.prompt), f"{p.cosine:.3f}", f"{100 * p.probability:.1f}%")
    Console().print(t)


# ----------------------------------------------------------------------------- retrieve
def retrieve(
    text: Annotated[str, typer.Argument(help="Query text.")],
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare`.")],
    split: Annotated[str, typer.Option(help="train, val or test.")] = "test",
    k: Annotated[int, typer.Option("--k", "-k", help="How many windows to return.")] = 5,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder to write the hits into.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="File type of written hits: bvh, bvh.gz, npz, mp4, gif, png.")
    ] = "bvh",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Text -> motion retrieval among a dataset split's windows."""
    from motionclip.apps.generate import validate_prompts
    from motionclip.apps.retrieve import FORMATS, to_json, write_hits
    from motionclip.apps.retrieve import retrieve as run
    from motionclip.data.cache import MotionCache
    from motionclip.errors import MotionCLIPError

    validate_prompts([text])
    if k < 1:
        raise MotionCLIPError(f"--k must be at least 1, got {k}")
    if fmt.lower().lstrip(".") not in FORMATS:
        raise MotionCLIPError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    cache = MotionCache.load(data)
    cache.window_indices(split)
    hits = run(load_model(checkpoint, backend_model), cache, text, split, k)
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
            _print_paths(paths)


# --------------------------------------------------------------------------------- eval
@eval_app.command("run")
def eval_run(
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare`.")],
    split: Annotated[str, typer.Option(help="train, val or test.")] = "test",
    judge: Annotated[
        Optional[Path], typer.Option(help="Judge from `eval train-judge` (enables generation metrics).")
    ] = None,
    prompts: Annotated[Optional[Path], typer.Option(help="Prompts file: text<TAB>content<TAB>style per line.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    bank_weight: Annotated[
        Optional[float], typer.Option(help="Generation: 0 = decode texts directly (the paper); default: the checkpoint's.")
    ] = None,
    durations: Annotated[
        Optional[list[float]], typer.Option("--duration", help="Also judge generations of this many seconds (repeat).")
    ] = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Reconstruction, zero-shot recognition, retrieval and (with --judge) generation quality."""
    from rich.console import Console

    from motionclip.apps.eval.report import print_eval
    from motionclip.apps.eval.run import evaluate, write_report
    from motionclip.data.cache import MotionCache

    MotionCache.load(data).window_indices(split)
    if bank_weight is not None and not 0.0 <= bank_weight <= 1.0:
        raise MotionCLIPError(f"--bank-weight must be between 0 and 1, got {bank_weight}")
    from motionclip.model.autoencoder import MAX_GENERATE_SECONDS

    for d in durations or []:
        if not 0 < d <= MAX_GENERATE_SECONDS:
            raise MotionCLIPError(f"--duration must be > 0 and at most {MAX_GENERATE_SECONDS:g}, got {d}")
    report = evaluate(
        load_model(checkpoint, backend_model), data, split, judge, prompts, str(checkpoint) if checkpoint else None, bank_weight,
        list(durations or []),
    )  # fmt: skip
    if out is not None:
        write_report(report, out)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print_eval(report, Console())
        if out is not None:
            print(out)


@eval_app.command("babel60")
def eval_babel60(
    data: Annotated[Path, typer.Option(help="BABEL cache from `data prepare --source amass --labels babel`.")],
    split: Annotated[str, typer.Option(help="Split to score (test = BABEL's val.json, as in the paper).")] = "test",
    classes: Annotated[int, typer.Option("--classes", help="How many of the most frequent categories.")] = 60,
    prompt: Annotated[str, typer.Option(help="Text per category; {} is replaced by the category name.")] = "{}",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """The paper's BABEL-60 zero-shot recognition: top-1/top-5 over the 60 most frequent categories."""
    from motionclip.apps.eval.babel60 import babel60
    from motionclip.data.cache import MotionCache
    from motionclip.io_utils import atomic_write_text

    cache = MotionCache.load(data)
    cache.window_indices(split)
    report = babel60(load_model(checkpoint, backend_model), cache, split, classes, prompt)
    body = json.dumps(report, indent=2)
    if out is not None:
        atomic_write_text(out, body + "\n")
    if as_json:
        print(body)
        return
    p = report["paper"]
    print(
        f"BABEL-{report['classes']} ({report['split']}, {report['segments']} segments): "
        f"top-1 {100 * report['top1']:.1f}%, top-5 {100 * report['top5']:.1f}% "
        f"(chance {100 * report['chance']['top1']:.1f}% / {100 * report['chance']['top5']:.1f}%; "
        f"paper {100 * p['top1']:.1f}% / {100 * p['top5']:.1f}%)"
    )


@eval_app.command("train-judge")
def eval_train_judge(
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare` (trains on its train split).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Judge file to write (.safetensors).")] = Path(
        "judge.safetensors"
    ),
    epochs: Annotated[int, typer.Option(help="Passes over the train split.")] = 15,
    max_steps: Annotated[int, typer.Option(help="Stop after this many steps (-1: no limit).")] = -1,
    max_minutes: Annotated[float, typer.Option(help="Stop after this much time (0: no limit).")] = 0.0,
    batch_size: Annotated[int, typer.Option(help="Windows per step.")] = 128,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    threads: Annotated[int, typer.Option(help="Torch CPU threads (1 is fastest for this small net).")] = 1,
    progress: ProgressOpt = True,
) -> None:
    """Train the generation-benchmark judge (content + style classifier) on real train data."""
    from motionclip.apps.eval.judge import train_judge

    train_judge(
        data, out, epochs=epochs, max_steps=max_steps, max_minutes=max_minutes, batch_size=batch_size,
        seed=seed, progress=progress, log=err_console().print, threads=threads,
    )  # fmt: skip
    print(out)


@eval_app.command("long")
def eval_long(
    prompt: Annotated[str, typer.Argument(help="Prompt to generate.")] = "a person walks",
    seconds: Annotated[Optional[list[float]], typer.Option("--seconds", help="Durations (repeat the option).")] = None,
    content: Annotated[Optional[str], typer.Option(help="Content class of the prompt, for the real limb speed.")] = None,
    data: Annotated[Optional[Path], typer.Option(help="Cache file for the real reference (with --content).")] = None,
    seed: Annotated[int, typer.Option(help="Generation seed.")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Long generations: per-second root and limb speed, and seam jerk."""
    from motionclip.apps.eval.long import long_report, real_limb_speed
    from motionclip.apps.generate import validate_prompts
    from motionclip.data.cache import MotionCache
    from motionclip.io_utils import atomic_write_text
    from motionclip.model.autoencoder import MAX_GENERATE_SECONDS

    text = validate_prompts([prompt])[0]
    durations = list(seconds or [10.0, 30.0])
    for s in durations:
        if not 0 < s <= MAX_GENERATE_SECONDS:
            raise MotionCLIPError(f"--seconds must be > 0 and at most {MAX_GENERATE_SECONDS:g}, got {s}")
    real = real_limb_speed(MotionCache.load(data), content) if (data is not None and content) else None
    report = long_report(load_model(checkpoint, backend_model), text, durations, real, seed)
    body = json.dumps(report, indent=2)
    if out is not None:
        atomic_write_text(out, body + "\n")
    print(body)


@eval_app.command("ablation")
def eval_ablation(
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare`.")],
    budget_steps: Annotated[int, typer.Option(help="Training steps per variant.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the variants' runs.")] = Path("runs/ablation"),
    split: Annotated[str, typer.Option(help="Split to score on.")] = "test",
    overrides: OverridesArg = None,
    progress: ProgressOpt = True,
) -> None:
    """The paper's loss ablation (Table 3): full vs. no text loss vs. no image loss."""
    from rich.console import Console

    from motionclip.apps.eval.ablation import run_ablation
    from motionclip.apps.eval.report import print_ablation

    report = run_ablation(data, budget_steps, out, list(overrides or []), split, progress, err_console().print)
    print_ablation(report, Console())
    print(out / "ablation.json")


@eval_app.command("seeds")
def eval_seeds(
    data: Annotated[Path, typer.Option(help="Cache file from `data prepare`.")],
    budget_steps: Annotated[int, typer.Option(help="Training steps per seed.")],
    n: Annotated[int, typer.Option("--n", help="Number of seeds (0..n-1).")] = 3,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the seeds' runs.")] = Path("runs/seeds"),
    split: Annotated[str, typer.Option(help="Split to score on.")] = "val",
    overrides: OverridesArg = None,
    progress: ProgressOpt = True,
) -> None:
    """Train N seeds with one budget; mean +- std of zero-shot content top-1."""
    from rich.console import Console

    from motionclip.apps.eval.report import print_seeds
    from motionclip.apps.eval.seeds import run_seeds

    report = run_seeds(data, n, budget_steps, out, list(overrides or []), split, progress, err_console().print)
    print_seeds(report, Console())
    print(out / "seeds.json")


def register(app: typer.Typer) -> None:
    """Add the application and evaluation commands to the ``motionclip`` app."""
    app.command()(interpolate)
    app.command()(edit)
    app.command()(classify)
    app.command()(retrieve)
    app.add_typer(eval_app, name="eval")
