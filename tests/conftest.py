"""Shared fixtures: a synthetic Bandai-style dataset, its cache, and a tiny trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The real data beside the project; tests skip only when it is absent."""
    if not (SHARED / "data" / "bandai-namco").is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthetic import write_bandai_like

    return write_bandai_like(tmp_path_factory.mktemp("bandai-like"))


@pytest.fixture(scope="session")
def synthetic_cache(synthetic_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from motionclip.data.config import DataConfig
    from motionclip.data.prepare import prepare_dataset

    out = tmp_path_factory.mktemp("cache") / "synthetic.safetensors"
    cfg = DataConfig(window=30, stride=10, val_fraction=0.25, test_fraction=0.25)
    prepare_dataset("bandai-namco", synthetic_root, out, cfg, workers=1, progress=False)
    return out


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="session")
def tiny_checkpoint(synthetic_cache: Path, tmp_path_factory: pytest.TempPathFactory, embedding_cache_dir: Path) -> Path:
    """A 1-layer model trained for a few steps on the synthetic set (real MiniLM backend)."""
    import os

    from synthetic import tiny_model_config

    from motionclip.training.config import TrainRunConfig
    from motionclip.training.run import train

    os.environ["MOTIONCLIP_CACHE_DIR"] = str(embedding_cache_dir)
    run = TrainRunConfig()
    run.model = tiny_model_config()
    run.train.max_steps = 30
    run.train.batch_size = 8
    run.train.lr = 1e-3
    run.train.checkpoint_every = 1000
    out = tmp_path_factory.mktemp("tiny-run")
    train(synthetic_cache, run, out, progress=False, log=lambda *_: None)
    return out / "model.safetensors"
