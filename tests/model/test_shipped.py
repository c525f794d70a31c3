"""The checkpoint that ships inside the package (skipped while it has not been trained yet)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from motionclip.model.checkpoint import shipped_checkpoint

pytestmark = pytest.mark.skipif(not shipped_checkpoint().exists(), reason="no shipped checkpoint in assets/ yet")


def test_load_shipped() -> None:
    import motionclip

    model = motionclip.load()
    assert model.backend_name == "minilm" and model.latent_dim == 384
    assert model.cfg.num_layers >= 1 and not model.training
    assert model.skeleton.num_joints > 1 and model.window == 60


def test_generate_cli_with_shipped_checkpoint(tmp_path: Path) -> None:
    from motionclip import read_bvh

    exe = Path(sys.executable).with_name("motionclip")
    if not exe.exists():
        pytest.skip("the motionclip console script is not installed next to this python")
    out = tmp_path / "run.bvh"
    env = dict(os.environ, MOTIONCLIP_CACHE_DIR=str(tmp_path / "cold-cache"))  # cold: the text model loads
    started = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "generate", "a person runs", "--out", str(out)], env=env, capture_output=True, text=True, timeout=120
    )
    seconds = time.perf_counter() - started
    print(f"motionclip generate (cold process, cold text cache): {seconds:.2f} s wall")
    assert proc.returncode == 0, proc.stderr[-2000:]
    motion = read_bvh(out)
    assert len(motion) == 60
    # target: < 5 s on an idle machine; lenient here because CI boxes are shared and noisy
    assert seconds < 30, f"generate took {seconds:.1f} s (target: < 5 s on an idle machine)"


# absolute paths of the usual kinds: POSIX home/work/temp folders, a Windows drive or share, a home "~/"
_MACHINE_PATH = re.compile(
    r"(?<![\w.])(?:/(?:work|home|root|tmp|Users|mnt|media|scratch|data|var|opt|srv|private)(?:/|\b)"
    r"|[A-Za-z]:[\\/]|\\\\[\w.-]+\\|~[/\\])"
)


def machine_paths(checkpoint: Path) -> list[str]:
    """Every string of the checkpoint's safetensors header that names a place on some machine."""
    import json
    from pathlib import PurePosixPath, PureWindowsPath

    raw = checkpoint.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            try:  # the motionclip metadata is JSON inside a string
                inner = json.loads(value)
            except ValueError:
                inner = None
            if isinstance(inner, (dict, list)):
                walk(inner)
            else:
                texts.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(header.get("__metadata__", {}))
    return [
        t
        for t in texts
        if PurePosixPath(t).is_absolute() or PureWindowsPath(t).drive or _MACHINE_PATH.search(t) is not None
    ]


def test_the_machine_path_scan_finds_paths() -> None:
    """The scan itself, on the kinds of paths it must catch (and text it must let through)."""
    import json
    import tempfile

    import torch
    from safetensors.torch import save_file

    found = [
        "/work/runs/speed20/model.safetensors",
        "C:\\Users\\me\\clip",
        "trained from /home/me/data.safetensors",
        "~/models/clip",
    ]
    fine = ["model.safetensors", "openai/clip-vit-base-patch32", "./clip", "../clip", "a 2-core CPU, 62-min budget"]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.safetensors"
        save_file({"w": torch.zeros(1)}, str(p), {"k": json.dumps({"a": found + fine})})
        assert machine_paths(p) == found


def test_the_shipped_header_names_no_machine_path() -> None:
    """The shipped file once recorded the developer's folders (train.init_from, training.model)."""
    assert machine_paths(shipped_checkpoint()) == []


def test_training_writes_no_machine_path(tiny_checkpoint: Path) -> None:
    """The tiny run trained from absolute temporary paths: its header keeps the file names only."""
    from motionclip.model.checkpoint import read_metadata

    assert machine_paths(tiny_checkpoint) == []
    training = read_metadata(tiny_checkpoint)["training"]
    assert training["data"] == "synthetic.safetensors" and training["model"] == "model.safetensors"
    summary = (tiny_checkpoint.parent / "summary.json").read_text()
    assert str(tiny_checkpoint.parent) not in summary and '"data": "synthetic.safetensors"' in summary
