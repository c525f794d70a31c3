from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import imageio_ffmpeg
import numpy as np
import pytest
import torch
from PIL import Image
from render_test_skeleton import NAMES, PARENTS, travelling

from motionclip.render import RenderConfig, render_frames, render_motion, save_animation, save_keyframe_strip
from motionclip.render.video import gif_delays_cs


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return render_frames(travelling(15, dz=1.0), PARENTS, NAMES, RenderConfig(width=64, height=64))


def _mp4_info(path: Path) -> tuple[int, float, tuple[int, int]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    count = sum(1 for _ in reader)
    return count, float(meta["fps"]), tuple(meta["size"])


def _gif_durations(path: Path) -> list[int]:
    with Image.open(path) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append(int(im.info["duration"]))
    return out


def test_mp4_frames_and_fps(clip: np.ndarray, tmp_path: Path) -> None:
    path = save_animation(clip, tmp_path / "a.mp4", fps=25)
    assert _mp4_info(path) == (15, 25.0, (64, 64))
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]  # temp file moved into place


def test_mp4_odd_size_is_padded_even(tmp_path: Path) -> None:
    frames = np.zeros((4, 33, 45, 3), dtype=np.uint8)
    count, fps, size = _mp4_info(save_animation(frames, tmp_path / "odd.mp4", fps=30))
    assert (count, fps, size) == (4, 30.0, (46, 34))


def test_gif_frame_durations_match_fps(clip: np.ndarray, tmp_path: Path) -> None:
    path = save_animation(clip, tmp_path / "a.gif", fps=20)
    assert _gif_durations(path) == [50] * 15
    frames = np.random.default_rng(0).integers(0, 255, (30, 16, 16, 3), dtype=np.uint8)
    durations = _gif_durations(save_animation(frames, tmp_path / "b.gif", fps=30))
    assert len(durations) == 30 and set(durations) <= {30, 40} and sum(durations) == 1000


def test_gif_above_50fps_is_decimated_to_real_time(tmp_path: Path) -> None:
    frames = np.random.default_rng(1).integers(0, 255, (60, 8, 8, 3), dtype=np.uint8)
    durations = _gif_durations(save_animation(frames, tmp_path / "c.gif", fps=60))
    assert len(durations) == 30 and sum(durations) == 1000


def test_gif_delays_track_real_time() -> None:
    delays = gif_delays_cs(300, 29.97)
    assert abs(sum(delays) / 100 - 300 / 29.97) < 0.01


def test_unknown_extension(clip: np.ndarray, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.mp4.*\.gif"):
        save_animation(clip, tmp_path / "a.avi", fps=30)
    with pytest.raises(ValueError, match=r"\.png"):
        save_keyframe_strip(clip, tmp_path / "a.jpg")
    assert not list(tmp_path.iterdir())


def test_overwrite_and_bad_frames(clip: np.ndarray, tmp_path: Path) -> None:
    target = tmp_path / "x.gif"
    target.write_bytes(b"old")
    save_animation(clip, target, fps=10)
    assert target.read_bytes()[:3] == b"GIF"
    with pytest.raises(ValueError):
        save_animation(clip.astype(np.float32), tmp_path / "y.mp4", fps=10)
    with pytest.raises(ValueError):
        save_animation(clip, tmp_path / "y.mp4", fps=0)


def test_keyframe_strip(clip: np.ndarray, tmp_path: Path) -> None:
    path = save_keyframe_strip(clip, tmp_path / "s.png", n=4)
    with Image.open(path) as im:
        assert im.size == (4 * 64, 64)
    strip = np.asarray(Image.open(path))
    assert np.array_equal(strip[:, :64], clip[0]) and np.array_equal(strip[:, -64:], clip[-1])


class _Skeleton(SimpleNamespace):
    pass


def _motion(fps: float = 24.0) -> SimpleNamespace:
    positions = torch.tensor(travelling(10, dz=0.6), dtype=torch.float32)
    return SimpleNamespace(
        positions=lambda: positions, skeleton=_Skeleton(parents=tuple(PARENTS), names=tuple(NAMES)), fps=fps
    )


def test_render_motion_duck_typed(tmp_path: Path) -> None:
    cfg = RenderConfig(width=64, height=64)
    mp4 = render_motion(_motion(24.0), tmp_path / "m.mp4", config=cfg)
    assert _mp4_info(mp4) == (10, 24.0, (64, 64))
    gif = render_motion(_motion(20.0), tmp_path / "m.gif", config=cfg, caption="a person walks forward")
    durations = _gif_durations(gif)
    assert sum(durations) == 500
    with Image.open(gif) as im:
        assert im.size[0] == 64 and im.size[1] > 64  # caption band
    png = render_motion(_motion(), tmp_path / "m.png", config=cfg)
    with Image.open(png) as im:
        assert im.size == (6 * 64, 64)
    with pytest.raises(ValueError, match=r"\.mp4"):
        render_motion(_motion(), tmp_path / "m.webm", config=cfg)


def _write(clip: np.ndarray, path: Path) -> Path:
    return save_keyframe_strip(clip, path) if path.suffix == ".png" else save_animation(clip, path, fps=10)


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4"])
def test_a_folder_in_the_way_is_one_clear_error(clip: np.ndarray, tmp_path: Path, suffix: str) -> None:
    """The writers share io_utils.atomic_path: a folder named like the output is refused before any
    temporary is made (this used to end in an IsADirectoryError from os.replace)."""
    from motionclip.errors import MotionCLIPError

    folder = tmp_path / f"out{suffix}"
    folder.mkdir()
    with pytest.raises(MotionCLIPError) as err:
        _write(clip, folder)
    assert str(err.value) == f"{folder}: is a folder; give a file name"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [folder.name]  # nothing left behind


@pytest.mark.parametrize("suffix", [".png", ".gif", ".mp4"])
def test_an_unwritable_folder_is_one_clear_error(
    clip: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Permission errors of the file system (here as root could not meet them: mkstemp raises) are one
    line naming the output; the folders made for it are removed again."""
    import tempfile

    from motionclip.errors import MotionCLIPError

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    target = tmp_path / "new" / "deeper" / f"x{suffix}"
    with pytest.raises(MotionCLIPError) as err:
        _write(clip, target)
    assert str(err.value) == f"{target}: cannot write (Permission denied)"
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(getattr(os, "geteuid", lambda: 0)() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_clear_error(clip: np.ndarray, tmp_path: Path) -> None:
    from motionclip.errors import MotionCLIPError

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(MotionCLIPError) as err:
            _write(clip, folder / "x.gif")
        assert str(err.value) == f"{folder / 'x.gif'}: folder {folder} is not writable"
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o755)


def test_a_failing_writer_leaves_nothing(clip: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that fails half-way (ffmpeg, Pillow) leaves neither a temporary nor the folders made for it."""
    from motionclip.render import video

    def broken(frames: np.ndarray, path: Path, fps: float) -> None:
        path.write_bytes(b"half a GIF")
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(video, "_write_gif", broken)
    with pytest.raises(RuntimeError, match="encoder crashed"):
        save_animation(clip, tmp_path / "a" / "b" / "x.gif", fps=10)
    assert not list(tmp_path.iterdir())
