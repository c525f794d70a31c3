"""PyTorch ``Dataset`` and Lightning ``DataModule`` over a cached dataset file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from motionclip.data.cache import MotionCache
from motionclip.errors import DatasetError


def feature_stats(rot6d: torch.Tensor, trans: torch.Tensor, eps: float = 1e-3) -> dict[str, torch.Tensor]:
    """Per-feature mean/std over all frames of (N, T, J, 6) rotations and (N, T, 3) translation."""
    rot = rot6d.reshape(-1, rot6d.shape[-2], 6)
    tr = trans.reshape(-1, 3)
    return {
        "rot_mean": rot.mean(0),
        "rot_std": rot.std(0).clamp_min(eps),
        "trans_mean": tr.mean(0),
        "trans_std": tr.std(0).clamp_min(eps),
    }


class MotionWindows(Dataset):
    """Windows of one split.

    With ``jitter`` (training) each item starts at a random offset within +-stride/2 of
    its stored start, and its text is a random phrasing of its labels; otherwise windows
    and texts are fixed (first phrasing), so validation is deterministic.
    """

    def __init__(
        self,
        cache: MotionCache,
        split: str,
        jitter: bool = False,
        image_embeddings: torch.Tensor | None = None,
    ) -> None:
        self.cache = cache
        self.split = split
        self.jitter = jitter
        self.indices = cache.window_indices(split)
        if len(self.indices) == 0:
            raise DatasetError(f"{cache.path}: split {split!r} has no windows")
        self.labels = cache.window_labels(self.indices)
        self.stride = int(cache.meta["config"]["stride"])
        self.image_embeddings = image_embeddings
        if not jitter:
            self._rot, self._trans = cache.windows(self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, Any]:
        window = int(self.indices[i])
        take = int(self.labels["take"][i])
        pair = int(self.labels["pair"][i])
        text_ids = self.cache.pair_text_ids[pair]
        if self.jitter:
            start = int(self.cache.tensors["window_start"][window])
            length = int(self.cache.tensors["take_length"][take])
            half = self.stride // 2
            lo, hi = max(0, start - half), min(length - self.cache.window, start + half)
            start = int(torch.randint(lo, hi + 1, ()).item())
            rot, trans = self.cache.clip(take, start)
            text_id = text_ids[int(torch.randint(len(text_ids), ()).item())]
        else:
            rot, trans = self._rot[i], self._trans[i]
            text_id = text_ids[0]
        item = {
            "rot6d": rot,
            "trans": trans,
            "offsets": self.cache.tensors["take_offsets"][take],
            "content": self.labels["content"][i],
            "style": self.labels["style"][i],
            "dataset": self.labels["dataset"][i],
            "text_id": torch.tensor(text_id),
            "window": torch.tensor(window),
        }
        if self.image_embeddings is not None:
            item["image_emb"] = self.image_embeddings[window]
        return item


class MotionDataModule(pl.LightningDataModule):
    """Train/val/test loaders plus normalisation statistics computed on train only."""

    def __init__(
        self,
        path: str | Path,
        batch_size: int = 32,
        num_workers: int = 0,
        jitter: bool = True,
        image_embeddings: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.jitter = jitter
        self.image_embeddings = image_embeddings
        self.cache = MotionCache.load(self.path)
        self._stats: dict[str, torch.Tensor] | None = None

    @property
    def stats(self) -> dict[str, torch.Tensor]:
        if self._stats is None:
            rot, trans = self.cache.windows(self.cache.window_indices("train"))
            self._stats = feature_stats(rot, trans)
        return self._stats

    def dataset(self, split: str) -> MotionWindows:
        return MotionWindows(
            self.cache, split, jitter=self.jitter and split == "train", image_embeddings=self.image_embeddings
        )

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        return DataLoader(
            self.dataset(split),
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            drop_last=shuffle and len(self.cache.window_indices(split)) > self.batch_size,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
