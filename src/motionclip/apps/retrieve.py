"""Text -> motion retrieval over the windows of a prepared dataset split.

Each window of the split is encoded once; windows are ranked by the cosine between their
latent and the query's text embedding (the space the model was trained to share).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from motionclip.apps.generate import validate_prompts
from motionclip.apps.outputs import MOTION_EXTS, VIDEO_EXTS, write_outputs
from motionclip.apps.windows import encode_windows, split_indices, take_name, window_motion
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP

FORMATS = tuple(e.lstrip(".") for e in MOTION_EXTS + VIDEO_EXTS)


@dataclass
class Hit:
    rank: int
    window: int
    take: str
    start: int
    content: str
    style: str
    dataset: str
    cosine: float


def check_k(k: int) -> int:
    if k < 1:
        raise MotionCLIPError(f"--k must be at least 1, got {k}")
    return k


def check_format(fmt: str) -> str:
    """The file type of written hits (``bvh``, ``npz``, ``mp4`` ...), without a leading dot."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise MotionCLIPError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def retrieve(model: MotionCLIP, cache: MotionCache, text: str, split: str = "test", k: int = 5) -> list[Hit]:
    """The ``k`` windows of ``split`` closest to ``text``, best first."""
    check_k(k)
    prompt = validate_prompts([text])[0]
    idx = split_indices(cache, split)
    z = F.normalize(encode_windows(model, cache, idx), dim=-1)
    q = F.normalize(model.encode_text([prompt])[0], dim=-1)
    cos = z @ q
    order = torch.argsort(cos, descending=True)[: min(k, len(idx))]
    labels = cache.window_labels(idx[order])
    hits = []
    for r, (i, take) in enumerate(zip(order.tolist(), labels["take"].tolist())):
        w = int(idx[i])
        hits.append(
            Hit(
                rank=r + 1,
                window=w,
                take=take_name(cache, take),
                start=int(cache.tensors["window_start"][w]),
                content=cache.contents[int(labels["content"][r])],
                style=cache.styles[int(labels["style"][r])],
                dataset=cache.datasets[int(labels["dataset"][r])],
                cosine=float(cos[i]),
            )
        )
    return hits


def write_hits(cache: MotionCache, hits: list[Hit], out_dir: str | Path, fmt: str = "bvh") -> list[Path]:
    """One file per hit: ``DIR/01_<take>_f<start>.<fmt>`` (the window on its actor's skeleton)."""
    fmt = check_format(fmt)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MotionCLIPError(f"{out}: --out must be a folder")
    paths = []
    width = max(2, len(str(len(hits))))
    for h in hits:
        name = f"{h.rank:0{width}d}_{h.take}_f{h.start}.{fmt}"
        caption = f"#{h.rank} {h.content} / {h.style} ({h.cosine:.2f})"
        paths += write_outputs([window_motion(cache, h.window)], out / name, captions=[caption])
    return paths


def to_json(hits: list[Hit]) -> list[dict]:
    return [asdict(h) for h in hits]
