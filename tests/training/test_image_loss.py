"""The paper's image loss: render one frame per window, embed it with CLIP's image tower, train on it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from model_helpers import logged_values, quick_run
from safetensors import safe_open
from safetensors.torch import load_file
from typer.testing import CliRunner

from motionclip.apps.render_frames import choose_frames, render_window_images, window_poses
from motionclip.cli import app
from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.tagged import IMAGE_TARGETS, write_tagged
from motionclip.training.image_targets import image_embeddings_path
from motionclip.training.run import train

runner = CliRunner()


@pytest.fixture(scope="module")
def clip_cache(synthetic_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the synthetic cache, so its image-embedding file does not leak into other tests."""
    dst = tmp_path_factory.mktemp("clip-cache") / "synthetic.safetensors"
    dst.write_bytes(synthetic_cache.read_bytes())
    return dst


@pytest.fixture(scope="module")
def rendered(clip_cache: Path, tiny_clip_dir: Path) -> Path:
    args = ["data", "render-frames", str(clip_cache), "--backend", "clip", "--clip-model", str(tiny_clip_dir)]
    result = runner.invoke(app, [*args, "--size", "48", "--seed", "3", "--no-progress"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return image_embeddings_path(clip_cache, "clip")


def test_render_frames_file(rendered: Path, clip_cache: Path) -> None:
    import json

    cache = MotionCache.load(clip_cache)
    n = len(cache.tensors["window_take"])
    assert rendered.name == "synthetic.images-clip.safetensors" and rendered.parent == clip_cache.parent
    t = load_file(str(rendered))
    assert t["embeddings"].shape == (n, 32) and t["embeddings"].dtype == torch.float32
    assert torch.allclose(t["embeddings"].norm(dim=-1), torch.ones(n), atol=1e-4)
    assert bool(t["rendered"].all())
    assert torch.equal(t["frame"], choose_frames(n, cache.window, 3))
    assert int(t["frame"].min()) >= 0 and int(t["frame"].max()) < cache.window
    with safe_open(str(rendered), framework="pt") as fh:
        meta = json.loads(fh.metadata()[IMAGE_TARGETS.key])
    assert meta["backend"] == "clip" and meta["dim"] == 32 and meta["size"] == 48 and meta["windows"] == n
    assert meta["split"] == "all" and meta["seed"] == 3


def test_rendered_pose_is_the_windows_frame(clip_cache: Path) -> None:
    from motionclip.data.fk import forward_kinematics
    from motionclip.data.rotations import sixd_to_matrix

    cache = MotionCache.load(clip_cache)
    content = cache.window_labels(torch.arange(len(cache.tensors["window_take"])))["content"]
    windows = torch.stack([torch.nonzero(content == c)[0, 0] for c in range(3)])  # three different actions
    frames = torch.tensor([0, 7, 29])
    poses = window_poses(cache, windows, frames)
    rot, trans = cache.windows(windows)
    for k, (w, f) in enumerate(zip(windows, frames)):
        off = cache.tensors["take_offsets"][cache.tensors["window_take"][w]]
        full = forward_kinematics(sixd_to_matrix(rot[k]), trans[k], off, cache.skeleton.parents)
        assert torch.allclose(poses[k], full[int(f)], atol=1e-5)
    assert poses[0, 0, 0].abs() < 1e-5 and poses[0, 0, 2].abs() < 1e-5  # canonical: frame 0's root at the origin
    images = render_window_images(cache, windows, frames, size=40)
    assert images.shape == (3, 40, 40, 3) and images.dtype.name == "uint8"
    assert len({im.tobytes() for im in images}) == 3  # three different actions, three images


def test_training_logs_a_nonzero_image_loss(
    rendered: Path, clip_cache: Path, tiny_clip_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    args = ["train", "--data", str(clip_cache), "--out", str(out), "--no-progress", "backend=clip"]
    tiny = ["model.num_layers=1", "model.ff_size=64", "train.batch_size=8", "train.log_every=1", "train.max_steps=3"]
    result = runner.invoke(app, [*args, f"backend_model={tiny_clip_dir}", *tiny])
    assert result.exit_code == 0, result.output + repr(result.exception)
    image = logged_values(out, "train/image")
    assert len(image) == 3 and all(v > 0 for v in image), image
    import motionclip

    model = motionclip.load(str(out))
    assert model.latent_dim == 32 and model.backend_name == "clip" and model.backend_model == str(tiny_clip_dir)
    motion = model.generate("a person waves")  # the checkpoint finds its CLIP again
    assert len(motion) == model.window


def test_loss_image_zero_skips_it(rendered: Path, clip_cache: Path, tiny_clip_dir: Path, tmp_path: Path) -> None:
    from motionclip.text import get_backend

    run = quick_run(steps=2)
    run.backend, run.backend_model = "clip", str(tiny_clip_dir)
    run.loss.image = 0.0
    summary = train(clip_cache, run, tmp_path / "a", progress=False, log=lambda *_: None)
    assert "train/image" not in summary["metrics"]
    # the model is sized to the backend (32) on a copy: the run's config is not changed
    assert run.model.latent_dim == 384 and summary["config"]["model"]["latent_dim"] == 32
    assert get_backend("clip", model=tiny_clip_dir).has_image


def test_image_loss_needs_the_rendered_file(synthetic_cache: Path, tiny_clip_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "fresh.safetensors"
    data.write_bytes(synthetic_cache.read_bytes())
    run = quick_run(steps=1)
    run.backend, run.backend_model = "clip", str(tiny_clip_dir)
    with pytest.raises(MotionCLIPError, match="render-frames"):
        train(data, run, tmp_path / "run", progress=False, log=lambda *_: None)
    # a file for another model size is refused with a clear message
    from safetensors.torch import save_file

    n = len(MotionCache.load(data).tensors["window_take"])
    write_tagged(IMAGE_TARGETS, image_embeddings_path(data, "clip"), {"embeddings": torch.ones(n, 7)}, {})
    with pytest.raises(MotionCLIPError, match="dim 7"):
        train(data, run, tmp_path / "run", progress=False, log=lambda *_: None)
    write_tagged(IMAGE_TARGETS, image_embeddings_path(data, "clip"), {"embeddings": torch.ones(n + 1, 32)}, {})
    with pytest.raises(MotionCLIPError, match="re-render"):
        train(data, run, tmp_path / "run", progress=False, log=lambda *_: None)
    # the format tag is checked: an untagged file or another kind of file is refused by name
    save_file({"embeddings": torch.ones(n, 32)}, str(image_embeddings_path(data, "clip")))
    with pytest.raises(MotionCLIPError, match="not a motionclip image-embedding file"):
        train(data, run, tmp_path / "run", progress=False, log=lambda *_: None)
    image_embeddings_path(data, "clip").write_bytes(data.read_bytes())
    with pytest.raises(MotionCLIPError, match="dataset cache, not an image-embedding file"):
        train(data, run, tmp_path / "run", progress=False, log=lambda *_: None)


def test_render_frames_train_split_and_errors(synthetic_cache: Path, tiny_clip_dir: Path, tmp_path: Path) -> None:
    from motionclip.apps.render_frames import render_frame_embeddings
    from motionclip.text import get_backend

    data = tmp_path / "split.safetensors"
    data.write_bytes(synthetic_cache.read_bytes())
    backend = get_backend("clip", model=tiny_clip_dir, cache_dir=False)
    summary = render_frame_embeddings(
        data, backend, size=24, seed=3, split="train", progress=False, log=lambda *_: None
    )
    cache = MotionCache.load(data)
    train_idx = cache.window_indices("train")
    t = load_file(summary["out"])
    n = len(cache.tensors["window_take"])
    assert summary["rendered"] == len(train_idx) < n
    mask = torch.zeros(n, dtype=torch.bool)
    mask[train_idx] = True
    assert torch.equal(t["rendered"], mask)
    assert bool((t["embeddings"][~mask] == 0).all()) and bool((t["embeddings"][mask].norm(dim=-1) > 0.99).all())
    # the frame of a window does not depend on the split
    assert torch.equal(t["frame"][mask], choose_frames(n, cache.window, 3)[mask])
    assert bool((t["frame"][~mask] == -1).all())
    with pytest.raises(MotionCLIPError, match="unknown split"):
        render_frame_embeddings(data, backend, split="val", progress=False)
    with pytest.raises(MotionCLIPError, match="no image tower"):
        render_frame_embeddings(data, get_backend("minilm"), progress=False)
    result = runner.invoke(app, ["data", "render-frames", str(data), "--backend", "minilm"])
    assert isinstance(result.exception, MotionCLIPError) and "--backend clip" in str(result.exception)
