"""Fast-start inference for mean-pooled BERT sentence encoders (all-MiniLM-L6-v2).

``import sentence_transformers`` (and ``transformers``) takes 4-8 s on a 2-core CPU, longer
than the whole text-to-motion call is allowed to take. A BERT encoder layer is exactly a
post-norm transformer layer with GELU, so this module runs the checkpoint's weights through
PyTorch's functional ops (``scaled_dot_product_attention``, ``layer_norm``), tokenises with the
Rust ``tokenizers`` library (imports in milliseconds) and mean-pools + L2-normalises as the
model's sentence-transformers config prescribes. ``tests/text/test_fast_bert.py`` checks that it
matches sentence-transformers to 1e-5. Models of any other shape use sentence-transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F


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


class FastSentenceBert:
    """BERT embeddings + post-norm encoder layers, mean pooling, optional L2 norm.

    The forward pass is written with ``torch.nn.functional`` on the checkpoint's own tensors
    rather than on ``nn`` modules: building modules first initialises ~90 MB of random weights
    that loading then overwrites, and that initialisation was half of a cold ``generate``'s
    memory growth. ``safetensors`` maps the file lazily, so the weights are read on first use.
    """

    def __init__(self, path: Path) -> None:
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
        self.heads, self.eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
        if cfg["hidden_size"] % self.heads:
            raise ValueError(f"hidden_size {cfg['hidden_size']} is not a multiple of {self.heads} heads")
        self._weights(load_file(str(path / "model.safetensors")), cfg["num_hidden_layers"])

    def _weights(self, w: dict[str, torch.Tensor], layers: int) -> None:
        def get(key: str) -> torch.Tensor:
            value = w.get(key, w.get(f"bert.{key}"))  # some exports prefix "bert."
            if value is None:
                raise KeyError(f"weight {key!r} missing from the BERT checkpoint")
            return value.float()

        self.embeddings = [get(f"embeddings.{n}_embeddings.weight") for n in ("word", "position", "token_type")]
        self.embedding_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers: list[dict[str, torch.Tensor]] = []
        for i in range(layers):
            src = f"encoder.layer.{i}."
            att = src + "attention."
            qkv = ("query", "key", "value")
            self.layers.append(
                {
                    "qkv_w": torch.cat([get(att + f"self.{n}.weight") for n in qkv]),
                    "qkv_b": torch.cat([get(att + f"self.{n}.bias") for n in qkv]),
                    "out_w": get(att + "output.dense.weight"),
                    "out_b": get(att + "output.dense.bias"),
                    "norm1_w": get(att + "output.LayerNorm.weight"),
                    "norm1_b": get(att + "output.LayerNorm.bias"),
                    "up_w": get(src + "intermediate.dense.weight"),
                    "up_b": get(src + "intermediate.dense.bias"),
                    "down_w": get(src + "output.dense.weight"),
                    "down_b": get(src + "output.dense.bias"),
                    "norm2_w": get(src + "output.LayerNorm.weight"),
                    "norm2_b": get(src + "output.LayerNorm.bias"),
                }
            )

    def _layer(self, x: torch.Tensor, keep: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        """One BERT layer: x (B, T, D); keep (B, 1, 1, T) True on real tokens."""
        b, t, d = x.shape
        q, k, v = F.linear(x, p["qkv_w"], p["qkv_b"]).view(b, t, 3, self.heads, d // self.heads).unbind(2)
        a = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=keep)
        a = F.linear(a.transpose(1, 2).reshape(b, t, d), p["out_w"], p["out_b"])
        x = F.layer_norm(x + a, (d,), p["norm1_w"], p["norm1_b"], self.eps)
        h = F.linear(F.gelu(F.linear(x, p["up_w"], p["up_b"])), p["down_w"], p["down_b"])
        return F.layer_norm(x + h, (d,), p["norm2_w"], p["norm2_b"], self.eps)

    @torch.inference_mode()
    def encode(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        out = []
        word, position, token_type = self.embeddings
        for start in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch(texts[start : start + batch_size])
            ids = torch.tensor([e.ids for e in enc])
            types = torch.tensor([e.type_ids for e in enc])
            mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.bool)
            x = F.embedding(ids, word) + position[: ids.shape[1]][None] + F.embedding(types, token_type)
            x = F.layer_norm(x, (x.shape[-1],), *self.embedding_norm, self.eps)
            keep = mask[:, None, None, :]
            for p in self.layers:
                x = self._layer(x, keep, p)
            m = mask[..., None].float()
            emb = (x * m).sum(1) / m.sum(1).clamp_min(1e-9)
            out.append(F.normalize(emb, dim=-1) if self.normalize else emb)
        return torch.cat(out).clone()
