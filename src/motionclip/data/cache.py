"""Reading the cached dataset file written by :mod:`motionclip.data.prepare`.

File layout (one ``.safetensors``, :data:`motionclip.tagged.DATASET_CACHE`; JSON metadata under its key):

- frame arrays, all takes concatenated: ``rot6d`` (F, J, 6), ``trans`` (F, 3) metres,
  ``yaw`` (F,) radians that turn frame f to face +Z;
- per take: ``take_start``, ``take_length``, ``take_offsets`` (J, 3) (each actor's bones),
  ``take_content``, ``take_style``, ``take_dataset``, ``take_split`` (0 train, 1 val, 2 test),
  ``take_pair`` (index into ``pairs`` = "content|style");
- per window (default stride): ``window_take``, ``window_start``;
- metadata: label names, descriptions per pair, skeleton (mean train offsets), config.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from motionclip.data.rotations import matrix_to_6d, sixd_to_matrix, yaw_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import DatasetError, MotionCLIPError
from motionclip.tagged import DATASET_CACHE, read_tagged

SPLITS = ("train", "val", "test")
REQUIRED_TENSORS = (
    "rot6d", "trans", "yaw", "take_start", "take_length", "take_offsets", "take_content", "take_style",
    "take_dataset", "take_split", "take_pair", "window_take", "window_start",
)  # fmt: skip


def canonical_window(rot6d: torch.Tensor, trans: torch.Tensor, yaw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Put a window in canonical form: frame 0's root over the origin, facing +Z.

    Args: rot6d (..., T, J, 6), trans (..., T, 3), yaw (...) of the window's first frame.
    """
    rot_y = yaw_matrix(yaw.float())  # (..., 3, 3)
    root = sixd_to_matrix(rot6d[..., :, 0, :])  # (..., T, 3, 3)
    root = rot_y[..., None, :, :] @ root
    rot6d = rot6d.clone()
    rot6d[..., :, 0, :] = matrix_to_6d(root)
    origin = trans[..., :1, :].clone()
    origin[..., 1] = 0.0
    trans = ((trans - origin)[..., None, :] @ rot_y[..., None, :, :].transpose(-1, -2))[..., 0, :]
    return rot6d, trans


