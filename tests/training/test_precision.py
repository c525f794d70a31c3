"""Precision is chosen from the hardware (bf16 where it has matrix units, else fp32)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from model_helpers import quick_run

from motionclip.errors import MotionCLIPError
from motionclip.training import precision
from motionclip.training.precision import FORCE_FP32_ENV, resolve_precision
from motionclip.training.run import train


def test_auto_uses_bf16_only_where_the_cpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FORCE_FP32_ENV, raising=False)
    monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ("avx512_bf16",))
    lightning, dtype, note = resolve_precision("auto", "cpu")
    assert (lightning, dtype) == ("32-true", torch.bfloat16) and "avx512_bf16" in note
    monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ())
    assert resolve_precision("auto", "cpu")[:2] == ("32-true", None)


def test_forcing_fp32_and_explicit_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ("amx_bf16",))
    monkeypatch.setenv(FORCE_FP32_ENV, "1")
    lightning, dtype, note = resolve_precision("auto", "cpu")
    assert dtype is None and FORCE_FP32_ENV in note
    assert resolve_precision("bf16-mixed", "cpu")[1] == torch.bfloat16  # an explicit request wins
    assert resolve_precision("32-true", "cpu") == ("32-true", None, "32-true (requested)")
    with pytest.raises(MotionCLIPError, match="train.precision"):
        resolve_precision("bogus", "cpu")


def test_cpu_flags_are_read_from_proc_cpuinfo() -> None:
    flags = precision.cpu_bf16_flags()
    assert set(flags) <= set(precision.BF16_CPU_FLAGS)
    if Path("/proc/cpuinfo").exists():
        text = Path("/proc/cpuinfo").read_text()
        assert ("avx512_bf16" in text) == ("avx512_bf16" in flags)


@pytest.mark.parametrize("forced_fp32", [True, False])
def test_training_runs_in_both_precisions_and_says_which(
    forced_fp32: bool, synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if forced_fp32:
        monkeypatch.setenv(FORCE_FP32_ENV, "1")
    else:
        monkeypatch.delenv(FORCE_FP32_ENV, raising=False)
        monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ("avx512_bf16",))
    messages: list[str] = []
    summary = train(synthetic_cache, quick_run(steps=3), tmp_path, progress=False, log=messages.append)
    assert summary["global_step"] == 3
    header = [m for m in messages if m.startswith("precision:")]
    expected = f"32-true ({FORCE_FP32_ENV} is set)" if forced_fp32 else "bf16-mixed (CPU has avx512_bf16)"
    assert header == [f"precision: {expected}"], header
    assert all(torch.isfinite(torch.tensor(v)) for v in summary["metrics"].values())
    from motionclip.generation import load_model

    model = load_model(tmp_path / "model.safetensors")
    assert all(p.dtype == torch.float32 for p in model.parameters())  # weights stay fp32
