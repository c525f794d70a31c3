"""Disk cache: batched lookups, persistence, atomic/concurrent writes, cache_dir semantics."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from motionclip.text import EmbeddingCache
from motionclip.text.cache import default_cache_dir, resolve_cache_dir
from motionclip.text.keys import image_key, text_key


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _temp_files(root: Path) -> list[Path]:
    return [p for p in _files(root) if p.name.startswith(".tmp")]


def test_hits_skip_the_encoder_and_only_misses_are_encoded(fake_backend, tmp_path):
    backend = fake_backend(cache_dir=tmp_path)
    first = backend.encode_text(["walk", "run"])
    assert backend.calls == [["walk", "run"]]
    again = backend.encode_text(["run", "jump", "walk", "jump"])
    assert backend.calls[-1] == ["jump"]  # one call, unique misses only
    torch.testing.assert_close(again[0], first[1])
    torch.testing.assert_close(again[2], first[0])
    torch.testing.assert_close(again[1], again[3])
    backend.encode_text(["walk", "run", "jump"])
    assert len(backend.calls) == 2


def test_cache_persists_across_instances(fake_backend, tmp_path):
    first = fake_backend(cache_dir=tmp_path).encode_text(["a person walks"])
    other = fake_backend(cache_dir=tmp_path)
    torch.testing.assert_close(other.encode_text(["a person walks"]), first)
    assert other.calls == []


def test_cached_and_uncached_results_match(fake_backend, tmp_path):
    texts = ["a", "b", "a"]
    cached = fake_backend(cache_dir=tmp_path)
    cached.encode_text(texts)
    torch.testing.assert_close(cached.encode_text(texts), fake_backend(cache_dir=False).encode_text(texts))


def test_namespaces_do_not_mix(fake_backend, tmp_path):
    fake_backend(cache_dir=tmp_path, model_id="v1").encode_text(["x"])
    other = fake_backend(cache_dir=tmp_path, model_id="v2")
    other.encode_text(["x"])
    assert other.calls == [["x"]]


def test_wrong_sized_entries_are_recomputed(fake_backend, tmp_path):
    fake_backend(cache_dir=tmp_path, dim=8).encode_text(["x"])
    bigger = fake_backend(cache_dir=tmp_path, dim=16)  # same namespace, different size
    assert bigger.encode_text(["x"]).shape == (1, 16)
    assert bigger.calls == [["x"]]


def test_writes_leave_no_temp_files(fake_backend, tmp_path):
    backend = fake_backend(cache_dir=tmp_path)
    backend.encode_text([f"sentence {i}" for i in range(20)])
    assert len(backend.cache) == 20
    assert _temp_files(tmp_path) == []
    assert (backend.cache.directory / "NAMESPACE").read_text().startswith("fake/fake-v1")


def test_corrupt_entry_is_a_miss_and_gets_rewritten(fake_backend, tmp_path):
    backend = fake_backend(cache_dir=tmp_path)
    good = backend.encode_text(["x"])
    entry = backend.cache._path(text_key("x"))
    entry.write_bytes(b"\x93NUMPY truncated")
    torch.testing.assert_close(backend.encode_text(["x"]), good)
    assert len(backend.calls) == 2
    assert np.load(entry).shape == (backend.dim,)


def test_cache_dir_false_disables_caching(fake_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(tmp_path / "env"))
    backend = fake_backend(cache_dir=False)
    assert backend.cache is None
    backend.encode_text(["a"])
    backend.encode_text(["a"])
    assert len(backend.calls) == 2
    assert not (tmp_path / "env").exists()


def test_default_dir_comes_from_env(fake_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(tmp_path / "env"))
    backend = fake_backend()  # cache_dir=None -> default
    backend.encode_text(["a"])
    assert backend.cache.root == tmp_path / "env"
    assert _files(tmp_path / "env")


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("MOTIONCLIP_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "motionclip" / "embeddings"
    assert resolve_cache_dir(None) == resolve_cache_dir(True) == default_cache_dir()
    assert resolve_cache_dir(False) is None
    assert resolve_cache_dir(tmp_path) == tmp_path
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", "off")
    assert resolve_cache_dir(None) is None


def test_unwritable_cache_warns_and_still_encodes(fake_backend, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    backend = fake_backend(cache_dir=blocker / "cache")
    with pytest.warns(UserWarning, match="embedding cache disabled"):
        out = backend.encode_text(["a", "b"])
    assert out.shape == (2, backend.dim)


def test_image_keys_depend_on_pixels_mode_and_size():
    a = Image.new("RGB", (4, 4), (10, 20, 30))
    assert image_key(a) == image_key(a.copy())
    b = a.copy()
    b.putpixel((0, 0), (10, 20, 31))
    assert image_key(b) != image_key(a)
    assert image_key(a.convert("RGBA")) != image_key(a)
    assert image_key(Image.new("RGB", (2, 8), (10, 20, 30))) != image_key(a)
    assert text_key("a") != text_key("a ")


def _hammer(root: str, worker: int) -> None:
    cache = EmbeddingCache(root, "race")
    for rep in range(30):
        keys = [text_key(f"t{i}") for i in range(10)]
        cache.put_many(keys, np.full((10, 4), float(rep % 3), dtype=np.float32))
        for row in cache.get_many(keys):
            assert row is None or row.shape == (4,)


def test_concurrent_writers_never_expose_partial_files(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    cache = EmbeddingCache(tmp_path, "race")
    assert len(cache) == 10
    assert all(row is not None for row in cache.get_many([text_key(f"t{i}") for i in range(10)]))
    assert _temp_files(tmp_path) == []
