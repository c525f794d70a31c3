"""Which numeric precision training runs in, decided from the hardware.

bf16 matrix units (AMX-BF16 / AVX512-BF16 on x86 CPUs, Ampere+ GPUs) run the transformer's
matmuls several times faster than fp32. ``auto`` uses them where they exist. The project
applies autocast itself around the transformer only, so forward kinematics, the losses and
the optimizer stay in fp32 (Lightning's own "bf16-mixed" would also cast FK's matmuls).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import torch

from motionclip.errors import MotionCLIPError

BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
FORCE_FP32_ENV = "MOTIONCLIP_FORCE_FP32"
# values handed to Lightning unchanged (no project autocast)
LIGHTNING_PRECISIONS = ("32-true", "32", "64-true", "64", "16-mixed", "16", "bf16-true", "16-true")


@lru_cache(maxsize=1)
def cpu_bf16_flags() -> tuple[str, ...]:
    """The bf16 matrix-unit flags this CPU reports (Linux ``/proc/cpuinfo``; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return tuple(f for f in BF16_CPU_FLAGS if f in flags)
    return ()


def bf16_available(accelerator: str) -> tuple[bool, str]:
    """Whether bf16 autocast is worth using on ``accelerator``, and why (for the run header)."""
    if os.environ.get(FORCE_FP32_ENV, "") not in ("", "0"):
        return False, f"{FORCE_FP32_ENV} is set"
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return True, f"GPU {torch.cuda.get_device_name(0)} supports bf16"
        return False, "GPU without bf16"
    flags = cpu_bf16_flags()
    if flags:
        return True, f"CPU has {', '.join(flags)}"
    return False, "CPU has no bf16 matrix units"


def resolve_precision(requested: str, accelerator: str) -> tuple[str, torch.dtype | None, str]:
    """(Lightning precision, project autocast dtype or None, one-line description)."""
    req = str(requested).strip().lower()
    if req == "auto":
        ok, why = bf16_available(accelerator)
        return ("32-true", torch.bfloat16, f"bf16-mixed ({why})") if ok else ("32-true", None, f"32-true ({why})")
    if req in ("bf16-mixed", "bf16"):
        return "32-true", torch.bfloat16, "bf16-mixed (requested)"
    if req in LIGHTNING_PRECISIONS:
        return req, None, f"{req} (requested)"
    raise MotionCLIPError(
        f"train.precision must be auto, bf16-mixed or one of {', '.join(LIGHTNING_PRECISIONS)}; got {requested!r}"
    )
