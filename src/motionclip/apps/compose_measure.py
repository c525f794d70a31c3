"""Measuring compositions against what they imitate: the root travel of the locomotion and the
gesturing hands' peak height beside the gesture alone and beside real takes. Run it as
python -m motionclip.apps.compose [PROMPTS] [--motions BANDAI_NAMCO_COPY]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from motionclip.apps.compose import root_travel

MEASURED_PROMPTS = (
    "a person walks while waving the right hand",
    "someone walks forward and waves both hands",
    "a person runs with both hands raised",
    "a person walks while raising the left hand",
)


def real_peaks(model: Any, takes: Sequence[Any], content: str, style: str = "normal", n: int = 5) -> dict[str, float]:
    """Median over the first ``n`` real takes of ``content`` / ``style`` (``data.sources.Take``,
    in name order) of each joint's peak height (m), on the model's skeleton."""
    from motionclip.apps.inputs import to_model_skeleton
    from motionclip.data.io import read_motion

    found = sorted((t for t in takes if (t.content, t.style) == (content, style)), key=lambda t: t.name)[:n]
    if not found:
        return {}
    peaks = torch.stack(
        [to_model_skeleton(model, read_motion(t.path, up="auto")).positions()[..., 1].max(0).values for t in found]
    )
    return dict(zip(model.skeleton.names, peaks.median(0).values.tolist()))


def main(argv: Sequence[str] | None = None) -> None:
    """Measure compositions: root travel in 2 s and the gesturing hands' peak height vs real takes."""
    import argparse

    from motionclip.apps.generate import generate_composed
    from motionclip.apps.vocabulary import closeness
    from motionclip.generation import load_model
    from motionclip.generation.request import GenerateRequest

    parser = argparse.ArgumentParser(prog="python -m motionclip.apps.compose", description=main.__doc__)
    parser.add_argument("prompts", nargs="*", default=list(MEASURED_PROMPTS))
    parser.add_argument("--checkpoint", default=None, help="checkpoint (default: the shipped one)")
    parser.add_argument("--motions", default=None, help="a Bandai Namco copy, for the real takes' hand heights")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    model = load_model(args.checkpoint)
    takes = []
    if args.motions:
        from motionclip.data.sources import discover

        takes = discover("bandai-namco", args.motions).takes
    frames = max(1, round(args.seconds * model.fps))
    motions, compositions = generate_composed(model, GenerateRequest.build(args.prompts, frames))
    for prompt, motion, comp in zip(args.prompts, motions, compositions):
        print(prompt)
        if comp is None:
            print("  not composed (decoded whole)")
            continue
        print(f"  {comp.line()}")
        print(f"  root travel in {args.seconds:g} s: {root_travel(motion):.2f} m")
        gesture = closeness(model, [comp.upper])[0].nearest[0]
        real = real_peaks(model, takes, gesture.content)
        alone = model.generate([comp.upper], frames)[0].positions()[..., 1].max(0).values
        peaks = motion.positions()[..., 1].max(0).values
        for name in comp.limbs:
            j = model.skeleton.names.index(name)
            line = f"  {name} peak height {float(peaks[j]):.3f} m (the gesture alone {float(alone[j]):.3f} m"
            if name in real:
                line += (
                    f"; real {gesture.content} takes, median {real[name]:.3f} m: {float(peaks[j]) - real[name]:+.3f} m"
                )
            print(line + ")")
