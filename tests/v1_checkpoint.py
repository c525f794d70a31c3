"""Model checkpoints in format v1 (before the own header keys and the whole ModelConfig), for
the backward-compatibility tests: the layout the 0.1 releases wrote, rebuilt from a current file."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import load_file, save_file

from motionclip.tagged import LEGACY_KEY, MODEL_CHECKPOINT


def v1_metadata(v2: dict) -> dict:
    """v1's loose keys under the shared ``motionclip`` key, from a v2 header."""
    c = v2["config"]
    meta = {
        "format": "motionclip-checkpoint-v1",
        "code_version": v2.get("code_version", "0.1.0"),
        "model": c["architecture"],
        "skeleton": v2["skeleton"],
        "backend": {"name": c["backend"], "model": c["backend_model"]},
        "fps": c["fps"],
        "window": c["window"],
        "trained_frames": c["trained_frames"],
        "latent_norm": c["latent_norm"],
        "generation": c["generation"],
        "dtype": v2.get("dtype", "float32"),
    }
    if "training" in v2:
        meta["training"] = v2["training"]
    return meta


def write_v1(checkpoint: Path, out: Path) -> Path:
    """A copy of ``checkpoint`` (format v2) written the way format v1 stored it."""
    with safe_open(str(checkpoint), framework="pt") as fh:
        header = fh.metadata()
    meta = v1_metadata(json.loads(header[MODEL_CHECKPOINT.key]))
    save_file(load_file(str(checkpoint)), str(out), metadata={LEGACY_KEY: json.dumps(meta)})
    return out
