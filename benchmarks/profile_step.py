"""Profile full training steps (torch.profiler) and print where the time goes.

Run:  python benchmarks/profile_step.py [--data data/bandai.safetensors] [--precision auto] [--steps 3]
      [key=value overrides on top of --preset shipped]

One step = batch from ``MotionWindows.__getitems__`` (jitter on), forward, every loss term,
backward and AdamW: the body of ``MotionCLIPModule.training_step``. Prints the top operators
by self CPU time and the share of matmul kernels (mm/addmm/bmm/linear) in the total.
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from motionclip.config import apply_overrides
from motionclip.data.dataset import MotionDataModule
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.config import ModelConfig
from motionclip.training.config import PRESETS, TrainRunConfig
from motionclip.training.lightning import MotionCLIPModule
from motionclip.training.losses import total_loss
from motionclip.training.precision import resolve_precision
from motionclip.training.setup import loss_scales

MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::_addmm_activation", "aten::baddbmm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/bandai.safetensors")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rows", type=int, default=15)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    run = TrainRunConfig()
    apply_overrides(run, [*PRESETS["shipped"], f"train.batch_size={args.batch}", *args.overrides])
    run.model.latent_dim = 384
    dm = MotionDataModule(args.data, args.batch, jitter=True)
    model = MotionCLIP(ModelConfig(run.model, fps=dm.cache.fps, window=dm.cache.window), dm.cache.skeleton, dm.stats)
    texts = torch.nn.functional.normalize(torch.randn(len(dm.cache.texts), 384), dim=-1)
    _, dtype, note = resolve_precision(args.precision, "cpu")
    module = MotionCLIPModule(model, run, texts, loss_scales=loss_scales(model, dm), autocast_dtype=dtype).train()
    opt = module.configure_optimizers()
    ds = dm.dataset("train")

    def step() -> None:
        batch = ds.__getitems__(torch.randint(len(ds), (args.batch,)).tolist())
        terms, _ = module._terms(batch)
        loss = total_loss(terms, run.loss)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in MATMUL_OPS)
    print(f"precision {note}; batch {args.batch}; {args.steps} steps; {torch.get_num_threads()} threads")
    print(f"self CPU total {total / 1e6 / args.steps:.2f} s/step; matmul kernels {100 * matmul / total:.0f}%")
    print(events.table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
