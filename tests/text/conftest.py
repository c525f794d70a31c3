"""Fixtures for the embedding-backend tests.

Other test directories can reuse the tiny CLIP the same way: call
``tiny_clip.build_tiny_clip`` from their own session fixture
(see that module's docstring), or copy ``tiny_clip_dir`` below.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from tiny_clip import build_tiny_clip, shared_clip_config_dir

from motionclip.text.base import EmbeddingBackend
from motionclip.text.cache import make_cache


@pytest.fixture(autouse=True)
def _isolated_embedding_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch ~/.cache during tests: the default cache dir points into tmp."""
    cache = tmp_path / "default-embedding-cache"
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="session")
def shared_clip_config() -> Path:
    """Real CLIP tokenizer/config files from ../shared; skip when that checkout lacks them."""
    found = shared_clip_config_dir()
    if found is None:
        pytest.skip("shared/models/clip-vit-base-patch32-config not found (set MOTIONCLIP_SHARED)")
    return found


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory, shared_clip_config: Path) -> Path:
    """A random-weight tiny CLIP saved like a real HF checkpoint, built once per session."""
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"), shared_clip_config, seed=0)


class FakeBackend(EmbeddingBackend):
    """Deterministic pseudo-embeddings derived from a hash; records every encoder call."""

    name = "fake"
    has_image = False

    def __init__(self, *, cache_dir: str | Path | bool | None = None, dim: int = 8, model_id: str = "fake-v1") -> None:
        super().__init__()
        self._dim = dim
        self._model_id = model_id
        self.calls: list[list[str]] = []
        self.cache = make_cache(cache_dir, self.cache_namespace)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return self._model_id

    def _encode_texts(self, texts: list[str]) -> torch.Tensor:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(torch.randn(self._dim, generator=torch.Generator().manual_seed(seed)) * 3.0)
        return torch.stack(rows)


@pytest.fixture
def fake_backend() -> Callable[..., FakeBackend]:
    """Factory for model-free backends (fast tests of validation and caching)."""
    return FakeBackend
