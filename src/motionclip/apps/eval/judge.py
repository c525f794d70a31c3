"""The judge: a small motion classifier used to score generated motions (ACTOR protocol).

Action2Motion/ACTOR evaluate a generator with a separately trained action classifier:
its accuracy on generated motions, and FID/diversity of its penultimate features. The
judge here is trained on the REAL train split only and never sees the model under test.

Input: joint positions (FK of the canonical window with the dataset's mean skeleton, the
same skeleton the model decodes onto, so bone lengths cannot give generated motions
away), flattened per frame and standardised with train statistics. Network: three 1-D
convolutions over time, mean+max pooling, a linear "feature" layer (the FID/diversity
space) and two heads (content, style).

Stored as one ``.safetensors`` file with a JSON description under ``motionclip-judge``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from motionclip.apps.windows import batches, split_indices
from motionclip.data.cache import MotionCache
from motionclip.data.fk import forward_kinematics
from motionclip.data.rotations import sixd_to_matrix
from motionclip.errors import MotionCLIPError, one_line
from motionclip.tagged import JUDGE, read_tagged, write_tagged

FORMAT = JUDGE.tag
META_KEY = JUDGE.key


class JudgeError(MotionCLIPError, ValueError):
    """A judge file is missing, corrupt or does not fit the dataset."""


@dataclass
class JudgeConfig:
    hidden: int = 64
    feature_dim: int = 64
    kernel: int = 5
    dropout: float = 0.1


class Judge(nn.Module):
    """Conv1d classifier over joint-position sequences with content and style heads."""

    offsets: torch.Tensor  # (J, 3) buffers
    feat_mean: torch.Tensor  # (J * 3,)
    feat_std: torch.Tensor

    def __init__(
        self,
        parents: list[int],
        offsets: torch.Tensor,
        n_contents: int,
        n_styles: int,
        cfg: JudgeConfig | None = None,
    ) -> None:
        super().__init__()
        self.cfg = cfg or JudgeConfig()
        self.parents = [int(p) for p in parents]
        j = len(self.parents)
        h, k = self.cfg.hidden, self.cfg.kernel
        self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.float32).clone())
        self.register_buffer("feat_mean", torch.zeros(j * 3))
        self.register_buffer("feat_std", torch.ones(j * 3))
        self.convs = nn.Sequential(
            nn.Conv1d(j * 3, h, k, stride=2, padding=k // 2),
            nn.GELU(),
            nn.Conv1d(h, h, k, stride=2, padding=k // 2),
            nn.GELU(),
            nn.Conv1d(h, h, 3, padding=1),
            nn.GELU(),
        )
        self.feature = nn.Linear(2 * h, self.cfg.feature_dim)
        self.drop = nn.Dropout(self.cfg.dropout)
        self.content_head = nn.Linear(self.cfg.feature_dim, n_contents)
        self.style_head = nn.Linear(self.cfg.feature_dim, n_styles)

    def inputs(self, rot6d: torch.Tensor, trans: torch.Tensor) -> torch.Tensor:
        """(B, T, J, 6), (B, T, 3) -> standardised (B, T, J*3) joint positions."""
        pos = forward_kinematics(sixd_to_matrix(rot6d), trans, self.offsets, self.parents)
        return (pos.flatten(-2) - self.feat_mean) / self.feat_std

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Standardised inputs (B, T, F) -> content logits, style logits, features."""
        h = self.convs(x.transpose(1, 2))
        feats = self.feature(torch.cat([h.mean(-1), h.amax(-1)], dim=-1))
        a = self.drop(F.gelu(feats))
        return self.content_head(a), self.style_head(a), feats

    @torch.no_grad()
    def predict(self, rot6d: torch.Tensor, trans: torch.Tensor, size: int = 256) -> dict[str, torch.Tensor]:
        """Content/style predictions and features (N, feature_dim) of canonical windows."""
        self.eval()
        outs: dict[str, list[torch.Tensor]] = {"content": [], "style": [], "features": []}
        for b in batches(torch.arange(len(rot6d)), size):
            c, s, f = self(self.inputs(rot6d[b], trans[b]))
            outs["content"].append(c.argmax(-1))
            outs["style"].append(s.argmax(-1))
            outs["features"].append(f)
        return {k: torch.cat(v) for k, v in outs.items()}


def _positions(judge: Judge, cache: MotionCache, idx: torch.Tensor) -> torch.Tensor:
    return cache.window_positions(idx, judge.offsets, batch=512).flatten(-2)


