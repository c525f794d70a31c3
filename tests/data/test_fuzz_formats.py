"""Property-based fuzzing of the motion readers and the dataset cache: whatever the bytes, the
answer is a Motion (or a cache that works) or one MotionCLIPError line, never another exception."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from fuzz_helpers import mutate_header  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from motionclip.errors import MotionCLIPError  # noqa: E402

FUZZ = settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip

_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "0x10", "", "abc", "1,5", "--1", "1e-400"]),
)
_channel = st.sampled_from(
    ["Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation", "Wrotation", ""]
)


@st.composite
def bvh_texts(draw: st.DrawFn) -> str:
    """Hierarchies of a few joints with odd channel lists, headers and rows."""
    n = draw(st.integers(1, 4))
    lines = ["HIERARCHY"]
    counts = []
    for j in range(n):
        chans = draw(st.lists(_channel, max_size=7))
        declared = draw(st.one_of(st.just(len(chans)), st.integers(-2, 9)))
        lines += [
            f"{'ROOT' if j == 0 else 'JOINT'} j{j}",
            "{",
            "OFFSET " + " ".join(draw(st.lists(_numbers, min_size=2, max_size=4))),
        ]
        lines.append(f"CHANNELS {declared} {' '.join(chans)}")
        counts.append(len(chans))
        if draw(st.booleans()):
            lines += ["End Site", "{", "OFFSET 0 1 0", "}"]
    lines += ["}"] * draw(st.integers(0, n + 1))
    frames = draw(st.integers(0, 6))
    lines += ["MOTION", f"Frames: {draw(st.one_of(st.just(str(frames)), _numbers))}"]
    lines.append(f"Frame Time: {draw(st.one_of(st.just('0.0333333'), _numbers))}")
    for _ in range(frames):
        width = draw(st.one_of(st.just(sum(counts)), st.integers(0, 12)))
        lines.append(" ".join(draw(st.lists(_numbers, min_size=width, max_size=width))))
    return "\n".join(lines) + "\n"


def _read_either(path: Path):  # noqa: ANN202
    from motionclip.data.io import read_motion

    try:
        motion = read_motion(path)
    except MotionCLIPError as exc:
        assert "\n" not in str(exc) and str(exc), repr(exc)
        return None
    assert torch.isfinite(motion.rotations).all() and len(motion) >= 1
    return motion


@FUZZ
@given(
    text=bvh_texts(),
    packing=st.sampled_from(["plain", "gzip", "truncated-gzip", "bytes-flipped"]),
    cut=st.integers(0, 400),
)
def test_bvh_reader(tmp_path: Path, text: str, packing: str, cut: int) -> None:
    raw = text.encode()
    if packing == "gzip":
        raw = gzip.compress(raw)
    elif packing == "truncated-gzip":
        raw = gzip.compress(raw)[: max(3, len(raw) - cut)]
    elif packing == "bytes-flipped":
        raw = bytes(b ^ 0xA5 if i == cut % max(1, len(raw)) else b for i, b in enumerate(raw))
    path = tmp_path / ("f.bvh.gz" if "gzip" in packing else "f.bvh")
    path.write_bytes(raw)
    _read_either(path)


_dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.int8, np.bool_, np.complex64, "U5", "S3", object])


@st.composite
def npz_arrays(draw: st.DrawFn) -> dict[str, np.ndarray]:
    keys = ["joint_names", "parents", "offsets", "rotations", "root_translation", "fps", "euler_order",
            "end_site_joints", "end_site_offsets", "format", "extra"]  # fmt: skip
    out = {}
    for key in draw(st.lists(st.sampled_from(keys), unique=True, min_size=4)):
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
        dtype = draw(_dtypes)
        values = np.arange(int(np.prod(shape)) if shape else 1).reshape(shape) if shape else np.array(3)
        arr = values.astype(str).astype(dtype) if dtype in ("U5", "S3", object) else values.astype(dtype)
        out[key] = arr
    return out


@FUZZ
@given(arrays=npz_arrays(), broken=st.booleans())
def test_npz_reader(tmp_path: Path, arrays: dict[str, np.ndarray], broken: bool) -> None:
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=True, **arrays)
    raw = buf.getvalue()
    if broken:
        raw = raw[: len(raw) // 2]
    path = tmp_path / "m.npz"
    path.write_bytes(raw)
    _read_either(path)


def test_npz_fuzz_also_reads_good_files(tmp_path: Path) -> None:
    """The npz strategy's keys are the reader's: a well-formed file through the same path loads."""
    from synthetic import make_motion

    from motionclip.data.npz import write_npz

    assert _read_either(write_npz(make_motion("walk", frames=10), tmp_path / "ok.npz")) is not None


# -- dataset caches ----------------------------------------------------------------------
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_cache_reader(synthetic_cache: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    from safetensors.torch import save_file

    from motionclip.data.cache import MotionCache

    cache = MotionCache.load(synthetic_cache)
    tensors = {k: v.clone() for k, v in cache.tensors.items()}
    meta = json.loads(json.dumps(cache.meta))
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(tensors)))
            how = data.draw(st.sampled_from(["shift", "scale", "shape", "dtype", "drop", "nan"]))
            t = tensors[key]
            if how == "shift":
                tensors[key] = t + data.draw(st.integers(-3, 10**4))
            elif how == "scale":
                tensors[key] = t * data.draw(st.integers(-2, 3))
            elif how == "shape":
                tensors[key] = t.flatten()[: data.draw(st.integers(0, max(0, t.numel())))]
            elif how == "dtype":
                tensors[key] = t.to(
                    data.draw(st.sampled_from([torch.float16, torch.int32, torch.uint8, torch.float64]))
                )
            elif how == "drop":
                tensors.pop(key)
            elif t.is_floating_point() and t.numel():
                tensors[key] = t.clone().flatten().index_fill_(0, torch.tensor([0]), float("nan")).reshape(t.shape)
        else:
            mutate_header(data, meta)
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    path = tmp_path_factory.mktemp("fuzz-cache") / "c.safetensors"
    save_file(tensors, str(path), metadata={"motionclip": json.dumps(meta)})
    try:
        loaded = MotionCache.load(path)
    except MotionCLIPError as exc:
        assert "\n" not in str(exc)
        return
    # whatever load accepts must work for the dataset's users
    loaded.summary()
    idx = loaded.window_indices("train")[:4]
    if len(idx):
        loaded.windows(idx)
        loaded.window_labels(idx)
    assert loaded.texts is not None and loaded.skeleton.num_joints >= 1
