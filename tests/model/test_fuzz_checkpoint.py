"""Property-based fuzzing of checkpoint loading: mutated JSON headers and tensors give a working
model or one CheckpointError line, never another exception (or a model that fails later)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from fuzz_helpers import mutate_header  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from motionclip.errors import MotionCLIPError  # noqa: E402


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_checkpoint_loading(
    tiny_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from motionclip.generation import load_model
    from motionclip.tagged import MODEL_CHECKPOINT

    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = json.loads(fh.metadata()[MODEL_CHECKPOINT.key])
    state = load_file(str(tiny_checkpoint))
    for _ in range(data.draw(st.integers(1, 2))):
        if data.draw(st.booleans()):
            mutate_header(data, meta)
        else:
            key = data.draw(st.sampled_from(sorted(state)))
            how = data.draw(st.sampled_from(["drop", "shape", "dtype", "nan", "big"]))
            t = state[key]
            if how == "drop":
                state.pop(key)
            elif how == "shape":
                state[key] = t.flatten()[: max(0, t.numel() - 1)]
            elif how == "dtype":
                state[key] = t.to(data.draw(st.sampled_from([torch.float16, torch.int32, torch.bfloat16])))
            elif how == "nan" and t.is_floating_point() and t.numel():
                state[key] = t.clone().flatten().index_fill_(0, torch.tensor([0]), float("nan")).reshape(t.shape)
            elif how == "big" and t.is_floating_point():
                state[key] = t * 1e30
    path = tmp_path_factory.mktemp("fuzz-ckpt") / "model.safetensors"
    save_file(
        {k: v.contiguous() for k, v in state.items()}, str(path), metadata={MODEL_CHECKPOINT.key: json.dumps(meta)}
    )
    try:
        model = load_model(path)
    except MotionCLIPError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc), repr(exc)
        return
    # what loads must decode (no backend needed for a latent), or say in one line why not
    # (e.g. finite but absurd weights that overflow to NaN)
    try:
        with torch.no_grad():
            (motion,) = model.decode(torch.randn(1, model.latent_dim), min(10, model.cfg.max_frames))
    except MotionCLIPError as exc:
        assert "\n" not in str(exc)
        return
    assert len(motion) >= 1
