"""Distributed data parallel on two CPU processes through the real ``motionclip`` entry point."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_ddp_two_cpu_processes(
    synthetic_cache: Path, tiny_checkpoint: Path, embedding_cache_dir: Path, tmp_path: Path
) -> None:
    exe = Path(sys.executable).with_name("motionclip")
    if not exe.exists():
        pytest.skip("the motionclip console script is not installed next to this python")
    out = tmp_path / "ddp"
    cmd = [
        str(exe), "train", "--data", str(synthetic_cache), "--out", str(out), "--no-progress",
        "--devices", "2", "--strategy", "ddp",
        "model.num_layers=1", "model.ff_size=64", "train.batch_size=8", "train.max_steps=2", "train.log_every=1",
    ]  # fmt: skip
    env = dict(os.environ)
    env.update(
        MOTIONCLIP_CACHE_DIR=str(embedding_cache_dir),  # warmed by tiny_checkpoint: no model load per rank
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(_free_port()),
        OMP_NUM_THREADS="1",
        PYTHONWARNINGS="ignore",
    )
    env.pop("LOCAL_RANK", None)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - started
    print(f"DDP 2x CPU run: {seconds:.1f} s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "model.safetensors").is_file()
    assert "done: 2 steps" in proc.stderr
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["global_step"] == 2 and summary["config"]["train"]["devices"] == 2
    assert summary["config"]["train"]["strategy"] == "ddp"
    import motionclip

    assert motionclip.load(str(out)).latent_dim == 384
