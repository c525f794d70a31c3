"""The checkpoint that ships inside the package (skipped while it has not been trained yet)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from motionclip.model.checkpoint import shipped_checkpoint

pytestmark = pytest.mark.skipif(not shipped_checkpoint().exists(), reason="no shipped checkpoint in assets/ yet")


def test_load_shipped() -> None:
    import motionclip

    model = motionclip.load()
    assert model.backend_name == "minilm" and model.latent_dim == 384
    assert model.cfg.num_layers >= 1 and not model.training
    assert model.skeleton.num_joints > 1 and model.window == 60


def test_generate_cli_with_shipped_checkpoint(tmp_path: Path) -> None:
    from motionclip import read_bvh

    exe = Path(sys.executable).with_name("motionclip")
    if not exe.exists():
        pytest.skip("the motionclip console script is not installed next to this python")
    out = tmp_path / "run.bvh"
    env = dict(os.environ, MOTIONCLIP_CACHE_DIR=str(tmp_path / "cold-cache"))  # cold: the text model loads
    started = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "generate", "a person runs", "--out", str(out)], env=env, capture_output=True, text=True, timeout=120
    )
    seconds = time.perf_counter() - started
    print(f"motionclip generate (cold process, cold text cache): {seconds:.2f} s wall")
    assert proc.returncode == 0, proc.stderr[-2000:]
    motion = read_bvh(out)
    assert len(motion) == 60
    # target: < 5 s on an idle machine; lenient here because CI boxes are shared and noisy
    assert seconds < 30, f"generate took {seconds:.1f} s (target: < 5 s on an idle machine)"
