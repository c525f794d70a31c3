"""Seed study and loss ablation at one budget, their runs trained side by side (developer tool
for a lent GPU; works on a CPU too).

`motionclip eval seeds` and `eval ablation` train their runs one after another. A GPU has room
for several at once, so this trains every run the two studies would train -- the same configs,
built by the studies' own `budget_config` -- each in its own process, then calls the studies,
which find identical runs in their folders and only evaluate them.

    # here, where the text model is installed: the embeddings every run and evaluation needs
    python scripts/device_studies.py table DATA TABLE.safetensors
    # there (run from the folder that holds TABLE, so the run configs name it the same way)
    python scripts/device_studies.py run DATA OUT --budget-steps 8000 --seeds 3 --preset shipped \
        text_table=TABLE.safetensors train.accelerator=gpu [more overrides]

Writes OUT/seeds/seeds.json and OUT/ablation/ablation.json (the studies' own reports).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sys
import time
from pathlib import Path


def write_texts(data: str, out: str) -> None:
    """Every text a run or an evaluation of ``data`` embeds: the cache's descriptions and the
    zero-shot prompts of every content and style class."""
    from motionclip.data.cache import MotionCache
    from motionclip.data.labels import class_prompt, style_prompt
    from motionclip.text import get_backend
    from motionclip.text.table import write_table

    cache = MotionCache.load(data)
    texts = [*cache.texts, *(class_prompt(c) for c in cache.contents), *(style_prompt(s) for s in cache.styles)]
    print(write_table(get_backend("minilm"), texts, out), len(set(texts)), "texts")


def _variants(overrides: list[str], steps: int, seeds: int, preset: str | None) -> list[tuple[str, list[str]]]:
    """(folder, extra overrides) of every run: ``seeds/seed-<s>`` and each trainable ablation
    variant under ``ablation/<key>``."""
    from motionclip.apps.eval.ablation import VARIANTS

    runs = [(f"seeds/seed-{s}", [f"train.seed={s}"]) for s in range(seeds)]
    runs += [(f"ablation/{key}", extra) for key, _, extra in VARIANTS if key != "no-image"]
    return runs


def _train_one(
    data: str, folder: str, overrides: list[str], extra: list[str], steps: int, preset: str | None, threads: int
) -> None:
    import torch

    from motionclip.apps.eval.studies import budget_config
    from motionclip.training.run import train
    from motionclip.training.setup import run_backend

    torch.set_num_threads(threads)  # the runs share the cores (the bank is built on the CPU)
    run = budget_config(overrides, steps, extra, preset)
    log = open(Path(folder).parent / f"{Path(folder).name}.log", "w", buffering=1)  # noqa: SIM115
    train(data, run, folder, progress=False, backend=run_backend(run), log=lambda *a, **_: print(*a, file=log))


def _study(
    kind: str, data: str, out: str, overrides: list[str], steps: int, seeds: int, preset: str | None, threads: int
) -> None:
    import torch

    torch.set_num_threads(threads)
    from motionclip.apps.eval.ablation import run_ablation
    from motionclip.apps.eval.seeds import run_seeds

    if kind == "seeds":
        run_seeds(data, seeds, steps, Path(out) / "seeds", overrides, progress=False, preset=preset)
    else:
        run_ablation(data, steps, Path(out) / "ablation", overrides, progress=False, preset=preset)


def run(data: str, out: str, steps: int, seeds: int, preset: str | None, overrides: list[str]) -> None:
    from motionclip.apps.eval.studies import budget_config
    from motionclip.config import to_dict

    ctx = mp.get_context("spawn")
    cores = os.cpu_count() or 1
    jobs = []
    # the ablation's "full" run is seed 0 when the preset's seed is 0: train it once, copy it
    same = to_dict(budget_config(overrides, steps, [], preset)) == to_dict(
        budget_config(overrides, steps, ["train.seed=0"], preset)
    )
    for folder, extra in _variants(overrides, steps, seeds, preset):
        if same and folder == "ablation/full" and seeds > 0:
            continue
        target = Path(out) / folder
        if (target / "model.safetensors").is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((data, str(target), overrides, extra, steps, preset))
    todo = [ctx.Process(target=_train_one, args=(*a, max(1, cores // len(jobs)))) for a in jobs]
    t0 = time.time()
    for p in todo:
        p.start()
    for p in todo:
        p.join()
    print(f"trained {len(todo)} runs side by side in {time.time() - t0:.0f} s", flush=True)
    if any(p.exitcode for p in todo):
        sys.exit("a run failed: see its .log beside its folder")
    full, seed0 = Path(out) / "ablation/full", Path(out) / "seeds/seed-0"
    if same and seeds > 0 and not (full / "model.safetensors").is_file():
        full.mkdir(parents=True, exist_ok=True)
        for name in ("model.safetensors", "summary.json"):
            shutil.copy2(seed0 / name, full / name)
    studies = [
        ctx.Process(target=_study, args=(k, data, out, overrides, steps, seeds, preset, max(1, cores // 2)))
        for k in ("seeds", "ablation")
    ]
    for p in studies:
        p.start()
    for p in studies:
        p.join()
    if any(p.exitcode for p in studies):
        sys.exit("a study failed")
    print(f"studies done in {time.time() - t0:.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("data")
    t.add_argument("out")
    r = sub.add_parser("run")
    r.add_argument("data")
    r.add_argument("out")
    r.add_argument("--budget-steps", type=int, required=True)
    r.add_argument("--seeds", type=int, default=3)
    r.add_argument("--preset", default="shipped")
    r.add_argument("overrides", nargs="*")
    a, rest = ap.parse_known_args()
    if a.cmd == "table":
        write_texts(a.data, a.out)
        return
    overrides = [*a.overrides, *rest]
    bad = [o for o in overrides if "=" not in o]
    if bad:
        ap.error(f"overrides are key=value, got {bad[0]!r}")
    run(a.data, a.out, a.budget_steps, a.seeds, a.preset, overrides)


if __name__ == "__main__":
    main()
