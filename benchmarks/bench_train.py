"""Training throughput (windows/s) on CPU for the shipped and the paper model configs.

Run:  python benchmarks/bench_train.py [--data /tmp/bandai.safetensors] [--steps 10] [--warmup 3]

What one step is: a batch from the real training DataLoader (random jitter, as in training),
forward (encoder + decoder + differentiable FK of prediction and target), the paper's losses
(rotation, position, velocity, text cosine), backward and an AdamW update -- i.e. the body of
``MotionCLIPModule.training_step`` without Lightning's bookkeeping. Text embeddings are random
unit vectors of the latent size (their cost is an index lookup either way).

Configs:
  shipped     3 layers, latent 384 (MiniLM), ff 1024, 4 heads, batch 32
  paper       8 layers, latent 384 (MiniLM: the project's default backend), ff 1024, 4 heads, batch 32
  paper-clip  8 layers, latent 512 (CLIP ViT-B/32, as in the paper), ff 1024, 4 heads, batch 32
Each is timed with 1 and 2 torch intra-op threads. Falls back to a synthetic dataset when the
cache is missing (say so in reports).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from motionclip.config import ModelConfig, TrainRunConfig
from motionclip.data.dataset import MotionDataModule
from motionclip.model.lightning import MotionCLIPModule
from motionclip.model.losses import total_loss
from motionclip.model.motionclip import MotionCLIP

CONFIGS = {
    "shipped": ModelConfig(latent_dim=384, num_layers=3, num_heads=4, ff_size=1024, dropout=0.1),
    "paper": ModelConfig(latent_dim=384, num_layers=8, num_heads=4, ff_size=1024, dropout=0.1),
    "paper-clip": ModelConfig(latent_dim=512, num_layers=8, num_heads=4, ff_size=1024, dropout=0.1),
}


def synthetic_cache() -> Path:
    """A small Bandai-like dataset built by the test helpers (when the real cache is absent)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from synthetic import write_bandai_like

    from motionclip.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    root = Path(tempfile.mkdtemp(prefix="bench-train-"))
    write_bandai_like(root / "data", takes_per_pair=6, frames=160)
    out = root / "synthetic.safetensors"
    prepare_dataset("bandai-namco", root / "data", out, DataConfig(), workers=1, progress=False)
    return out


def bench(dm: MotionDataModule, cfg: ModelConfig, batch: int, steps: int, warmup: int) -> dict[str, float]:
    run = TrainRunConfig(model=cfg)
    torch.manual_seed(0)
    model = MotionCLIP(cfg, dm.cache.skeleton, dm.stats, fps=dm.cache.fps, window=dm.cache.window)
    texts = torch.nn.functional.normalize(torch.randn(len(dm.cache.texts), cfg.latent_dim), dim=-1)
    module = MotionCLIPModule(model, run, texts).train()
    opt = module.configure_optimizers()
    loader = iter(torch.utils.data.DataLoader(dm.dataset("train"), batch_size=batch, shuffle=True, drop_last=True))
    data_s = step_s = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        b = next(loader)
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
    n = steps * batch
    return {
        "windows_per_s": n / (data_s + step_s),
        "compute_windows_per_s": n / step_s,
        "ms_per_step": 1000 * (data_s + step_s) / steps,
        "data_ms_per_step": 1000 * data_s / steps,
        "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/bandai.safetensors")
    parser.add_argument("--configs", default="shipped,paper,paper-clip")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    data = Path(args.data)
    source = f"real windows from {data}"
    if not data.exists():
        data = synthetic_cache()
        source = f"SYNTHETIC windows ({data}); {args.data} not found"
    dm = MotionDataModule(data, batch_size=args.batch, jitter=True)
    n_train = len(dm.cache.window_indices("train"))
    print(f"data: {source}; {n_train} training windows of {dm.cache.window} frames, {dm.cache.skeleton.num_joints} joints")
    try:
        load = os.getloadavg()
        print(f"cpu: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    except OSError:
        pass
    print(f"torch {torch.__version__}; batch {args.batch}; {args.warmup} warm-up + {args.steps} timed steps")
    for name in args.configs.split(","):
        cfg = CONFIGS[name]
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            r = bench(dm, cfg, args.batch, args.steps, args.warmup)
            epoch_min = n_train / r["windows_per_s"] / 60
            print(
                f"{name:10s} ({cfg.num_layers} layers, latent {cfg.latent_dim}, ff {cfg.ff_size}, "
                f"{r['params_m']:.1f} M params) threads={threads}: {r['windows_per_s']:7.1f} windows/s "
                f"({r['ms_per_step']:6.0f} ms/step, data {r['data_ms_per_step']:4.0f} ms; "
                f"compute only {r['compute_windows_per_s']:7.1f} windows/s) -> {epoch_min:5.1f} min/epoch"
            )


if __name__ == "__main__":
    main()
