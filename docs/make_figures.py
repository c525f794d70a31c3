"""Regenerate the README figures with the shipped checkpoint (run from the repo root).

Each figure is a grid: one row per motion (caption on the left), five key frames across.
    python docs/make_figures.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

import motionclip
from motionclip.apps.edit import compose, edit_style
from motionclip.render import RenderConfig, render_frames, render_motion

OUT = Path(__file__).parent / "img"
CELL = RenderConfig(width=160, height=160)
KEYS = 5
LABEL_W = 260


def strip_rows(rows: list[tuple[str, motionclip.Motion]], path: Path) -> None:
    font = ImageFont.load_default(size=15)
    tiles = []
    for caption, motion in rows:
        frames = render_frames(
            motion.positions().detach(),
            list(motion.skeleton.parents),
            list(motion.skeleton.names),
            CELL,
            frames=list(np.linspace(0, len(motion) - 1, KEYS).round().astype(int)),
        )
        label = Image.new("RGB", (LABEL_W, CELL.height), "white")
        ImageDraw.Draw(label).multiline_text((8, CELL.height // 2 - 10), caption, fill="black", font=font)
        tiles.append(np.concatenate([np.asarray(label), *frames], axis=1))
    Image.fromarray(np.concatenate(tiles, axis=0)).save(path, optimize=True)


def main() -> None:
    torch.manual_seed(0)
    OUT.mkdir(exist_ok=True)
    model = motionclip.load()
    prompts = [
        "a person walks",
        "a person waves the right hand",
        "an elderly person walks",
        "a person raises both hands",
        "an angry person punches",
    ]
    strip_rows([(p, m) for p, m in zip(prompts, model.generate(prompts))], OUT / "generate.png")

    za, zb = model.generation_latents(["a person walks", "a person raises both hands"])
    steps = torch.linspace(0, 1, 4)
    interp = model.decode(torch.stack([(1 - t) * za + t * zb for t in steps]))
    strip_rows([(f"t = {t:.2f}", m) for t, m in zip(steps.tolist(), interp)], OUT / "interpolate.png")

    styled = edit_style(model, add="elderly", text="a person walks")
    strip_rows(
        [
            ("a person walks", styled.base.motion or model.decode(styled.base.z)[0]),
            ("+ elderly - normal", styled.motion),
        ],
        OUT / "edit_style.png",
    )

    comp = compose(model, upper="a person raises both hands", lower="a person walks")
    strip_rows(
        [
            ("lower: a person walks", model.decode(comp.base.z)[0]),
            ("upper: raises both hands", model.generate("a person raises both hands")),
            ("neutral: stands still", model.generate("a person stands still")),
            ("composed", comp.motion),
        ],
        OUT / "compose.png",
    )

    samples = model.generate("a person walks", samples=4, seed=1)
    strip_rows([(f"a person walks\nsample {k + 1} (seed 1)", m) for k, m in enumerate(samples)], OUT / "samples.png")

    walk10 = model.generate("a person walks", frames=int(10 * model.fps))
    rows = [
        (
            f"a person walks, 10 s\nseconds {2 * k}-{2 * k + 2}",
            walk10[int(2 * k * model.fps) : int((2 * k + 2) * model.fps)],
        )
        for k in range(5)
    ]
    strip_rows(rows, OUT / "long_walk.png")

    direct = model.generate(["a person walks", "a person runs"], bank_weight=0.0)
    strip_rows(
        [
            ("walks, text decoded\ndirectly (paper)", direct[0]),
            ("walks, via the\nlatent bank (default)", model.generate("a person walks")),
            ("runs, text decoded\ndirectly (paper)", direct[1]),
            ("runs, via the\nlatent bank (default)", model.generate("a person runs")),
        ],
        OUT / "direct_vs_bank.png",
    )

    render_motion(
        model.generate("a person waves both hands"),
        OUT / "wave.gif",
        config=RenderConfig(width=240, height=240),
        caption="a person waves both hands",
    )


if __name__ == "__main__":
    main()
