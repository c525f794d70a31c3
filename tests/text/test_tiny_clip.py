"""The offline helpers other test suites rely on."""

from __future__ import annotations

import json

from safetensors.torch import load_file
from tiny_clip import TOKENIZER_FILES, build_tiny_clip, shared_clip_config_dir


def test_shared_dir_env_override(tmp_path, monkeypatch):
    cfg = tmp_path / "shared" / "models" / "clip-vit-base-patch32-config"
    cfg.mkdir(parents=True)
    (cfg / "config.json").write_text("{}")
    (cfg / "vocab.json").write_text("{}")
    monkeypatch.setenv("MOTIONCLIP_SHARED", str(tmp_path / "shared"))
    assert shared_clip_config_dir() == cfg.resolve()
    monkeypatch.setenv("MOTIONCLIP_SHARED", str(cfg))  # the config dir itself also works
    assert shared_clip_config_dir() == cfg.resolve()
    monkeypatch.setenv("MOTIONCLIP_SHARED", str(tmp_path / "missing"))
    assert shared_clip_config_dir() is None


def test_tiny_clip_layout_and_determinism(tiny_clip_dir, shared_clip_config, tmp_path):
    for name in (*TOKENIZER_FILES, "config.json", "model.safetensors"):
        assert (tiny_clip_dir / name).is_file(), name
    cfg = json.loads((tiny_clip_dir / "config.json").read_text())
    assert cfg["text_config"]["hidden_size"] == 64 and cfg["vision_config"]["image_size"] == 224
    again = build_tiny_clip(tmp_path / "again", shared_clip_config, seed=0)
    other = build_tiny_clip(tmp_path / "other", shared_clip_config, seed=1)
    w0, w0b, w1 = (load_file(d / "model.safetensors") for d in (tiny_clip_dir, again, other))
    assert all((w0[k] == w0b[k]).all() for k in w0)
    assert any((w0[k] != w1[k]).any() for k in w0 if w0[k].is_floating_point())
