"""The paper's transformer encoder and decoder (ACTOR-style, without the VAE)."""

from __future__ import annotations

import math

import torch
from torch import nn

from motionclip.model.config import TransformerConfig


class SinusoidalPositions(nn.Module):
    """Fixed sinusoidal positional encoding (Vaswani et al.)."""

    table: torch.Tensor  # (max_len, dim) buffer

    def __init__(self, dim: int, max_len: int) -> None:
        super().__init__()
        self.dim, self.max_len = dim, max_len
        self.register_buffer("table", self.build(), persistent=False)

    def build(self) -> torch.Tensor:
        """The (max_len, dim) table; also used to refill it after meta-device loading."""
        position = torch.arange(self.max_len, dtype=torch.float32)[:, None]
        div = torch.exp(torch.arange(0, self.dim, 2, dtype=torch.float32) * (-math.log(10000.0) / self.dim))
        table = torch.zeros(self.max_len, self.dim)
        table[:, 0::2] = torch.sin(position * div)
        table[:, 1::2] = torch.cos(position * div[: self.dim // 2])
        return table

    def forward(self, length: int, offset: int = 0) -> torch.Tensor:
        if offset + length > self.table.shape[0]:
            raise ValueError(f"sequence of {offset + length} frames exceeds max_frames={self.table.shape[0]}")
        return self.table[offset : offset + length]


class MotionEncoder(nn.Module):
    """Per-frame linear projection + positional encoding + learned prefix token.

    The prefix token's output is the motion latent ``z``.
    """

    def __init__(self, features: int, cfg: TransformerConfig) -> None:
        super().__init__()
        d = cfg.latent_dim
        self.project = nn.Linear(features, d)
        self.prefix = nn.Parameter(torch.randn(d) * 0.02)
        self.positions = SinusoidalPositions(d, cfg.max_frames + 1)
        layer = nn.TransformerEncoderLayer(d, cfg.num_heads, cfg.ff_size, cfg.dropout, cfg.activation, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.num_layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, F) normalised frames; mask (B, T) True where a frame is valid."""
        b, t, _ = x.shape
        tokens = torch.cat([self.prefix.expand(b, 1, -1), self.project(x)], dim=1)
        tokens = tokens + self.positions(t + 1)
        pad = None
        if mask is not None:
            pad = torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=x.device), ~mask], dim=1)
        return self.layers(tokens, src_key_padding_mask=pad)[:, 0]


class MotionDecoder(nn.Module):
    """Queries = positional encodings of frames 1..T; memory = z; linear head to poses."""

    def __init__(self, features: int, cfg: TransformerConfig) -> None:
        super().__init__()
        d = cfg.latent_dim
        self.positions = SinusoidalPositions(d, cfg.max_frames + 1)
        layer = nn.TransformerDecoderLayer(d, cfg.num_heads, cfg.ff_size, cfg.dropout, cfg.activation, batch_first=True)
        self.layers = nn.TransformerDecoder(layer, cfg.num_layers)
        self.head = nn.Linear(d, features)

    def forward(self, z: torch.Tensor, frames: int, mask: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> (B, frames, F) normalised frames; ``mask`` (B, frames) True where a
        frame is real (padded frames are kept out of self-attention)."""
        b = z.shape[0]
        queries = self.positions(frames, offset=1).expand(b, -1, -1)
        pad = None if mask is None else ~mask
        return self.head(self.layers(queries, z[:, None, :], tgt_key_padding_mask=pad))
