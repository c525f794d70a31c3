"""User mistakes with the model API raise clear MotionCLIPError subclasses."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import make_motion, skeleton

from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, SkeletonError


def _other_skeleton_motion(drop_last: bool = True) -> Motion:
    sk = skeleton()
    if drop_last:  # 20 joints instead of 21
        other = Skeleton(sk.names[:-1], sk.parents[:-1], sk.offsets[:-1])
    else:  # same size, renamed joints
        other = Skeleton(tuple(f"joint{i}" for i in range(sk.num_joints)), sk.parents, sk.offsets)
    j = other.num_joints
    return Motion(other, torch.eye(3).expand(10, j, 3, 3), torch.zeros(10, 3))


def test_wrong_skeleton(tiny_model) -> None:
    for drop in (True, False):
        motion = _other_skeleton_motion(drop)
        with pytest.raises(SkeletonError, match="does not match the model") as err:
            tiny_model.encode_motion(motion)
        assert "retarget" in str(err.value)
        with pytest.raises(SkeletonError):
            tiny_model.encode_motion([make_motion("walk", 30), motion])
        with pytest.raises(SkeletonError):
            tiny_model.reconstruct(motion)


def test_motion_too_long_or_none(tiny_model) -> None:
    with pytest.raises(MotionCLIPError, match="no motions"):
        tiny_model.encode_motion([])
    long = make_motion("walk", frames=tiny_model.cfg.max_frames + 1)
    with pytest.raises(MotionCLIPError, match="at most"):
        tiny_model.encode_motion(long)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(tiny_model, text: str) -> None:
    with pytest.raises(MotionCLIPError, match="^prompt 1 is empty$"):
        tiny_model.generate(text)
    with pytest.raises(MotionCLIPError):
        tiny_model.generate(["a person walks", text])


def test_no_texts(tiny_model) -> None:
    with pytest.raises(MotionCLIPError, match="give at least one text prompt"):
        tiny_model.generate([])
    with pytest.raises(MotionCLIPError, match="not a string"):
        tiny_model.encode_text([3])


@pytest.mark.parametrize(
    ("z", "match"),
    [
        (torch.zeros(2, 10), "shape"),
        (torch.zeros(2, 3, 384), "shape"),
        (torch.zeros(0, 384).reshape(0), "shape"),
        (torch.full((1, 384), float("nan")), "NaN"),
        (torch.tensor([[float("inf")] + [0.0] * 383]), "NaN or inf"),
    ],
)
def test_decode_bad_latents(tiny_model, z: torch.Tensor, match: str) -> None:
    with pytest.raises(MotionCLIPError, match=match):
        tiny_model.decode(z)


def test_decode_bad_lengths(tiny_model) -> None:
    z = torch.nn.functional.normalize(torch.randn(1, 384), dim=-1)
    for frames in (0, -5, tiny_model.cfg.max_frames + 1):
        with pytest.raises(MotionCLIPError, match="frames must be between"):
            tiny_model.decode(z, frames)
    # numpy latents are fine
    assert len(tiny_model.decode(np.asarray(z), 5)[0]) == 5


def test_backend_dim_mismatch(tiny_model) -> None:
    class Fake:
        dim = 16

    with pytest.raises(MotionCLIPError, match="dim 16"):
        tiny_model.set_backend(Fake())  # type: ignore[arg-type]
