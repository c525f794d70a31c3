"""Offline test helpers: a tiny, randomly initialised CLIP that loads like the real one.

Why: real CLIP weights cannot be downloaded on CI/dev machines, but the real
tokenizer and preprocessor files are available under ``../shared``. A shrunken
config with random weights exercises the exact ``ClipBackend`` code path
(tokenisation, preprocessing, ``from_pretrained``) in well under a second.

Reuse from any test directory::

    @pytest.fixture(scope="session")
    def tiny_clip_dir(tmp_path_factory):
        cfg = shared_clip_config_dir()
        if cfg is None:
            pytest.skip("../shared/models/clip-vit-base-patch32-config not available")
        return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"), cfg)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from motionclip.text._hf import quiet_progress

__all__ = ["CLIP_CONFIG_SUBDIR", "SHARED_ENV", "TOKENIZER_FILES", "build_tiny_clip", "shared_clip_config_dir"]

SHARED_ENV = "MOTIONCLIP_SHARED"
CLIP_CONFIG_SUBDIR = Path("models") / "clip-vit-base-patch32-config"
TOKENIZER_FILES = (
    "vocab.json",
    "merges.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "preprocessor_config.json",
)

# Small enough to build in ~0.2 s, but keeps the real vocab (49408), the 77 text
# positions, 224 px images and 32 px patches so the real tokenizer/preprocessor fit.
_TINY_TOWER = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
TINY_PROJECTION_DIM = 32


def _config_dir_in(shared: Path) -> Path | None:
    """Accept either the shared root or the config directory itself."""
    for cand in (shared / CLIP_CONFIG_SUBDIR, shared):
        if (cand / "config.json").is_file() and (cand / "vocab.json").is_file():
            return cand.resolve()
    return None


def shared_clip_config_dir() -> Path | None:
    """Locate ``shared/models/clip-vit-base-patch32-config`` or return ``None``.

    ``$MOTIONCLIP_SHARED`` (the shared root or the config dir) wins; otherwise
    walk up from this file and from the cwd, checking ``<ancestor>/shared`` --
    which covers both ``<repo>/../shared`` and a ``shared/`` inside the repo.
    """
    env = os.environ.get(SHARED_ENV)
    if env:
        return _config_dir_in(Path(env).expanduser())
    seen: set[Path] = set()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for ancestor in (start, *start.parents):
            if ancestor in seen:
                continue
            seen.add(ancestor)
            found = _config_dir_in(ancestor / "shared") if (ancestor / "shared").is_dir() else None
            if found is not None:
                return found
    return None


def tiny_clip_config(config_dir: str | os.PathLike[str]) -> dict:
    """The real CLIP ViT-B/32 config with both towers shrunk."""
    cfg = json.loads((Path(config_dir) / "config.json").read_text(encoding="utf-8"))
    cfg["projection_dim"] = TINY_PROJECTION_DIM
    for tower in ("text_config", "vision_config"):
        cfg.setdefault(tower, {}).update(_TINY_TOWER, projection_dim=TINY_PROJECTION_DIM)
    cfg["vision_config"]["patch_size"] = 32
    cfg["vision_config"]["image_size"] = 224
    return cfg


def build_tiny_clip(
    out_dir: str | os.PathLike[str],
    config_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
) -> Path:
    """Write a random-weight tiny CLIP (safetensors + real tokenizer files) to ``out_dir``.

    ``config_dir`` defaults to :func:`shared_clip_config_dir`. Same seed ->
    identical weights; the global torch RNG is left untouched.
    """
    import torch
    from transformers import CLIPConfig, CLIPModel

    if config_dir is None:
        config_dir = shared_clip_config_dir()
        if config_dir is None:
            raise FileNotFoundError(
                "cannot find shared/models/clip-vit-base-patch32-config; set MOTIONCLIP_SHARED or pass config_dir"
            )
    src = Path(config_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    config = CLIPConfig.from_dict(tiny_clip_config(src))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIPModel(config).eval()
    with quiet_progress():
        model.save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copyfile(src / name, out / name)
    (out / "README.txt").write_text(
        f"Tiny CLIP with RANDOM weights (seed={seed}) for offline tests only; built from {src}.\n",
        encoding="utf-8",
    )
    return out
