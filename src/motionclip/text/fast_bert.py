"""Fast-start inference for mean-pooled BERT sentence encoders (all-MiniLM-L6-v2).

``import sentence_transformers`` (and ``transformers``) takes 4-8 s on a 2-core CPU, longer
than the whole text-to-motion call is allowed to take. A BERT encoder layer is exactly
PyTorch's post-norm ``nn.TransformerEncoderLayer`` with GELU, so this module maps the
checkpoint's weights onto PyTorch's own layers, tokenises with the Rust ``tokenizers``
library (imports in milliseconds) and mean-pools + L2-normalises as the model's
sentence-transformers config prescribes. ``tests/text/test_fast_bert.py`` checks that it
matches sentence-transformers to 1e-5. Models of any other shape use sentence-transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


def supports(path: Path) -> bool:
    """True for a local sentence-transformers dir = BERT + mean pooling (+ normalize)."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        config = json.loads((path / "config.json").read_text())
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    types = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    return (
        types[:2] == ["Transformer", "Pooling"]
        and set(types[2:]) <= {"Normalize"}
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and pooling.get("pooling_mode_mean_tokens") is True
        and not any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens"))
        and (path / "tokenizer.json").is_file()
        and (path / "model.safetensors").is_file()
    )


class FastSentenceBert(nn.Module):
    """BERT embeddings + encoder on PyTorch layers, mean pooling, optional L2 norm."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((path / "config.json").read_text())
        modules = json.loads((path / "modules.json").read_text())
        st_cfg_file = path / "sentence_bert_config.json"
        max_len = json.loads(st_cfg_file.read_text()).get("max_seq_length", 256) if st_cfg_file.exists() else 256
        self.normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=min(max_len, cfg["max_position_embeddings"]))
        self.tokenizer.enable_padding(pad_id=cfg.get("pad_token_id", 0))
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.word = nn.Embedding(cfg["vocab_size"], d)
        self.position = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type = nn.Embedding(cfg["type_vocab_size"], d)
        self.norm = nn.LayerNorm(d, eps=eps)
        layer = nn.TransformerEncoderLayer(
            d, cfg["num_attention_heads"], cfg["intermediate_size"], dropout=0.0,
            activation="gelu", layer_norm_eps=eps, batch_first=True, norm_first=False,
        )  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, cfg["num_hidden_layers"], enable_nested_tensor=False)
        self._load(load_file(str(path / "model.safetensors")), cfg["num_hidden_layers"])
        self.eval()

    def _load(self, w: dict[str, torch.Tensor], layers: int) -> None:
        def get(key: str) -> torch.Tensor:
            value = w.get(key, w.get(f"bert.{key}"))  # some exports prefix "bert."
            if value is None:
                raise KeyError(f"weight {key!r} missing from the BERT checkpoint")
            return value

        state = {
            "word.weight": get("embeddings.word_embeddings.weight"),
            "position.weight": get("embeddings.position_embeddings.weight"),
            "token_type.weight": get("embeddings.token_type_embeddings.weight"),
            "norm.weight": get("embeddings.LayerNorm.weight"),
            "norm.bias": get("embeddings.LayerNorm.bias"),
        }
        for i in range(layers):
            src, dst = f"encoder.layer.{i}.", f"encoder.layers.{i}."
            att = src + "attention."
            state[dst + "self_attn.in_proj_weight"] = torch.cat(
                [get(att + f"self.{n}.weight") for n in ("query", "key", "value")]
            )
            state[dst + "self_attn.in_proj_bias"] = torch.cat(
                [get(att + f"self.{n}.bias") for n in ("query", "key", "value")]
            )
            state[dst + "self_attn.out_proj.weight"] = get(att + "output.dense.weight")
            state[dst + "self_attn.out_proj.bias"] = get(att + "output.dense.bias")
            state[dst + "norm1.weight"] = get(att + "output.LayerNorm.weight")
            state[dst + "norm1.bias"] = get(att + "output.LayerNorm.bias")
            state[dst + "linear1.weight"] = get(src + "intermediate.dense.weight")
            state[dst + "linear1.bias"] = get(src + "intermediate.dense.bias")
            state[dst + "linear2.weight"] = get(src + "output.dense.weight")
            state[dst + "linear2.bias"] = get(src + "output.dense.bias")
            state[dst + "norm2.weight"] = get(src + "output.LayerNorm.weight")
            state[dst + "norm2.bias"] = get(src + "output.LayerNorm.bias")
        self.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)

    @torch.inference_mode()
    def encode(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        out = []
        for start in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch(texts[start : start + batch_size])
            ids = torch.tensor([e.ids for e in enc])
            types = torch.tensor([e.type_ids for e in enc])
            mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.bool)
            pos = torch.arange(ids.shape[1])[None]
            x = self.norm(self.word(ids) + self.position(pos) + self.token_type(types))
            x = self.encoder(x, src_key_padding_mask=~mask)
            m = mask[..., None].float()
            emb = (x * m).sum(1) / m.sum(1).clamp_min(1e-9)
            out.append(F.normalize(emb, dim=-1) if self.normalize else emb)
        return torch.cat(out).clone()
