"""The default MiniLM backend (real bundled weights, fully offline)."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from motionclip.text import BackendError, ImageNotSupportedError, MiniLMBackend, get_backend


@pytest.fixture(scope="module")
def minilm() -> MiniLMBackend:
    backend = get_backend("minilm", cache_dir=False)
    backend.load()  # memoised per process: later instances reuse the weights
    return backend


def test_is_the_default_backend():
    backend = get_backend()
    assert isinstance(backend, MiniLMBackend)
    assert backend.name == "minilm" and backend.dim == 384 and backend.has_image is False


def test_shape_dtype_and_unit_norm(minilm):
    out = minilm.encode_text(["a person walks", "a man punches", "someone jumps twice"])
    assert out.shape == (3, 384) and out.dtype == torch.float32 and out.device.type == "cpu"
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))
    assert not out.requires_grad


def test_similar_sentences_are_closer(minilm):
    walk, walking, punch = minilm.encode_text(["a person walks", "someone is walking", "a man punches"])
    assert walk @ walking > walk @ punch + 0.1
    assert walk @ walking > walking @ punch + 0.1


def test_batch_and_single_agree(minilm):
    texts = ["a person walks", "a person walks slowly in a circle and then sits down"]
    batch = minilm.encode_text(texts)
    single = torch.cat([minilm.encode_text([t]) for t in texts])
    torch.testing.assert_close(batch, single, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("bad", [[], [""], ["ok", "  "], "a person walks"])
def test_empty_or_malformed_text_errors(minilm, bad):
    with pytest.raises(BackendError):
        minilm.encode_text(bad)


def test_encode_image_errors_clearly(minilm):
    with pytest.raises(ImageNotSupportedError, match="text only.*clip"):
        minilm.encode_image([Image.new("RGB", (32, 32))])


def test_cache_hit_avoids_reencoding_and_persists(minilm, tmp_path, monkeypatch):
    calls: list[list[str]] = []
    original = MiniLMBackend._encode_texts

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(MiniLMBackend, "_encode_texts", counting)
    first = MiniLMBackend(cache_dir=tmp_path)
    a = first.encode_text(["a person walks", "a man punches"])
    b = first.encode_text(["a man punches", "a person walks", "someone waves"])
    assert calls == [["a person walks", "a man punches"], ["someone waves"]]
    torch.testing.assert_close(b[:2], a.flip(0))

    second = MiniLMBackend(cache_dir=tmp_path)  # fresh instance, same disk cache
    c = second.encode_text(["someone waves", "a person walks"])
    assert len(calls) == 2
    torch.testing.assert_close(c[1], a[0])
    torch.testing.assert_close(a, minilm.encode_text(["a person walks", "a man punches"]), atol=1e-6, rtol=1e-5)
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp")]


def test_custom_model_must_be_a_local_sentence_transformers_dir(tmp_path):
    with pytest.raises(BackendError, match="modules.json"):
        get_backend("minilm", model=tmp_path)
