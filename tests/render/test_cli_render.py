"""``motionclip render`` and ``motionclip generate`` to videos/images through the CLI."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image
from typer.testing import CliRunner

from motionclip.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def bvh_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from synthetic import make_motion

    from motionclip.data.bvh import write_bvh

    d = tmp_path_factory.mktemp("bvh")
    walk = write_bvh(make_motion("walk", frames=12), d / "walk.bvh")
    wave = write_bvh(make_motion("wave-left-hand", frames=8), d / "wave.bvh.gz")
    return Path(walk), Path(wave)


def _invoke(args: list[str]) -> list[str]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return [line for line in result.stdout.splitlines() if line.strip()]


def _mp4(path: Path) -> tuple[int, tuple[int, int]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    return sum(1 for _ in reader), tuple(meta["size"])


def test_render_mp4_gif_png(bvh_files: tuple[Path, Path], tmp_path: Path) -> None:
    walk, _ = bvh_files
    printed = _invoke(["render", str(walk), "--out", str(tmp_path / "walk.mp4"), "--size", "48"])
    assert printed == [str(tmp_path / "walk.mp4")]
    assert _mp4(tmp_path / "walk.mp4") == (12, (48, 48))
    _invoke(["render", str(walk), "--out", str(tmp_path / "walk.gif"), "--size", "40"])
    with Image.open(tmp_path / "walk.gif") as im:
        assert im.n_frames == 12 and im.size == (40, 40)
    _invoke(["render", str(walk), "--out", str(tmp_path / "walk.png"), "--size", "40"])
    with Image.open(tmp_path / "walk.png") as im:
        assert im.height == 40 and im.width > 40  # a strip of key frames


def test_render_default_size(bvh_files: tuple[Path, Path], tmp_path: Path) -> None:
    _, wave = bvh_files
    _invoke(["render", str(wave), "--out", str(tmp_path / "wave.gif")])
    with Image.open(tmp_path / "wave.gif") as im:
        assert im.n_frames == 8 and im.size == (320, 320)


def test_render_grid_two_files(bvh_files: tuple[Path, Path], tmp_path: Path) -> None:
    walk, wave = bvh_files
    out = tmp_path / "grid.mp4"
    caps = ["--caption", "a walk", "--caption", "a wave"]
    printed = _invoke(["render", str(walk), str(wave), "--grid", "--out", str(out), "--size", "48", *caps])
    assert printed == [str(out)]
    frames, (w, h) = _mp4(out)
    assert frames == 12  # the longest clip; the shorter one holds its last frame
    assert w >= 96 and h > 48  # two cells side by side plus a caption band
    png = tmp_path / "grid.png"
    _invoke(["render", str(walk), str(wave), "--grid", "--out", str(png), "--size", "40"])
    assert png.stat().st_size > 0


def test_render_errors(bvh_files: tuple[Path, Path], tmp_path: Path) -> None:
    from motionclip.errors import MotionCLIPError

    walk, wave = bvh_files
    result = runner.invoke(app, ["render", str(walk), "--out", str(tmp_path / "x.bvh")])
    assert isinstance(result.exception, MotionCLIPError) and ".mp4, .gif or .png" in str(result.exception)
    result = runner.invoke(app, ["render", str(walk), str(wave), "--out", str(tmp_path / "x.gif"), "--caption", "one"])
    assert isinstance(result.exception, MotionCLIPError) and "1 captions for 2 files" in str(result.exception)
    result = runner.invoke(app, ["render", str(walk), "--out", str(tmp_path / "x.gif"), "--size", "2"])
    assert result.exit_code != 0 and not (tmp_path / "x.gif").exists()


def test_generate_to_mp4_with_checkpoint(
    tiny_checkpoint: Path, embedding_cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(embedding_cache_dir))
    out = tmp_path / "walks.mp4"
    args = ["generate", "a person walks", "--out", str(out), "--checkpoint", str(tiny_checkpoint), "--frames", "10"]
    assert _invoke(args) == [str(out)]
    frames, size = _mp4(out)
    assert frames == 10 and size[0] > 0
