"""The fast-start MiniLM path must give the same embeddings as sentence-transformers."""

from __future__ import annotations

import torch

from motionclip.text.fast_bert import FastSentenceBert, supports
from motionclip.text.minilm import _load, bundled_minilm_dir


def test_fast_bert_matches_sentence_transformers() -> None:
    path = bundled_minilm_dir()
    assert supports(path)
    texts = ["a person walks", "An ELDERLY person walks and turns left, slowly!", "x", "run " * 300]
    fast = FastSentenceBert(path).encode(texts)
    reference = _load(path, "cpu").encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    assert fast.shape == (4, 384)
    assert torch.allclose(fast, reference, atol=1e-5)
    assert torch.allclose(fast.norm(dim=-1), torch.ones(4), atol=1e-5)


def test_unsupported_layout_is_detected(tmp_path) -> None:
    (tmp_path / "modules.json").write_text("[]")
    assert not supports(tmp_path)
