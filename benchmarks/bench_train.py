"""Training throughput against the machine's matmul limit, for the shipped and paper configs.

Run:  python benchmarks/bench_train.py [--data data/bandai.safetensors] [--steps 20] [--warmup 5]

Prints, in one run: the measured bf16 and fp32 matmul peak (2048^2 matmuls, all torch
threads), then for each config and precision the throughput of FULL training steps --
a batch from the real training DataLoader (jitter on, batched ``__getitems__``), forward,
every loss term of the config's recipe (reconstruction, text cosine, contrastive and the
text-reconstruction branch when on), backward and a fused AdamW update: the body of
``MotionCLIPModule.training_step`` without Lightning's logging -- as windows/s and as
achieved TFLOP/s (FLOPs per window computed from the config, below) with its ratio to the
measured peak of that precision.

FLOPs per window (one window = T frames): per encoder layer and token (T+1 tokens)
4d^2 + 2*d*ff + 2*(T+1)*d multiply-adds; per decoder layer and frame 6d^2 + 2*d*ff + 2*T*d;
plus the input projection and output head (F*d each per frame). Training = 3x forward
(backward costs about twice the forward); the text-reconstruction branch adds one more
decoder pass. Attention softmax, norms, FK and the optimizer are not counted (they are
the overhead this benchmark exposes). Falls back to a synthetic dataset when the cache is
missing (the report says so).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from motionclip.config import apply_overrides
from motionclip.data.dataset import MotionDataModule, collate_batch
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.config import ModelConfig
from motionclip.training.config import PRESETS, TrainRunConfig
from motionclip.training.lightning import MotionCLIPModule
from motionclip.training.losses import total_loss
from motionclip.training.precision import resolve_precision
from motionclip.training.setup import loss_scales

CONFIGS = {
    "shipped": PRESETS["shipped"],
    "paper": [*PRESETS["shipped"], "model.num_layers=8"],
}


def matmul_peak(dtype: torch.dtype, n: int = 2048, seconds: float = 1.5) -> float:
    """Measured TFLOP/s of n x n matmuls in ``dtype``."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    for _ in range(3):
        a @ b
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e12


def flops_per_window(run: TrainRunConfig, features: int, frames: int) -> float:
    m = run.model
    d, ff, L, T = m.latent_dim, m.ff_size, m.num_layers, frames
    enc = L * (T + 1) * (4 * d * d + 2 * d * ff + 2 * (T + 1) * d) + T * features * d
    dec = L * T * (6 * d * d + 2 * d * ff + 2 * T * d) + T * d * features
    passes = enc + dec * (2 if run.loss.text_reconstruction > 0 else 1)
    return 3 * 2 * passes


def synthetic_cache() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from synthetic import write_bandai_like

    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    root = Path(tempfile.mkdtemp(prefix="bench-train-"))
    write_bandai_like(root / "data", takes_per_pair=6, frames=160)
    out = root / "synthetic.safetensors"
    prepare_dataset("bandai-namco", root / "data", out, DataConfig(), workers=1, progress=False)
    return out


def bench(dm: MotionDataModule, run: TrainRunConfig, precision: str, steps: int, warmup: int) -> dict[str, float]:
    torch.manual_seed(0)
    model = MotionCLIP(ModelConfig(run.model, fps=dm.cache.fps, window=dm.cache.window), dm.cache.skeleton, dm.stats)
    texts = torch.nn.functional.normalize(torch.randn(len(dm.cache.texts), run.model.latent_dim), dim=-1)
    _, dtype, _ = resolve_precision(precision, "cpu")
    module = MotionCLIPModule(model, run, texts, loss_scales=loss_scales(model, dm), autocast_dtype=dtype).train()
    opt = module.configure_optimizers()
    loader = torch.utils.data.DataLoader(
        dm.dataset("train"), batch_size=run.train.batch_size, shuffle=True, drop_last=True, collate_fn=collate_batch
    )
    it = iter(loader)
    data_s = step_s = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        try:
            b = next(it)
        except StopIteration:
            it = iter(loader)
            b = next(it)
        t1 = time.perf_counter()
        terms, _ = module._terms(b)
        loss = total_loss(terms, run.loss)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        t2 = time.perf_counter()
        if i >= warmup:
            data_s += t1 - t0
            step_s += t2 - t1
    n = steps * run.train.batch_size
    return {
        "windows_per_s": n / (data_s + step_s),
        "ms_per_step": 1000 * (data_s + step_s) / steps,
        "data_ms_per_step": 1000 * data_s / steps,
        "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/bandai.safetensors")
    parser.add_argument("--configs", default="shipped,paper")
    parser.add_argument("--precisions", default="bf16-mixed,32-true")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    data = Path(args.data)
    source = f"real windows from {data}"
    if not data.exists():
        data = synthetic_cache()
        source = f"SYNTHETIC windows ({data}); {args.data} not found"
    dm = MotionDataModule(data, batch_size=args.batch, jitter=True)
    dm.cache.frame_positions  # computed once per run, as in training
    print(f"data: {source}; {len(dm.cache.window_indices('train'))} training windows of {dm.cache.window} frames")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f}; batch {args.batch}; {args.warmup} warm-up + {args.steps} timed steps"
    )
    peaks = {"bf16-mixed": matmul_peak(torch.bfloat16), "32-true": matmul_peak(torch.float32)}
    print(f"matmul peak: bf16 {peaks['bf16-mixed']:.2f} TFLOP/s, fp32 {peaks['32-true']:.2f} TFLOP/s")
    for name in args.configs.split(","):
        run = TrainRunConfig()
        apply_overrides(run, [*CONFIGS[name], f"train.batch_size={args.batch}"])
        run.model.latent_dim = 384
        fpw = flops_per_window(run, dm.cache.skeleton.num_joints * 6 + 3, dm.cache.window)
        for precision in args.precisions.split(","):
            r = bench(dm, run, precision, args.steps, args.warmup)
            tflops = r["windows_per_s"] * fpw / 1e12
            print(
                f"{name:8s} ({run.model.num_layers}+{run.model.num_layers} layers, {r['params_m']:.1f} M params, "
                f"{fpw / 1e9:.2f} GFLOP/window) {precision:10s}: {r['windows_per_s']:6.1f} windows/s "
                f"({r['ms_per_step']:5.0f} ms/step, data {r['data_ms_per_step']:3.0f} ms) = {tflops:.2f} TFLOP/s, "
                f"{100 * tflops / peaks[precision]:.0f}% of the {precision} matmul peak"
            )


if __name__ == "__main__":
    main()
