"""A training run across stops: every stop writes a resumable last.ckpt, kill -9 loses at most one
checkpoint interval and leaves no temporary file, resume never puts older weights in model.safetensors."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from model_helpers import quick_run

from motionclip.errors import MotionCLIPError
from motionclip.training.ckpt_io import load_state
from motionclip.training.run import train
from motionclip.training.run_state import checkpoint_step


def _model_step(run_dir: Path, name: str = "model.safetensors") -> int:
    from motionclip.model.checkpoint import read_metadata

    return int(read_metadata(run_dir / name)["training"]["global_step"])


def _temps(run_dir: Path) -> list[str]:
    return sorted(
        p.name for d in (run_dir, run_dir / "checkpoints") if d.is_dir() for p in d.iterdir() if p.name.startswith(".")
    )


def test_step_limit_between_intervals_still_writes_last(synthetic_cache: Path, tmp_path: Path) -> None:
    summary = train(
        synthetic_cache, quick_run(steps=3, checkpoint_every=1000), tmp_path, progress=False, log=lambda *_: None
    )
    assert summary["global_step"] == 3 and summary["stopped_by"] == "finished"
    assert checkpoint_step(tmp_path / "checkpoints" / "last.ckpt") == 3


def test_stale_temporaries_are_removed_on_start(synthetic_cache: Path, tmp_path: Path) -> None:
    ckpts = tmp_path / "checkpoints"
    ckpts.mkdir(parents=True)
    stale = [
        ckpts / ".step0000002.ckpt.k2j4h6g8.tmp",
        ckpts / ".last.ckpt.abc_1234.tmp",
        tmp_path / ".model.safetensors.zz99yy88.safetensors",
    ]
    stale.append(ckpts / ".tmpAb3dE9")  # safetensors' own temporary (save_file killed mid-write)
    for p in stale:
        p.write_bytes(b"\0" * 1000)
    keep = [tmp_path / "notes.txt", ckpts / ".keep", tmp_path / ".hidden.cfg"]
    for p in keep:
        p.write_text("mine")
    messages: list[str] = []
    train(synthetic_cache, quick_run(steps=1), tmp_path, progress=False, log=messages.append)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in keep)
    assert any("removed 4 temporary file(s)" in m for m in messages), messages


def test_time_budget_stops_with_last_and_a_budgeted_resume_continues(synthetic_cache: Path, tmp_path: Path) -> None:
    run = quick_run(steps=100_000, max_minutes=0.0005)  # 30 ms: stops after the first step or so
    first = train(synthetic_cache, run, tmp_path, progress=False, log=lambda *_: None)
    assert 1 <= first["global_step"] < 100_000
    assert checkpoint_step(tmp_path / "checkpoints" / "last.ckpt") == first["global_step"]
    assert _model_step(tmp_path) == first["global_step"]
    # the resumed run gets its own budget (it used to inherit the spent time and stop at once)
    second = train(synthetic_cache, run, tmp_path, resume="last", progress=False, log=lambda *_: None)
    assert second["global_step"] > first["global_step"]
    assert _model_step(tmp_path) == second["global_step"]


def test_resume_last_takes_the_newest_complete_checkpoint(synthetic_cache: Path, tmp_path: Path) -> None:
    train(synthetic_cache, quick_run(steps=4, checkpoint_every=2), tmp_path, progress=False, log=lambda *_: None)
    ckpts = tmp_path / "checkpoints"
    # a kill between the step file and last.ckpt: last.ckpt lags step0000004
    shutil.copy(ckpts / "step0000002.ckpt", ckpts / "last.ckpt")
    messages: list[str] = []
    out = train(
        synthetic_cache,
        quick_run(steps=6, checkpoint_every=2),
        tmp_path,
        resume="last",
        progress=False,
        log=messages.append,
    )
    assert any("step0000004.ckpt (step 4)" in m for m in messages), messages
    assert out["global_step"] == 6


def test_resume_from_an_older_checkpoint_keeps_the_newer_model(synthetic_cache: Path, tmp_path: Path) -> None:
    train(synthetic_cache, quick_run(steps=4, checkpoint_every=2), tmp_path, progress=False, log=lambda *_: None)
    before = (tmp_path / "model.safetensors").read_bytes()
    messages: list[str] = []
    out = train(
        synthetic_cache,
        quick_run(steps=3),
        tmp_path,
        resume=tmp_path / "checkpoints" / "step0000002.ckpt",
        progress=False,
        log=messages.append,
    )
    assert out["global_step"] == 3
    assert (tmp_path / "model.safetensors").read_bytes() == before  # step 4 kept
    assert _model_step(tmp_path, "model-step0000003.safetensors") == 3
    assert any("is kept" in m for m in messages)


def test_bad_settings_fail_before_the_run_folder_exists(synthetic_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = quick_run()
    run.model.num_heads = 7  # does not divide the backend's 384
    with pytest.raises(MotionCLIPError, match="num_heads"):
        train(synthetic_cache, run, out, progress=False, log=lambda *_: None)
    with pytest.raises(MotionCLIPError, match="cannot resume"):
        train(synthetic_cache, quick_run(), out, resume="last", progress=False, log=lambda *_: None)
    with pytest.raises(MotionCLIPError):
        train(tmp_path / "missing.safetensors", quick_run(), out, progress=False, log=lambda *_: None)
    # settings only Lightning can judge: the Trainer is built before the run folder
    with pytest.raises(MotionCLIPError, match="^train.accelerator=cpu, train.devices=1, train.strategy=no-such: "):
        train(synthetic_cache, quick_run(strategy="no-such"), out, progress=False, log=lambda *_: None)
    assert not out.exists()


def test_dataset_without_validation_windows_trains_with_a_warning(synthetic_cache: Path, tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from motionclip.data.cache import MotionCache

    cache = MotionCache.load(synthetic_cache)
    tensors = {k: v.clone() for k, v in cache.tensors.items()}
    tensors["take_split"][tensors["take_split"] == 1] = 0
    data = tmp_path / "noval.safetensors"
    save_file(tensors, str(data), metadata={"motionclip": json.dumps(cache.meta)})
    messages: list[str] = []
    out = train(data, quick_run(steps=2), tmp_path / "run", progress=False, log=messages.append)
    assert out["global_step"] == 2 and (tmp_path / "run" / "model.safetensors").is_file()
    assert any("no validation windows" in m for m in messages)


def _signal_at_step(monkeypatch: pytest.MonkeyPatch, signum: int, step: int) -> None:
    from motionclip.training.lightning import MotionCLIPModule

    def on_train_batch_end(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        if self.trainer.global_step == step:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(MotionCLIPModule, "on_train_batch_end", on_train_batch_end, raising=False)


def test_ctrl_c_stops_after_the_step_and_writes_last(
    synthetic_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN in a background job
    _signal_at_step(monkeypatch, signal.SIGINT, 2)
    out = train(synthetic_cache, quick_run(steps=1000), tmp_path, progress=False, log=lambda *_: None)
    assert out["stopped_by"] == "Ctrl+C" and 2 <= out["global_step"] <= 3
    assert checkpoint_step(tmp_path / "checkpoints" / "last.ckpt") == out["global_step"]
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


def test_sigterm_writes_last(synthetic_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _signal_at_step(monkeypatch, signal.SIGTERM, 2)
    old = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit):  # Lightning's SIGTERMException
            train(synthetic_cache, quick_run(steps=1000), tmp_path, progress=False, log=lambda *_: None)
    finally:
        signal.signal(signal.SIGTERM, old)
    step = checkpoint_step(tmp_path / "checkpoints" / "last.ckpt")
    assert step is not None and 2 <= step <= 3
    assert load_state(tmp_path / "checkpoints" / "last.ckpt")["global_step"] == step


_TRAIN_FOREVER = """
import sys, torch
sys.path[:0] = sys.argv[3:]
torch.set_num_threads(1)
from model_helpers import quick_run
from motionclip.training.run import train
train(sys.argv[1], quick_run(steps=1_000_000, checkpoint_every=2), sys.argv[2], progress=False, log=lambda *_: None)
"""


def test_kill_9_then_resume_loses_at_most_one_interval(synthetic_cache: Path, tmp_path: Path) -> None:
    tests = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__import__("motionclip").__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", _TRAIN_FOREVER, str(synthetic_cache), str(tmp_path), str(tests / "model"), str(tests)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    ckpts = tmp_path / "checkpoints"
    deadline = time.monotonic() + 120
    try:
        while len(list(ckpts.glob("step*.ckpt"))) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "no checkpoints within 120 s"
            time.sleep(0.02)
        time.sleep(random.uniform(0.0, 0.3))  # any moment, mid-write included
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
    complete = max(s for p in ckpts.glob("*.ckpt") if (s := checkpoint_step(p)) is not None)
    messages: list[str] = []
    out = train(
        synthetic_cache,
        quick_run(steps=complete + 2, checkpoint_every=2),
        tmp_path,
        resume="last",
        progress=False,
        log=messages.append,
    )
    assert any(f"(step {complete})" in m for m in messages), messages  # the newest complete checkpoint
    assert out["global_step"] == complete + 2
    assert _temps(tmp_path) == [], _temps(tmp_path)
