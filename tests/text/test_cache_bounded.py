"""The embedding disk cache stays under its size cap, evicting least recently used entries."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from motionclip.text.cache import CACHE_MAX_ENV, DEFAULT_MAX_BYTES, EmbeddingCache, default_max_bytes
from motionclip.text.keys import text_key

ENTRY = 384 * 4 + 128  # one float32 MiniLM vector as .npy


def _fill(cache: EmbeddingCache, texts: list[str]) -> None:
    for t in texts:
        cache.put(text_key(t), np.full(384, len(t), dtype=np.float32))


def test_cache_stays_under_its_cap(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "ns", max_bytes=40 * ENTRY)
    _fill(cache, [f"prompt {i}" for i in range(300)])
    assert cache.size_bytes() <= 40 * ENTRY * 1.06  # trimmed every 1/20 of the cap
    assert 20 <= len(cache) <= 43
    other = EmbeddingCache(tmp_path, "other-backend", max_bytes=40 * ENTRY)  # the cap covers every namespace
    _fill(other, [f"text {i}" for i in range(100)])
    assert other.size_bytes() <= 40 * ENTRY * 1.06


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "ns", max_bytes=20 * ENTRY)
    old = [f"old {i}" for i in range(10)]
    _fill(cache, old)
    past = time.time() - 10 * 3600
    for i, t in enumerate(old):  # written hours ago, oldest first
        os.utime(cache._path(text_key(t)), (past + i, past + i))
    assert cache.get(text_key("old 0")) is not None  # a hit makes the oldest the most recent
    _fill(cache, [f"new {i}" for i in range(15)])
    assert text_key("old 0") in cache
    assert text_key("old 1") not in cache


def test_cap_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_MAX_ENV, "2.5")
    assert default_max_bytes() == int(2.5 * 2**20)
    monkeypatch.setenv(CACHE_MAX_ENV, "unlimited")
    assert default_max_bytes() is None
    for bad in ("-1", "nan", "lots"):
        monkeypatch.setenv(CACHE_MAX_ENV, bad)
        with pytest.warns(UserWarning, match=CACHE_MAX_ENV):
            assert default_max_bytes() == DEFAULT_MAX_BYTES
