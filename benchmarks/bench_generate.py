"""Text-to-motion latency on CPU.

Run:  python benchmarks/bench_generate.py [--runs 30] [--cli-runs 3]

Measures, with 1 and 2 torch intra-op threads:
  decode      z (1, D) -> 60-frame Motion (decoder + 6D->matrix), p50/p95
  end-to-end  text -> Motion through ``model.generate`` with a *cache miss* every call (unique
              prompts, fresh embedding cache; the text model is already loaded), p50/p95
  bvh write   Motion -> .bvh file
and the start-up of a fresh process, ``motionclip generate PROMPT --out x.bvh`` (subprocess):
  cold        empty embedding cache: the MiniLM text model has to load
  warm        the prompt's embedding is cached on disk (a repeated prompt)

Uses the shipped checkpoint when present, else a freshly initialised model of the shipped
config (3 layers, latent 384, ff 1024) written to a temporary checkpoint; the output says which.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import motionclip
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.checkpoint import save_checkpoint, shipped_checkpoint
from motionclip.model.config import ModelConfig, TransformerConfig


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _fmt(values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return f"p50 {_pct(ms, 0.5):7.1f} ms  p95 {_pct(ms, 0.95):7.1f} ms  (mean {statistics.fmean(ms):.1f}, n={len(ms)})"


def model_under_test(tmp: Path) -> tuple[Path, str]:
    path = shipped_checkpoint()
    if path.exists():
        return path, f"shipped checkpoint {path.name}"
    from motionclip.data.cache import MotionCache

    data = Path("/tmp/bandai.safetensors")
    if data.exists():
        skeleton = MotionCache.load(data).skeleton
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from synthetic import skeleton as synthetic_skeleton

        skeleton = synthetic_skeleton()
    cfg = ModelConfig(TransformerConfig(latent_dim=384, num_layers=3, num_heads=4, ff_size=1024, dropout=0.1))
    torch.manual_seed(0)
    out = save_checkpoint(MotionCLIP(cfg, skeleton), tmp / "fresh.safetensors")
    return out, "FRESHLY INITIALISED model of the shipped config (no shipped checkpoint found)"


def time_calls(fn, runs: int, warmup: int = 3) -> list[float]:  # noqa: ANN001
    for i in range(warmup):
        fn(-1 - i)
    out = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def cli_runs(ckpt: Path, shipped: bool, runs: int, tmp: Path) -> tuple[list[float], list[float]]:
    exe = Path(sys.executable).with_name("motionclip")
    base = [str(exe), "generate"]
    extra = [] if shipped else ["--checkpoint", str(ckpt)]
    cold, warm = [], []
    warm_cache = tmp / "warm-cache"
    for i in range(runs):
        for kind, cache in (("cold", tmp / f"cold-cache-{i}"), ("warm", warm_cache)):
            if kind == "warm" and i == 0:  # fill the warm cache once, untimed
                env = dict(os.environ, MOTIONCLIP_CACHE_DIR=str(cache))
                subprocess.run([*base, "a person runs", "--out", str(tmp / "w.bvh"), *extra], env=env, check=True,
                               capture_output=True)  # fmt: skip
            env = dict(os.environ, MOTIONCLIP_CACHE_DIR=str(cache))
            t0 = time.perf_counter()
            proc = subprocess.run([*base, "a person runs", "--out", str(tmp / f"{kind}{i}.bvh"), *extra], env=env,
                                  capture_output=True, text=True)  # fmt: skip
            dt = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(f"motionclip generate failed:\n{proc.stderr[-2000:]}")
            (cold if kind == "cold" else warm).append(dt)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    ckpt, which = model_under_test(tmp)
    try:
        load = os.getloadavg()
        print(f"cpu: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    except OSError:
        pass
    print(f"model: {which}")
    model = motionclip.load(str(ckpt))
    print(f"  {model.cfg.num_layers} layers, latent {model.latent_dim}, ff {model.cfg.ff_size}, window {model.window}")
    from motionclip.text import get_backend

    backend = get_backend(model.backend_name, model=model.backend_model, cache_dir=tmp / "emb-cache")
    backend.load()
    model.set_backend(backend)
    z = torch.nn.functional.normalize(torch.randn(1, model.latent_dim), dim=-1)
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        dec = time_calls(lambda i: model.decode(z, 60), args.runs)
        e2e = time_calls(lambda i: model.generate(f"a person walks and turns, take {threads}-{i}", 60), args.runs)
        motion = model.decode(z, 60)[0]
        bvh = time_calls(lambda i: motionclip.write_bvh(motion, tmp / "x.bvh"), args.runs)
        print(f"threads={threads}")
        print(f"  decode (z -> 60 frames)        {_fmt(dec)}")
        print(f"  end-to-end (text miss -> mot.) {_fmt(e2e)}")
        print(f"  write .bvh                     {_fmt(bvh)}")
    if args.cli_runs > 0:
        cold, warm = cli_runs(ckpt, ckpt == shipped_checkpoint(), args.cli_runs, tmp)
        print(f"CLI `motionclip generate ... --out x.bvh`, fresh process ({args.cli_runs} runs each):")
        for label, runs in (("cold text cache (MiniLM loads)", cold), ("warm text cache               ", warm)):
            times = ", ".join(f"{s:.2f}" for s in runs)
            print(f"  {label}: {times} s  (median {statistics.median(runs):.2f} s)")


if __name__ == "__main__":
    main()
