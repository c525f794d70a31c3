"""What a run records about itself (the checkpoint header and ``summary.json``): portable, so
that a shared checkpoint never carries the folders of the machine that trained it."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path, PureWindowsPath
from typing import Any

import torch

MAX_STORED_DESCRIPTIONS = 20_000
"""Training texts kept in the checkpoint's header (for ``apps.vocabulary``'s far-from-training
note); free-text datasets with more (HumanML3D) fall back to their labels."""


def stored_descriptions(meta: dict[str, Any]) -> dict[str, Any]:
    """``{"descriptions": {pair: [texts]}}`` when the cache's texts are few enough to store."""
    stored = meta.get("descriptions")
    if not isinstance(stored, dict):
        return {}
    total = sum(len(v) for v in stored.values() if isinstance(v, list))
    return {"descriptions": stored} if total <= MAX_STORED_DESCRIPTIONS else {}


def _file_name(value: Any) -> Any:
    """A path (POSIX or Windows) as its last part alone; anything that is not a path unchanged."""
    if not isinstance(value, str) or not value:
        return value
    return PureWindowsPath(value).name if "\\" in value else Path(value).name


def _backend_name(value: Any) -> Any:
    """A local backend folder as its name; a hub id ("org/name") unchanged."""
    if not isinstance(value, str) or not value:
        return value
    p = Path(value).expanduser()
    if p.is_absolute() or value.startswith((".", "~")) or "\\" in value or value.count("/") > 1 or p.exists():
        return _file_name(value)
    return value


def portable_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The training summary as the model's header and ``summary.json`` store it: the data, model,
    start checkpoint, embedding table and local backend folder by name only, so that a shared
    checkpoint never carries the folders of the machine that trained it."""
    out: dict[str, Any] = json.loads(json.dumps(summary))
    config: dict[str, Any] = out["config"] if isinstance(out.get("config"), dict) else {}
    train_cfg: dict[str, Any] = config["train"] if isinstance(config.get("train"), dict) else {}
    for where, key, name in (
        (out, "data", _file_name),
        (out, "model", _file_name),
        (config, "backend_model", _backend_name),
        (config, "text_table", _file_name),
        (train_cfg, "init_from", _file_name),
    ):
        if key in where:
            where[key] = name(where[key])
    return out


def machine_kind(accelerator: str) -> str:
    """The kind of machine a run trained on, without its name: e.g. "cpu: AMD EPYC, 2 threads"."""
    if accelerator in ("gpu", "cuda", "auto") and torch.cuda.is_available():
        return f"gpu: {torch.cuda.get_device_name(0)} x{torch.cuda.device_count()}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu: {cpu}, {torch.get_num_threads()} threads"


def command_line(argv: list[str] | None = None) -> str:
    """The command that started the run, paths cut to their last part (``portable_summary``)."""
    argv = sys.argv if argv is None else argv
    prog = os.path.basename(argv[0]) if argv else ""
    return " ".join([prog, *(_file_name(a) if os.sep in a or "\\" in a else a for a in argv[1:])]).strip()
