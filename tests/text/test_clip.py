"""The CLIP backend, exercised offline with a tiny random CLIP + the real tokenizer/preprocessor."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_clip import TINY_PROJECTION_DIM

from motionclip.text import BackendError, ClipBackend, get_backend


@pytest.fixture(scope="module")
def clip(tiny_clip_dir) -> ClipBackend:
    return get_backend("clip", model=tiny_clip_dir, cache_dir=False)


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [
        Image.fromarray(rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)),  # non-square RGB
        Image.new("L", (64, 64), 128),  # greyscale gets converted
        Image.new("RGBA", (300, 300), (255, 0, 0, 128)),
    ]


def test_identity_and_lazy_dim(tiny_clip_dir):
    backend = ClipBackend(tiny_clip_dir, cache_dir=False)
    assert backend.name == "clip" and backend.has_image is True
    assert backend.dim == TINY_PROJECTION_DIM  # read from config.json, no weights needed


def test_real_tokenisation(clip):
    ids = clip.tokenize(["a person walks"])["input_ids"][0].tolist()
    assert ids == [49406, 320, 2533, 8192, 49407]  # <|startoftext|> a person walks <|endoftext|>


def test_text_shape_and_norm(clip):
    out = clip.encode_text(["a person walks", "a man punches"])
    assert out.shape == (2, TINY_PROJECTION_DIM) and out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2))
    assert not torch.allclose(out[0], out[1])


def test_long_text_is_truncated(clip):
    long = "a person walks forward and then turns around " * 60
    assert clip.tokenize([long])["input_ids"].shape[1] == clip.max_length == 77
    assert clip.encode_text([long]).shape == (1, TINY_PROJECTION_DIM)


def test_image_shape_and_norm(clip):
    out = clip.encode_image(_images())
    assert out.shape == (3, TINY_PROJECTION_DIM) and out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))


def test_image_and_text_cache(tiny_clip_dir, tmp_path, monkeypatch):
    calls: list[str] = []
    for meth in ("_encode_texts", "_encode_images"):
        original = getattr(ClipBackend, meth)

        def counting(self, items, _orig=original, _name=meth):
            calls.append(_name)
            return _orig(self, items)

        monkeypatch.setattr(ClipBackend, meth, counting)
    a = ClipBackend(tiny_clip_dir, cache_dir=tmp_path)
    img1, txt1 = a.encode_image(_images()), a.encode_text(["a person walks"])
    b = ClipBackend(tiny_clip_dir, cache_dir=tmp_path)
    torch.testing.assert_close(b.encode_image(_images()), img1)
    torch.testing.assert_close(b.encode_text(["a person walks"]), txt1)
    assert calls == ["_encode_images", "_encode_texts"]


def test_missing_local_dir_gives_guidance(tmp_path):
    with pytest.raises(BackendError, match="does not exist.*--backend-model"):
        get_backend("clip", model=tmp_path / "no-such-dir")


def test_dir_without_weights_gives_guidance(shared_clip_config):
    backend = get_backend("clip", model=shared_clip_config, cache_dir=False)  # config only, no weights
    with pytest.raises(BackendError, match="(?s)could not load CLIP.*--backend-model DIR"):
        backend.encode_text(["a person walks"])


def test_offline_hub_id_gives_guidance(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    backend = get_backend("clip", model="motionclip-tests/not-a-cached-clip", cache_dir=False)
    with pytest.raises(BackendError, match="(?s)not-a-cached-clip.*hf download.*--backend-model DIR"):
        backend.load()
