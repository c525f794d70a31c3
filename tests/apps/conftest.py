"""Session fixtures for the application and evaluation tests (built once, reused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def model(tiny_checkpoint: Path) -> Any:
    """The tiny trained model, loaded once (its MiniLM backend too)."""
    import motionclip

    return motionclip.load(str(tiny_checkpoint))


@pytest.fixture(scope="session")
def motion_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A walk as BVH and a left-hand wave as npz, on the synthetic skeleton."""
    from synthetic import make_motion

    from motionclip.data.io import write_motion

    d = tmp_path_factory.mktemp("motions")
    return {
        "walk": write_motion(make_motion("walk", 30), d / "walk.bvh"),
        "wave": write_motion(make_motion("wave-left-hand", 30), d / "wave.npz"),
        "long": write_motion(make_motion("walk", 100, heading_deg=30.0), d / "long.bvh.gz"),
    }


@pytest.fixture(scope="session")
def judge_file(synthetic_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from motionclip.apps.eval.judge import train_judge

    out = tmp_path_factory.mktemp("judge") / "judge.safetensors"
    train_judge(synthetic_cache, out, epochs=3, progress=False, log=lambda *_: None)
    return out


@pytest.fixture()
def cached_model(monkeypatch: pytest.MonkeyPatch, model: Any) -> Any:
    """Make CLI commands reuse the session model instead of reloading it per call."""
    import motionclip.cli.common as common

    monkeypatch.setattr(common, "load_model", lambda checkpoint, backend_model=None: model)
    return model
