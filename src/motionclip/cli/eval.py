"""``motionclip eval ...``: metrics, BABEL-60, the judge, long generations, ablation and seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from motionclip.cli import common
from motionclip.cli.common import (
    ActiveQuantileOpt,
    BackendModelOpt,
    CheckpointOpt,
    DataOpt,
    JsonOpt,
    OverridesArg,
    PresetOpt,
    ProgressOpt,
    err_console,
)

eval_app = typer.Typer(help="Evaluate checkpoints: metrics, judge, ablation, seeds.", no_args_is_help=True)


@eval_app.command("run")
def eval_run(
    data: DataOpt,
    split: Annotated[str, typer.Option(help="train, val or test.")] = "test",
    judge: Annotated[
        Path | None, typer.Option(help="Judge from `eval train-judge` (enables generation metrics).")
    ] = None,
    prompts: Annotated[Path | None, typer.Option(help="Prompts file: text<TAB>content<TAB>style per line.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    bank_weight: Annotated[
        float | None,
        typer.Option(help="Generation: 0 = decode texts directly (the paper); default: the checkpoint's."),
    ] = None,
    durations: Annotated[
        list[float] | None, typer.Option("--duration", help="Also judge generations of this many seconds (repeat).")
    ] = None,
    active_quantile: ActiveQuantileOpt = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Reconstruction, zero-shot recognition, retrieval and (with --judge) generation quality."""
    from rich.console import Console

    from motionclip.apps.eval.report import print_eval
    from motionclip.apps.eval.run import evaluate, write_report
    from motionclip.apps.generate import check_seconds
    from motionclip.data.cache import MotionCache
    from motionclip.generation.request import check_bank_weight

    MotionCache.load(data).window_indices(split)
    if bank_weight is not None:
        check_bank_weight(bank_weight)
    for d in durations or []:
        check_seconds(d, "--duration")
    common.check_active_quantile(active_quantile)
    model = common.load_model(checkpoint, backend_model)
    common.set_active_quantile(model, active_quantile)
    name = str(checkpoint) if checkpoint else None
    report = evaluate(model, data, split, judge, prompts, name, bank_weight, list(durations or []))
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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    as_json: JsonOpt = False,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """The paper's BABEL-60 zero-shot recognition: top-1/top-5 over the 60 most frequent categories."""
    from motionclip.apps.eval.babel60 import babel60
    from motionclip.data.cache import MotionCache
    from motionclip.io_utils import atomic_write_text

    cache = MotionCache.load(data)
    cache.window_indices(split)
    report = babel60(common.load_model(checkpoint, backend_model), cache, split, classes, prompt)
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
    seconds: Annotated[list[float] | None, typer.Option("--seconds", help="Durations (repeat the option).")] = None,
    content: Annotated[str | None, typer.Option(help="Content class of the prompt, for the real limb speed.")] = None,
    data: Annotated[Path | None, typer.Option(help="Cache file for the real reference (with --content).")] = None,
    seed: Annotated[int, typer.Option(help="Generation seed.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the JSON report here.")] = None,
    checkpoint: CheckpointOpt = None,
    backend_model: BackendModelOpt = None,
) -> None:
    """Long generations: per-second root and limb speed, and seam jerk."""
    from motionclip.apps.eval.long import long_report, real_limb_speed
    from motionclip.apps.generate import check_seconds, validate_prompts
    from motionclip.data.cache import MotionCache
    from motionclip.io_utils import atomic_write_text

    text = validate_prompts([prompt])[0]
    durations = [check_seconds(s) for s in seconds or [10.0, 30.0]]
    real = real_limb_speed(MotionCache.load(data), content) if (data is not None and content) else None
    report = long_report(common.load_model(checkpoint, backend_model), text, durations, real, seed)
    body = json.dumps(report, indent=2)
    if out is not None:
        atomic_write_text(out, body + "\n")
    print(body)


@eval_app.command("ablation")
def eval_ablation(
    data: DataOpt,
    budget_steps: Annotated[int, typer.Option(help="Training steps per variant.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the variants' runs.")] = Path("runs/ablation"),
    split: Annotated[str, typer.Option(help="Split to score on.")] = "test",
    overrides: OverridesArg = None,
    progress: ProgressOpt = True,
    preset: PresetOpt = "shipped",
) -> None:
    """The paper's loss ablation (Table 3): full vs. no text loss vs. no image loss."""
    from rich.console import Console

    from motionclip.apps.eval.ablation import run_ablation
    from motionclip.apps.eval.report import print_ablation

    report = run_ablation(data, budget_steps, out, list(overrides or []), split, progress, err_console().print, preset)
    print_ablation(report, Console())
    print(out / "ablation.json")


@eval_app.command("seeds")
def eval_seeds(
    data: DataOpt,
    budget_steps: Annotated[int, typer.Option(help="Training steps per seed.")],
    n: Annotated[int, typer.Option("--n", help="Number of seeds (0..n-1).")] = 3,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the seeds' runs.")] = Path("runs/seeds"),
    split: Annotated[str, typer.Option(help="Split to score on.")] = "val",
    overrides: OverridesArg = None,
    progress: ProgressOpt = True,
    preset: PresetOpt = "shipped",
) -> None:
    """Train N seeds with one budget; mean +- std of zero-shot content top-1."""
    from rich.console import Console

    from motionclip.apps.eval.report import print_seeds
    from motionclip.apps.eval.seeds import run_seeds

    report = run_seeds(data, n, budget_steps, out, list(overrides or []), split, progress, err_console().print, preset)
    print_seeds(report, Console())
    print(out / "seeds.json")