def canonical_points(points: torch.Tensor, trans: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
    """Apply a window's canonical rigid motion (see :func:`canonical_window`) to world points.

    Args: points (..., T, J, 3), trans (..., T, 3) root translation, yaw (...) of frame 0.
    """
    rot_y = yaw_matrix(yaw.float())
    origin = trans[..., :1, :].clone()
    origin[..., 1] = 0.0
    return (points - origin[..., None, :]) @ rot_y[..., None, :, :].transpose(-1, -2)


def _str_list(p: Path, meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise DatasetError(f"{p}: dataset metadata {key!r} must be a list of strings")
    return value


def _check_meta(p: Path, meta: dict[str, Any]) -> None:
    """Types and ranges of everything the cache's users read from its JSON metadata."""
    for key in ("contents", "styles", "datasets", "pairs"):
        _str_list(p, meta, key)
    cfg = meta.get("config")
    if not isinstance(cfg, dict):
        raise DatasetError(f"{p}: dataset metadata 'config' must be an object")
    fps, window = cfg.get("fps"), cfg.get("window")
    if not (isinstance(fps, (int, float)) and not isinstance(fps, bool) and math.isfinite(fps) and fps > 0):
        raise DatasetError(f"{p}: dataset config 'fps' must be a positive number, got {fps!r}")
    if not (isinstance(window, int) and not isinstance(window, bool) and window >= 1):
        raise DatasetError(f"{p}: dataset config 'window' must be a positive integer, got {window!r}")
    desc = meta.get("descriptions")
    if not isinstance(desc, dict):
        raise DatasetError(f"{p}: dataset metadata 'descriptions' must be an object")
    for key in meta["pairs"]:
        texts = desc.get(key)
        if not (isinstance(texts, list) and texts and all(isinstance(t, str) for t in texts)):
            raise DatasetError(f"{p}: descriptions of pair {key!r} must be a non-empty list of strings")
    for key, kind in (("problems", list), ("take_names", list), ("skipped_short", int)):
        if key in meta and (not isinstance(meta[key], kind) or isinstance(meta[key], bool)):
            raise DatasetError(f"{p}: dataset metadata {key!r} must be a {kind.__name__}, got {meta[key]!r}")
    try:
        Skeleton.from_dict(meta.get("skeleton"))  # type: ignore[arg-type]
    except MotionCLIPError as exc:
        raise DatasetError(f"{p}: dataset skeleton: {exc}") from None


_FLOAT_TENSORS = {"rot6d": 3, "trans": 2, "yaw": 1, "take_offsets": 3}


def _check_tensors(p: Path, t: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Shapes, dtypes, finiteness and index ranges: a bad cache fails here, not mid-training."""
    for key in REQUIRED_TENSORS:
        want_float = key in _FLOAT_TENSORS
        ndim = _FLOAT_TENSORS.get(key, 1)
        x = t[key]
        if x.ndim != ndim or x.is_floating_point() != want_float or x.dtype == torch.bool:
            kind = "floating" if want_float else "integer"
            raise DatasetError(f"{p}: tensor {key!r} must be a {ndim}-D {kind} tensor, got {x.ndim}-D {x.dtype}")
        if want_float and not torch.isfinite(x).all():
            raise DatasetError(f"{p}: tensor {key!r} contains NaN or inf")
        # one dtype per kind from here on: float32 frames (fp16/fp64 files), int64 indices
        # (a uint8 index tensor would act as a mask)
        t[key] = x.float() if want_float else x.long()
    frames, joints = t["rot6d"].shape[0], len(meta["skeleton"]["names"])
    if t["rot6d"].shape[1:] != (joints, 6) or t["trans"].shape != (frames, 3) or t["yaw"].shape != (frames,):
        raise DatasetError(
            f"{p}: frame tensors disagree: rot6d {tuple(t['rot6d'].shape)}, trans {tuple(t['trans'].shape)}, "
            f"yaw {tuple(t['yaw'].shape)} for {joints} joints"
        )
    takes = t["take_start"].shape[0]
    for key in ("take_length", "take_content", "take_style", "take_dataset", "take_split", "take_pair"):
        if t[key].shape != (takes,):
            raise DatasetError(f"{p}: tensor {key!r} has {t[key].shape[0]} entries for {takes} takes")
    if t["take_offsets"].shape != (takes, joints, 3):
        raise DatasetError(f"{p}: tensor 'take_offsets' must have shape ({takes}, {joints}, 3)")
    if t["window_start"].shape != t["window_take"].shape:
        raise DatasetError(f"{p}: window_take and window_start have different lengths")

    def in_range(key: str, lo: int, hi: int, what: str) -> None:
        x = t[key]
        if len(x) and (int(x.min()) < lo or int(x.max()) >= hi):
            raise DatasetError(f"{p}: {key} has an index outside {lo}..{hi - 1} ({what})")

    in_range("take_content", 0, len(meta["contents"]), "content labels")
    in_range("take_style", 0, len(meta["styles"]), "style labels")
    in_range("take_dataset", 0, len(meta["datasets"]), "datasets")
    in_range("take_split", 0, len(SPLITS), "splits")
    in_range("take_pair", 0, len(meta["pairs"]), "pairs")
    in_range("window_take", 0, takes, "takes")
    start, length = t["take_start"], t["take_length"]
    if takes and (int(start.min()) < 0 or int(length.min()) < 1 or int((start + length).max()) > frames):
        raise DatasetError(f"{p}: a take's frames lie outside the {frames} stored frames")
    if len(t["window_take"]):
        ws = t["window_start"]
        ends = ws + int(meta["config"]["window"])
        if int(ws.min()) < 0 or bool((ends > length[t["window_take"]]).any()):
            raise DatasetError(f"{p}: a window runs past the end of its take (window_start out of range)")


@dataclass
class MotionCache:
    """In-memory view of a cached dataset file."""

    path: Path
    tensors: dict[str, torch.Tensor]
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> MotionCache:
        p = Path(path)
        hint = " (create it with `motionclip data prepare`)"
        tensors, meta, _ = read_tagged(DATASET_CACHE, p, DatasetError, missing_hint=hint)
        missing = [k for k in REQUIRED_TENSORS if k not in tensors]
        if missing:
            raise DatasetError(f"{p}: incomplete dataset cache (missing {', '.join(missing)})")
        _check_meta(p, meta)
        _check_tensors(p, tensors, meta)
        return cls(p, tensors, meta)

    # -- labels -------------------------------------------------------------------------
    @property
    def contents(self) -> list[str]:
        return list(self.meta["contents"])

    @property
    def styles(self) -> list[str]:
        return list(self.meta["styles"])

    @property
    def datasets(self) -> list[str]:
        return list(self.meta["datasets"])

    @property
    def fps(self) -> float:
        return float(self.meta["config"]["fps"])

    @property
    def window(self) -> int:
        return int(self.meta["config"]["window"])

    @property
    def body(self) -> str:
        """The skeleton convention of the takes (DataConfig.body); "rig" for older caches."""
        return str(self.meta.get("body", "rig"))

    @cached_property
    def skeleton(self) -> Skeleton:
        return Skeleton.from_dict(self.meta["skeleton"])

    @cached_property
    def texts(self) -> list[str]:
        """Every description, flattened; ``pair_text_ids[p]`` indexes into it."""
        return [t for key in self.meta["pairs"] for t in self.meta["descriptions"][key]]

    @cached_property
    def pair_text_ids(self) -> list[list[int]]:
        out, k = [], 0
        for key in self.meta["pairs"]:
            n = len(self.meta["descriptions"][key])
            out.append(list(range(k, k + n)))
            k += n
        return out

    # -- windows ------------------------------------------------------------------------
    def window_indices(self, split: str) -> torch.Tensor:
        if split not in SPLITS:
            raise DatasetError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
        take_split = self.tensors["take_split"][self.tensors["window_take"]]
        return torch.nonzero(take_split == SPLITS.index(split)).flatten()

    def classes_by_dataset(self, key: str) -> dict[int, list[int]]:
        """Per dataset id: the sorted label ids (``key`` = "content"/"style") its takes use."""
        t = self.tensors
        return {
            d: sorted({int(c) for c in t[f"take_{key}"][t["take_dataset"] == d]}) for d in range(len(self.datasets))
        }

    def window_labels(self, windows: torch.Tensor) -> dict[str, torch.Tensor]:
        take = self.tensors["window_take"][windows]
        return {
            "content": self.tensors["take_content"][take],
            "style": self.tensors["take_style"][take],
            "dataset": self.tensors["take_dataset"][take],
            "pair": self.tensors["take_pair"][take],
            "take": take,
        }

    @cached_property
    def frame_positions(self) -> torch.Tensor:
        """(F, J, 3) world joint positions of every stored frame, with its take's bones.

        Computed once (FK without gradients), so training targets need no FK per step;
        :func:`canonical_points` moves them into a window's canonical frame.
        """
        from motionclip.data.fk import forward_kinematics

        t = self.tensors
        starts, order = torch.sort(t["take_start"])
        take_of_frame = order[torch.searchsorted(starts, torch.arange(t["rot6d"].shape[0]), right=True) - 1]
        out = torch.empty(t["rot6d"].shape[0], t["rot6d"].shape[1], 3)
        with torch.no_grad():
            for s in range(0, len(out), 65536):
                rows = slice(s, s + 65536)
                out[rows] = forward_kinematics(
                    sixd_to_matrix(t["rot6d"][rows].float()),
                    t["trans"][rows].float(),
                    t["take_offsets"][take_of_frame[rows]].float(),
                    self.skeleton.parents,
                )
        return out

    def clip(self, take: int, start: int, length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Canonical (rot6d, trans) of ``length`` frames of ``take`` from ``start``."""
        length = length or self.window
        g = int(self.tensors["take_start"][take]) + start
        rot = self.tensors["rot6d"][g : g + length]
        trans = self.tensors["trans"][g : g + length]
        return canonical_window(rot, trans, self.tensors["yaw"][g])

    def windows(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Batched canonical windows at the stored starts: (N, T, J, 6), (N, T, 3)."""
        take = self.tensors["window_take"][windows]
        g = self.tensors["take_start"][take] + self.tensors["window_start"][windows]
        idx = g[:, None] + torch.arange(self.window)[None]
        return canonical_window(self.tensors["rot6d"][idx], self.tensors["trans"][idx], self.tensors["yaw"][g])

    def window_positions(
        self, windows: torch.Tensor, offsets: torch.Tensor | None = None, batch: int = 256
    ) -> torch.Tensor:
        """World joint positions (N, T, J, 3), metres, of the canonical windows, by FK in batches.

        ``offsets`` (J, 3): one skeleton for every window (e.g. a model's mean skeleton, as a
        judge sees motion); None = each window's own take's bone lengths."""
        from motionclip.data.fk import forward_kinematics

        out = []
        for s in range(0, len(windows), batch):
            b = windows[s : s + batch]
            rot, tr = self.windows(b)
            off = self.tensors["take_offsets"][self.tensors["window_take"][b]][:, None] if offsets is None else offsets
            out.append(forward_kinematics(sixd_to_matrix(rot), tr, off, self.skeleton.parents))
        if not out:
            return torch.zeros(0, self.window, len(self.skeleton.parents), 3)
        return torch.cat(out)

    def summary(self) -> dict[str, Any]:
        """Counts per split/content/style and hours, for ``motionclip data info``."""
        t = self.tensors
        out: dict[str, Any] = {"path": str(self.path), "fps": self.fps, "window": self.window}
        out["takes"] = {s: int((t["take_split"] == i).sum()) for i, s in enumerate(SPLITS)}
        out["windows"] = {s: len(self.window_indices(s)) for s in SPLITS}
        out["hours"] = {
            s: float(t["take_length"][t["take_split"] == i].sum()) / self.fps / 3600 for i, s in enumerate(SPLITS)
        }
        out["hours_total"] = float(t["take_length"].sum()) / self.fps / 3600
        labels = self.window_labels(torch.arange(len(t["window_take"])))
        split_of = t["take_split"][labels["take"]]
        for key, names in (("content", self.contents), ("style", self.styles), ("dataset", self.datasets)):
            out[f"by_{key}"] = {
                name: {s: int(((labels[key] == k) & (split_of == i)).sum()) for i, s in enumerate(SPLITS)}
                for k, name in enumerate(names)
            }
        out["skipped_short"] = self.meta.get("skipped_short", 0)
        out["problems"] = len(self.meta.get("problems", []))
        return out
