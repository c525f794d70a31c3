"""PyTorch ``Dataset`` and Lightning ``DataModule`` over a cached dataset file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from motionclip.data.cache import MotionCache, canonical_points, canonical_window
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
    """Windows of one split, served a whole batch at a time.

    With ``jitter`` (training) each item starts at a random offset within +-stride/2 of
    its stored start, and its text is a random phrasing of its labels; otherwise windows
    and texts are fixed (first phrasing), so validation is deterministic.

    ``__getitems__`` gathers and canonicalises a batch with tensor ops (the DataLoader
    calls it instead of ``__getitem__`` per item), and every item carries its target joint
    positions (``positions``), taken from FK computed once per cache, so a training step
    runs FK only for its prediction.
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
        t = cache.tensors
        self._first_text = torch.tensor([ids[0] for ids in cache.pair_text_ids])
        self._n_texts = torch.tensor([len(ids) for ids in cache.pair_text_ids])
        stored = t["window_start"][self.indices]
        length = t["take_length"][self.labels["take"]]
        half = self.stride // 2
        self._lo = (stored - half).clamp_min(0)
        self._hi = torch.minimum(length - cache.window, stored + half)
        self._stored = stored

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {k: v[0] for k, v in self.__getitems__([i]).items()}

    def __getitems__(self, rows: list[int] | list[tuple[int, int]]) -> dict[str, torch.Tensor]:
        """A batch of ``rows``; ``(row, frames)`` pairs (from :class:`LengthBatchSampler`)
        ask for clips of ``frames`` frames instead of the cache's window: clips that run
        past their take's end are padded (last frame repeated) and ``mask`` marks the real
        frames."""
        frames_wanted = None
        if rows and isinstance(rows[0], (tuple, list)):
            frames_wanted = int(rows[0][1])  # type: ignore[index]
            rows = [int(x[0]) for x in rows]  # type: ignore[index]
        r = torch.as_tensor(rows, dtype=torch.long)
        t = self.cache.tensors
        take = self.labels["take"][r]
        pair = self.labels["pair"][r]
        if self.jitter:
            lo, hi = self._lo[r], self._hi[r]
            start = lo + (torch.rand(len(r)) * (hi - lo + 1)).long().clamp_max(hi - lo)
            pick = (torch.rand(len(r)) * self._n_texts[pair]).long().clamp_max(self._n_texts[pair] - 1)
            text_id = self._first_text[pair] + pick
        else:
            start = self._stored[r]
            text_id = self._first_text[pair]
        g = t["take_start"][take] + start
        length = self.cache.window if frames_wanted is None else frames_wanted
        frames = g[:, None] + torch.arange(length)[None]
        mask = None
        if frames_wanted is not None:
            available = t["take_length"][take] - start  # (B,) frames left in the take
            mask = torch.arange(length)[None] < available[:, None]
            frames = torch.minimum(frames, (g + available - 1)[:, None])
        trans_world = t["trans"][frames]
        rot, trans = canonical_window(t["rot6d"][frames], trans_world, t["yaw"][g])
        positions = canonical_points(self.cache.frame_positions[frames], trans_world, t["yaw"][g])
        window = self.indices[r]
        batch = {
            "rot6d": rot,
            "trans": trans,
            "positions": positions,
            "offsets": t["take_offsets"][take],
            "content": self.labels["content"][r],
            "style": self.labels["style"][r],
            "dataset": self.labels["dataset"][r],
            "pair": pair,
            "text_id": text_id,
            "window": window,
            "start": start,
        }
        if mask is not None:
            batch["mask"] = mask
        if self.image_embeddings is not None:
            batch["image_emb"] = self.image_embeddings[window]
        return batch


class LengthBatchSampler(torch.utils.data.Sampler):
    """Shuffled batches of ``(row, frames)`` where every batch has ONE clip length, drawn
    uniformly from ``[min_frames, max_frames]`` (multiples of ``step``), so no compute goes
    to padding beyond takes that end early. A batch holds ``batch_size * window / frames``
    clips, so each step costs about the same number of frames."""

    def __init__(
        self, n: int, batch_size: int, window: int, min_frames: int, max_frames: int, step: int = 10, seed: int = 0
    ) -> None:
        if not 2 <= min_frames <= max_frames:
            raise DatasetError(f"clip lengths must satisfy 2 <= min <= max, got {min_frames}..{max_frames}")
        self.n, self.batch_size, self.window = n, batch_size, window
        self.lengths = list(range(min_frames, max_frames + 1, step)) or [min_frames]
        if self.lengths[-1] != max_frames:
            self.lengths.append(max_frames)
        self.seed, self.epoch = seed, 0

    def _batches(self) -> list[list[tuple[int, int]]]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.n, generator=g).tolist()
        out: list[list[tuple[int, int]]] = []
        i = 0
        while i < len(order):
            frames = self.lengths[int(torch.randint(len(self.lengths), (1,), generator=g))]
            size = max(1, round(self.batch_size * self.window / frames))
            chunk = order[i : i + size]
            i += size
            if len(chunk) == size or not out:
                out.append([(row, frames) for row in chunk])
        return out

    def __iter__(self):  # noqa: ANN204
        batches = self._batches()
        self.epoch += 1
        return iter(batches)

    def __len__(self) -> int:
        return len(self._batches())


def collate_batch(batch: Any) -> Any:
    """Collate for :class:`MotionWindows`: batches come already stacked from ``__getitems__``."""
    if isinstance(batch, dict):
        return batch
    return torch.utils.data.default_collate(batch)


class MotionDataModule(pl.LightningDataModule):
    """Train/val/test loaders plus normalisation statistics computed on train only."""

    def __init__(
        self,
        path: str | Path,
        batch_size: int = 32,
        num_workers: int = 0,
        jitter: bool = True,
        image_embeddings: torch.Tensor | None = None,
        window_frames: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.window_frames = window_frames  # (min, max) variable-length training windows, or None
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
            collate_fn=collate_batch,
        )

    def train_dataloader(self) -> DataLoader:
        if self.window_frames is None:
            return self._loader("train", shuffle=True)
        ds = self.dataset("train")
        sampler = LengthBatchSampler(len(ds), self.batch_size, self.cache.window, *self.window_frames)
        return DataLoader(
            ds, batch_sampler=sampler, num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0, collate_fn=collate_batch,
        )  # fmt: skip

    def val_dataloader(self) -> DataLoader | list:
        """The validation loader; none (Lightning then skips validation, with a warning)
        when a small dataset left no take for the validation split."""
        if len(self.cache.window_indices("val")) == 0:
            import warnings

            warnings.warn(
                f"{self.path}: the validation split has no windows (too few takes); training without validation",
                stacklevel=2,
            )
            return []
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
