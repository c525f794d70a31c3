"""Judge accuracy of generated motion for several latent-bank draw settings, side by side.

    python scripts/draw_sweep.py CHECKPOINT JUDGE --data CACHE --out OUT.json \
        '{}' '{"bank_weight": 0.9, "top_k": 4}' ...

Each positional JSON object overrides fields of the checkpoint's ``generation`` config
(``{}`` = as stored). ``--prompts FILE`` takes text<TAB>content<TAB>style lines;
``--phrasings 3,6`` instead builds a development set from the cache's training
descriptions (those phrasings of every (content, style) pair, minus the benchmark's
``prompts.txt``), so that settings can be chosen without looking at the benchmark prompts.
Generation is deterministic for a given seed, so one run per setting is enough.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from motionclip.apps.eval.generation import generation_quality
from motionclip.apps.eval.judge import load_judge
from motionclip.apps.eval.prompts import Prompt, choose_prompts, default_prompts_path, read_prompts
from motionclip.apps.eval.run import split_indices
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.generation import load_model
from motionclip.io_utils import atomic_write_text
from motionclip.model.config import GenerationConfig, validate_generation_config


def phrasing_prompts(cache: MotionCache, phrasings: list[int], exclude: set[str]) -> list[Prompt]:
    """The given phrasings of every (content, style) pair's training descriptions (what
    ``data prepare`` wrote into the cache), minus ``exclude``."""
    out = []
    for key in cache.meta["pairs"]:
        content, style = key.split("|")[:2]
        texts = cache.meta["descriptions"][key]
        wanted = dict.fromkeys(texts[i % len(texts)] for i in phrasings)  # in order: diversity pairs follow it
        out += [Prompt(t, content, style) for t in wanted if t not in exclude]
    return out


def summary(report: dict) -> dict:
    gen = report["generated"]
    limb, per = gen["realism"]["overall"]["limb_speed"], gen["per_dataset"]
    row = {
        "content": round(gen["content_acc"], 3),
        "style": round(gen["style_acc"], 3),
        "per_dataset": {k: (round(v["content_acc"], 3), round(v["style_acc"], 3)) for k, v in per.items()},
        "limb_ratio_mean_min": (round(limb["ratio_mean_over_contents"], 2), round(limb["ratio_min_over_contents"], 2)),
    }
    if "samples" in gen:
        samples = gen["samples"]
        row["multimodality"] = (round(samples["multimodality"], 1), round(samples["real_multimodality"], 1))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("judge")
    parser.add_argument("settings", nargs="+", help="JSON objects of generation-config overrides")
    parser.add_argument("--data", default="data/bandai.safetensors")
    parser.add_argument("--prompts", default=None)
    parser.add_argument("--phrasings", default=None, help="e.g. 3,6: a development set from training descriptions")
    parser.add_argument("--split", default="val", help="the real windows the judge's realism compares against")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    stored_fields = {f.name for f in dataclasses.fields(GenerationConfig)}
    overrides = []
    for text in args.settings:  # every setting checked before the model loads
        try:
            override = json.loads(text)
        except json.JSONDecodeError as exc:
            parser.error(f"setting {text!r} is not JSON: {exc.msg}")
        if not isinstance(override, dict) or set(override) - stored_fields:
            parser.error(f"setting {text!r} must be a JSON object of {', '.join(sorted(stored_fields))}")
        try:
            validate_generation_config(GenerationConfig(**override))
        except MotionCLIPError as exc:
            parser.error(str(exc))
        overrides.append(override)
    if args.phrasings and not all(i.strip().isdigit() for i in args.phrasings.split(",")):
        parser.error(f"--phrasings must be indices like 3,6, got {args.phrasings!r}")

    model = load_model(args.checkpoint)
    cache = MotionCache.load(args.data)
    judge, _ = load_judge(args.judge)
    if args.phrasings:
        benchmark = {p.text for p in read_prompts(default_prompts_path())}
        chosen = phrasing_prompts(cache, [int(i) for i in args.phrasings.split(",")], benchmark)
    else:
        chosen, _ = choose_prompts(cache, args.prompts, model.meta)
    indices = split_indices(cache, args.split)
    stored = model.generation
    rows = []
    for override in overrides:
        model.config.generation = dataclasses.replace(stored, **override)
        report = generation_quality(model, judge, cache, chosen, indices, seed=args.seed)
        row = {"settings": override, **summary(report)}
        print(json.dumps(row), flush=True)
        rows.append({**row, "report": report})
    model.config.generation = stored
    atomic_write_text(args.out, json.dumps({"prompts": len(chosen), "rows": rows}, indent=1))


if __name__ == "__main__":
    try:
        main()
    except MotionCLIPError as exc:  # a missing or corrupt file: one line, not a traceback
        raise SystemExit(f"error: {exc}") from None