@torch.no_grad()
def _accuracy(judge: Judge, x: torch.Tensor, content: torch.Tensor, style: torch.Tensor) -> tuple[float, float]:
    judge.eval()
    hits_c = hits_s = 0
    for b in batches(torch.arange(len(x)), 512):
        c, s, _ = judge(x[b])
        hits_c += int((c.argmax(-1) == content[b]).sum())
        hits_s += int((s.argmax(-1) == style[b]).sum())
    return hits_c / len(x), hits_s / len(x)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily use ``n`` intra-op threads (None: leave torch's setting)."""
    old = torch.get_num_threads()
    if n is not None:
        if n < 1:
            raise MotionCLIPError(f"--threads must be at least 1, got {n}")
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def train_judge(
    data: str | Path,
    out: str | Path,
    epochs: int = 15,
    max_steps: int = -1,
    max_minutes: float = 0.0,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    cfg: JudgeConfig | None = None,
    progress: bool = True,
    log: Callable[[str], Any] = print,
    threads: int | None = 1,
) -> dict[str, Any]:
    """Train a judge on the train split of ``data``; keeps the epoch with the best val accuracy.

    Budget: ``epochs`` passes, capped by ``max_steps`` (>0) and ``max_minutes`` (>0).
    ``threads`` defaults to 1: the network is so small that extra intra-op threads only
    add synchronisation, and on a busy 2-core machine two threads made steps ~25x slower.
    """
    with torch_threads(threads):
        return _train_judge(data, out, epochs, max_steps, max_minutes, batch_size, lr, seed, cfg, progress, log)


def _train_judge(
    data: str | Path,
    out: str | Path,
    epochs: int,
    max_steps: int,
    max_minutes: float,
    batch_size: int,
    lr: float,
    seed: int,
    cfg: JudgeConfig | None,
    progress: bool,
    log: Callable[[str], Any],
) -> dict[str, Any]:
    from tqdm import tqdm

    if epochs < 1:
        raise MotionCLIPError(f"--epochs must be at least 1, got {epochs}")
    if batch_size < 1:
        raise MotionCLIPError(f"--batch-size must be at least 1, got {batch_size}")
    torch.manual_seed(seed)
    cache = MotionCache.load(data)
    sk = cache.skeleton
    judge = Judge(list(sk.parents), torch.as_tensor(sk.offsets), len(cache.contents), len(cache.styles), cfg)
    tr_idx = split_indices(cache, "train")
    x = _positions(judge, cache, tr_idx)
    judge.feat_mean.copy_(x.mean((0, 1)))
    judge.feat_std.copy_(x.std((0, 1)).clamp_min(1e-3))
    x = (x - judge.feat_mean) / judge.feat_std
    lab = cache.window_labels(tr_idx)
    val_idx = cache.window_indices("val")
    has_val = len(val_idx) > 0
    if has_val:
        xv = (_positions(judge, cache, val_idx) - judge.feat_mean) / judge.feat_std
        lv = cache.window_labels(val_idx)
    opt = torch.optim.AdamW(judge.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = (len(x) + batch_size - 1) // batch_size
    total = epochs * steps_per_epoch if max_steps < 0 else min(max_steps, epochs * steps_per_epoch)
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    step, started = 0, time.perf_counter()
    history = []
    bar = tqdm(total=total, desc="training judge", unit="step", disable=not progress)
    for epoch in range(epochs):
        judge.train()
        for b in batches(torch.randperm(len(x)), batch_size):
            c, s, _ = judge(x[b])
            loss = F.cross_entropy(c, lab["content"][b]) + F.cross_entropy(s, lab["style"][b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", epoch=epoch + 1)
            if step >= total or (max_minutes > 0 and time.perf_counter() - started > 60 * max_minutes):
                total = step
                break
        if has_val:
            acc_c, acc_s = _accuracy(judge, xv, lv["content"], lv["style"])
        else:
            acc_c, acc_s = _accuracy(judge, x, lab["content"], lab["style"])
        history.append({"epoch": epoch + 1, "step": step, "content_acc": acc_c, "style_acc": acc_s})
        if best is None or acc_c + acc_s > best[0]:
            best = (acc_c + acc_s, {k: v.detach().clone() for k, v in judge.state_dict().items()})
        if step >= total:
            break
    bar.close()
    assert best is not None
    judge.load_state_dict(best[1])
    kept = max(history, key=lambda h: h["content_acc"] + h["style_acc"])
    summary = {
        "data": str(data),
        "train_windows": len(tr_idx),
        "val_windows": len(val_idx),
        "steps": step,
        "epochs": len(history),
        "seconds": time.perf_counter() - started,
        "kept_epoch": kept["epoch"],
        "val_content_acc": kept["content_acc"],
        "val_style_acc": kept["style_acc"],
        "evaluated_on": "val" if has_val else "train (no val split)",
        "history": history,
    }
    save_judge(judge, out, cache, summary)
    log(
        f"judge: {step} steps in {summary['seconds']:.1f} s; {summary['evaluated_on']} content acc "
        f"{kept['content_acc']:.3f}, style acc {kept['style_acc']:.3f} (epoch {kept['epoch']}); wrote {out}"
    )
    return summary


def save_judge(judge: Judge, path: str | Path, cache: MotionCache, summary: dict[str, Any]) -> Path:
    """Weights + JSON (labels, skeleton, window, config, training summary); never pickle."""
    meta = {
        "config": asdict(judge.cfg),
        "contents": cache.contents,
        "styles": cache.styles,
        "datasets": cache.datasets,
        "window": cache.window,
        "fps": cache.fps,
        "skeleton": {"names": list(cache.skeleton.names), "parents": judge.parents},
        "body": cache.body,
        "training": summary,
    }
    state = {k: v.contiguous().cpu() for k, v in judge.state_dict().items()}
    return write_tagged(JUDGE, path, state, meta)


def load_judge(path: str | Path) -> tuple[Judge, dict[str, Any]]:
    """A judge and its JSON description."""
    p = Path(path)
    hint = " (train one with `motionclip eval train-judge`)"
    state, meta, _ = read_tagged(JUDGE, p, JudgeError, missing_hint=hint)
    _check_judge_meta(meta, p)
    try:
        judge = Judge(
            meta["skeleton"]["parents"],
            state["offsets"],
            len(meta["contents"]),
            len(meta["styles"]),
            JudgeConfig(**meta["config"]),
        )
        judge.load_state_dict(state, strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise JudgeError(f"{p}: judge weights do not match its description ({one_line(exc)})") from None
    return judge.eval(), meta


def _check_judge_meta(meta: dict[str, Any], p: Path) -> None:
    """Types and ranges of the judge's JSON description (what evaluation reads from it)."""

    def strings(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    for key in ("contents", "styles", "datasets"):
        if not strings(meta.get(key)) or (key != "datasets" and not meta[key]):
            raise JudgeError(f"{p}: judge metadata {key!r} must be a non-empty list of strings")
    window, fps = meta.get("window"), meta.get("fps")
    if not (isinstance(window, int) and not isinstance(window, bool) and window >= 1):
        raise JudgeError(f"{p}: judge metadata 'window' must be a positive integer, got {window!r}")
    if not (isinstance(fps, (int, float)) and not isinstance(fps, bool) and math.isfinite(fps) and fps > 0):
        raise JudgeError(f"{p}: judge metadata 'fps' must be a positive number, got {fps!r}")
    sk = meta.get("skeleton")
    if not (isinstance(sk, dict) and strings(sk.get("names")) and isinstance(sk.get("parents"), list)):
        raise JudgeError(f"{p}: judge metadata 'skeleton' must have 'names' and 'parents' lists")
    parents = sk["parents"]
    if len(parents) != len(sk["names"]) or not all(
        isinstance(x, int) and not isinstance(x, bool) and -1 <= x < j for j, x in enumerate(parents)
    ):
        raise JudgeError(f"{p}: judge skeleton parents must precede their children (one per joint)")
    if not isinstance(meta.get("config"), dict):
        raise JudgeError(f"{p}: judge metadata 'config' must be an object")


def check_judge(meta: dict[str, Any], cache: MotionCache, path: str | Path = "judge") -> None:
    """The judge must have been trained on this dataset's labels and skeleton."""
    if meta["contents"] != cache.contents or meta["styles"] != cache.styles:
        raise JudgeError(
            f"{path}: judge was trained on other labels ({len(meta['contents'])} contents, "
            f"{len(meta['styles'])} styles) than {cache.path} ({len(cache.contents)}, {len(cache.styles)}); "
            "train a judge on this dataset"
        )
    if meta["skeleton"]["names"] != list(cache.skeleton.names):
        raise JudgeError(f"{path}: judge skeleton does not match {cache.path}")
    body = meta.get("body", "rig")  # judges from before the canonical body
    if body != cache.body:
        raise JudgeError(
            f"{path}: judge was trained on the {body!r} body, {cache.path} holds the {cache.body!r} body; "
            "train a judge on this dataset"
        )
