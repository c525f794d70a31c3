"""Small shared helpers for Hugging Face libraries (imported lazily by the backends)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from .base import BackendError

# weight files torch.load would unpickle (running whatever code they carry)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """Hide transformers' "Loading weights" / "Writing shards" bars (noise in CLI output)."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _module_folders(folder: Path) -> list[Path]:
    """``folder`` and, for a sentence-transformers model, the folder of every module it lists."""
    folders = [folder]
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folders
    for module in modules if isinstance(modules, list) else ():
        sub = module.get("path") if isinstance(module, dict) else None
        if isinstance(sub, str) and sub and (folder / sub).is_dir():
            folders.append(folder / sub)
    return folders


def require_safetensors(folder: Path, what: str) -> None:
    """Refuse a local weights folder whose weights are pickle files (``pytorch_model.bin`` ...)
    without a safetensors file beside them: loading those would unpickle them, and motionclip
    only ever loads safetensors. A folder with no weights at all passes (its loader says so)."""
    for sub in _module_folders(folder):
        files = [f for f in sub.iterdir() if f.is_file()]
        if any(f.name.endswith(".safetensors") for f in files):
            continue
        pickles = sorted(f.name for f in files if f.suffix.lower() in PICKLE_SUFFIXES)
        if pickles:
            raise BackendError(
                f"{sub}: the {what} weights are {', '.join(pickles[:3])} (a pickle format); motionclip loads "
                "only safetensors weights. Convert them where you trust the file (load it and save_pretrained "
                "with safe_serialization=True) and use the folder holding model.safetensors"
            )
