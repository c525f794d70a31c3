"""Bad input on the command line: a clear one-line error and a non-zero exit, no traceback."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bvh_samples import CHAIN_BVH, write_text
from typer.testing import CliRunner

from motionclip import cli
from motionclip.errors import MotionCLIPError

runner = CliRunner()

LAST_ROW = "0 100 0 0 90 0 0 -90 0 0 0 0"


def bad_files(d: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, expected words in the error)."""
    last = LAST_ROW
    texts = {  # name -> (file name, contents, expected words in the error)
        "random_text": ("notes.bvh", "Dear diary,\nthis is not motion data.\n", "not a BVH file"),
        "empty": ("empty.bvh", "", "not a BVH file"),
        "truncated": ("trunc.bvh", CHAIN_BVH.replace(last + "\n", ""), "truncated MOTION block"),
        "cut_mid_row": ("cut.bvh", CHAIN_BVH.replace(last, "0 100 0 0 9"), "has 5 values, expected 12"),
        "too_many_values": ("many.bvh", CHAIN_BVH.replace(last, last + " 7"), "has 13 values"),
        "nan": ("nan.bvh", CHAIN_BVH.replace(last, last.replace("90", "nan", 1)), "NaN or inf"),
        "inf": ("inf.bvh", CHAIN_BVH.replace(last, last.replace("100", "-inf")), "NaN or inf"),
        "not_a_number": ("word.bvh", CHAIN_BVH.replace(last, last.replace("90", "abc", 1)), "not a number"),
        "unknown_channel": ("chan.bvh", CHAIN_BVH.replace("Xrotation", "Wrotation", 1), "unknown channel 'Wrotation'"),
        "channel_count": ("count.bvh", CHAIN_BVH.replace("CHANNELS 3", "CHANNELS 4", 1), "CHANNELS says 4"),
        "zero_frames": ("zero.bvh", CHAIN_BVH.split("Frames:")[0] + "Frames: 0\nFrame Time: 0.0333\n", "zero frames"),
        "bad_frame_time": ("ft.bvh", CHAIN_BVH.replace("0.033333", "0"), "Frame Time must be positive"),
        "no_motion": ("nomotion.bvh", CHAIN_BVH.split("MOTION")[0], "no MOTION section"),
        "unbalanced": ("brace.bvh", CHAIN_BVH.replace("MOTION", "}\nMOTION"), "unbalanced"),
    }
    cases = {name: (write_text(d / file, text), words) for name, (file, text, words) in texts.items()}
    cases["missing"] = (d / "missing.bvh", "file not found")
    cases["corrupt_gzip"] = (d / "corrupt.bvh.gz", "cannot read")
    cases["directory"] = (d / "folder.bvh", "is a directory")
    (d / "folder.bvh").mkdir()
    (d / "corrupt.bvh.gz").write_bytes(gzip.compress(CHAIN_BVH.encode())[:40])
    return cases


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return bad_files(tmp_path_factory.mktemp("bad-bvh"))


CASES = [
    "missing", "random_text", "empty", "truncated", "cut_mid_row", "too_many_values", "nan", "inf", "not_a_number",
    "unknown_channel", "channel_count", "zero_frames", "bad_frame_time", "no_motion", "unbalanced", "corrupt_gzip",
    "directory",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_render_rejects_bad_bvh(bad: dict[str, tuple[Path, str]], case: str, tmp_path: Path) -> None:
    path, words = bad[case]
    out = tmp_path / "out.png"
    result = runner.invoke(cli.app, ["render", str(path), "--out", str(out)])
    assert result.exit_code != 0
    assert isinstance(result.exception, MotionCLIPError), repr(result.exception)
    message = str(result.exception)
    assert words in message
    assert "\n" not in message and str(path.name) in message  # one line that names the file
    assert not out.exists()


def test_main_prints_one_line_instead_of_a_traceback(
    bad: dict[str, tuple[Path, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path, words = bad["nan"]
    monkeypatch.setattr(sys, "argv", ["motionclip", "render", str(path), "--out", str(tmp_path / "o.png")])
    monkeypatch.setenv("COLUMNS", "300")
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().startswith("error:") and words in err


def test_data_prepare_missing_folder(tmp_path: Path) -> None:
    out = str(tmp_path / "c.safetensors")
    result = runner.invoke(cli.app, ["data", "prepare", "--root", str(tmp_path / "nope"), "--out", out])
    assert result.exit_code != 0
    assert isinstance(result.exception, MotionCLIPError)
    assert "dataset folder not found" in str(result.exception)
    result = runner.invoke(cli.app, ["data", "prepare", "--root", str(tmp_path), "--out", out])
    assert isinstance(result.exception, MotionCLIPError)
    assert "no Bandai Namco dataset" in str(result.exception)
    assert not (tmp_path / "c.safetensors").exists()


def test_data_prepare_bad_window(synthetic_root: Path, tmp_path: Path) -> None:
    args = ["data", "prepare", "--root", str(synthetic_root), "--out", str(tmp_path / "c.safetensors")]
    result = runner.invoke(cli.app, [*args, "--window", "1", "--workers", "1"])
    assert isinstance(result.exception, MotionCLIPError) and "window" in str(result.exception)
    result = runner.invoke(cli.app, [*args, "--window", "500", "--workers", "1"])
    assert isinstance(result.exception, MotionCLIPError) and "shorter than the window" in str(result.exception)


def test_data_info_on_files_that_are_not_caches(bad: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    (tmp_path / "random.safetensors").write_bytes(os.urandom(256))
    for path, words in (
        (tmp_path / "missing.safetensors", "not found"),
        (bad["random_text"][0], "not a readable dataset cache"),
        (tmp_path / "random.safetensors", "not a readable dataset cache"),
    ):
        result = runner.invoke(cli.app, ["data", "info", str(path)])
        assert result.exit_code != 0
        assert isinstance(result.exception, MotionCLIPError), repr(result.exception)
        assert words in str(result.exception)


def test_data_prepare_and_info_succeed(synthetic_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.safetensors"
    args = ["data", "prepare", "--root", str(synthetic_root), "--out", str(out), "--window", "30", "--stride", "10"]
    result = runner.invoke(cli.app, [*args, "--workers", "1", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "24 takes" in " ".join(result.output.split()) and out.exists()
    result = runner.invoke(cli.app, ["data", "info", str(out), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert sum(info["takes"].values()) == 24
    assert sum(info["windows"].values()) == 24 * ((80 - 30) // 10 + 1)
    assert info["fps"] == 30.0 and info["window"] == 30
    result = runner.invoke(cli.app, ["data", "info", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "train" in result.output and "walk" in result.output and "elderly" in result.output


def motionclip_exe() -> list[str]:
    exe = Path(sys.executable).parent / "motionclip"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from motionclip.cli import main; main()"]


def test_entry_point_prints_no_traceback(bad: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    """The installed `motionclip` script (one run: importing torch takes seconds)."""
    env = {**os.environ, "COLUMNS": "300", "NO_COLOR": "1"}
    path, words = bad["truncated"]
    args = ["render", str(path), "--out", str(tmp_path / "o.png")]
    proc = subprocess.run([*motionclip_exe(), *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert words in lines[0] and path.name in lines[0]
