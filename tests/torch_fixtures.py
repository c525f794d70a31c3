"""Fixtures and hooks shared by the torch-heavy test folders (model/, training/, generation/):
a fresh copy of the tiny trained model, a tiny random CLIP, one torch thread per test.
Each folder's conftest.py imports them (a hook only applies to the folder whose conftest has it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _embedding_cache_env(embedding_cache_dir: Path) -> Iterator[None]:
    """Keep every text/image embedding these tests compute out of ~/.cache (and share hits between runs)."""
    old = os.environ.get("MOTIONCLIP_CACHE_DIR")
    os.environ["MOTIONCLIP_CACHE_DIR"] = str(embedding_cache_dir)
    yield
    if old is None:
        os.environ.pop("MOTIONCLIP_CACHE_DIR", None)
    else:
        os.environ["MOTIONCLIP_CACHE_DIR"] = old


_THREADS: list[int] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """One intra-op torch thread while a model test (and the session fixtures it builds) runs.

    On a busy 2-core CI box two spinning OpenMP threads make these tiny training steps ~15x
    slower. A hook in this conftest only sees items of this folder, and it runs before
    fixture setup, so ``tiny_checkpoint`` also trains single-threaded; the thread count is
    restored after each test, so other folders keep torch's default.
    """
    import torch

    _THREADS.append(torch.get_num_threads())
    torch.set_num_threads(1)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    import torch

    if _THREADS:
        torch.set_num_threads(_THREADS.pop())


@pytest.fixture
def tiny_model(tiny_checkpoint: Path):
    """A fresh (eval mode) load of the session's tiny checkpoint, safe to mutate."""
    from motionclip.generation import load_model

    return load_model(tiny_checkpoint)


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight tiny CLIP (dim 32) with the real tokenizer/preprocessor from ../shared."""
    from tiny_clip import build_tiny_clip, shared_clip_config_dir

    cfg = shared_clip_config_dir()
    if cfg is None:
        pytest.skip("../shared/models/clip-vit-base-patch32-config not available")
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"), cfg)
