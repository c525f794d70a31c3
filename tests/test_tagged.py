"""The tagged-safetensors helper: one key and tag per format, clear errors, old files still read."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from motionclip.errors import CheckpointError, DatasetError, MotionCLIPError
from motionclip.tagged import (
    DATASET_CACHE,
    FORMATS,
    LEGACY_KEY,
    MODEL_CHECKPOINT,
    TEXT_TABLE,
    TRAINING_CHECKPOINT,
    read_tagged,
    write_tagged,
)


def _header(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as fh:
        return dict(fh.metadata() or {})


def test_every_format_has_its_own_key_and_name() -> None:
    assert len({f.key for f in FORMATS}) == len(FORMATS)
    assert len({f.name for f in FORMATS}) == len(FORMATS)
    assert LEGACY_KEY not in {f.key for f in FORMATS}


def test_round_trip_writes_the_tag_under_the_own_key(tmp_path: Path) -> None:
    p = write_tagged(TEXT_TABLE, tmp_path / "t.safetensors", {"x": torch.arange(3.0)}, {"a": [1, "b"]})
    assert set(_header(p)) == {TEXT_TABLE.key}
    tensors, meta, version = read_tagged(TEXT_TABLE, p, MotionCLIPError)
    assert torch.equal(tensors["x"], torch.arange(3.0)) and meta == {"a": [1, "b"], "format": TEXT_TABLE.tag}
    assert version == TEXT_TABLE.version
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".")]  # no temporary left


def test_written_files_carry_only_their_own_key(synthetic_cache: Path, tiny_checkpoint: Path) -> None:
    assert set(_header(synthetic_cache)) == {DATASET_CACHE.key}
    assert set(_header(tiny_checkpoint)) == {MODEL_CHECKPOINT.key}
    assert json.loads(_header(tiny_checkpoint)[MODEL_CHECKPOINT.key])["format"] == MODEL_CHECKPOINT.tag


def test_a_file_of_another_format_is_named(synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path) -> None:
    from motionclip.data.cache import MotionCache
    from motionclip.generation import load_model
    from motionclip.text.table import TableBackend
    from motionclip.training.ckpt_io import load_state

    with pytest.raises(CheckpointError, match="is a motionclip dataset cache, not a model checkpoint") as err:
        load_model(synthetic_cache)
    assert str(err.value).startswith(str(synthetic_cache)) and "\n" not in str(err.value)
    with pytest.raises(DatasetError, match="is a motionclip model checkpoint, not a dataset cache"):
        MotionCache.load(tiny_checkpoint)
    with pytest.raises(CheckpointError, match="dataset cache, not a training checkpoint"):
        load_state(synthetic_cache)
    with pytest.raises(MotionCLIPError, match="model checkpoint, not an embedding table"):
        TableBackend(tiny_checkpoint)
    # the same for files from before per-format keys (both under the shared legacy key)
    old = tmp_path / "old-cache.safetensors"
    save_file(
        load_file(str(synthetic_cache)), str(old), metadata={LEGACY_KEY: _header(synthetic_cache)[DATASET_CACHE.key]}
    )
    with pytest.raises(CheckpointError, match=r"dataset cache \(motionclip-dataset-v1\), not a model checkpoint"):
        load_model(old)


def test_files_from_before_the_own_keys_still_load(
    synthetic_cache: Path, tiny_checkpoint: Path, tmp_path: Path
) -> None:
    """Dataset caches and checkpoints written with the shared ``motionclip`` key (format v1)."""
    from motionclip.data.cache import MotionCache
    from motionclip.generation import load_model
    from motionclip.model.checkpoint import shipped_checkpoint

    cache = tmp_path / "old-cache.safetensors"
    save_file(
        load_file(str(synthetic_cache)), str(cache), metadata={LEGACY_KEY: _header(synthetic_cache)[DATASET_CACHE.key]}
    )
    assert MotionCache.load(cache).contents == MotionCache.load(synthetic_cache).contents
    from v1_checkpoint import write_v1

    v1 = write_v1(shipped_checkpoint(), tmp_path / "v1.safetensors")
    assert set(_header(v1)) == {LEGACY_KEY}  # the shared key 0.1 releases wrote
    model = load_model(v1)
    assert model.latent_dim == 384 and model.config == load_model(shipped_checkpoint()).config


def test_training_state_without_a_tag_still_loads(tmp_path: Path) -> None:
    from motionclip.training.ckpt_io import load_state

    old = tmp_path / "old.ckpt"
    tree = {"__map__": {"global_step": 5, "w": {"__tensor__": "t0"}}}
    save_file({"t0": torch.ones(2)}, str(old), metadata={TRAINING_CHECKPOINT.key: json.dumps(tree)})
    state = load_state(old)
    assert state["global_step"] == 5 and torch.equal(state["w"], torch.ones(2))


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"format": "motionclip-dataset-v9"}, "newer than this motionclip reads"),
        ({"format": "motionclip-dataset-v0"}, "too old"),
        ({"format": "other-v1"}, r"not a dataset cache \(unsupported format 'other-v1'"),
        ({}, "unsupported format None"),
    ],
)
def test_tags_are_checked(tmp_path: Path, meta: dict, message: str) -> None:
    p = tmp_path / "x.safetensors"
    save_file({"x": torch.zeros(1)}, str(p), metadata={DATASET_CACHE.key: json.dumps(meta)})
    with pytest.raises(DatasetError, match=message):
        read_tagged(DATASET_CACHE, p, DatasetError)


def test_sizes_are_checked_before_parsing(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"abc")
    with pytest.raises(DatasetError, match="a file of 3 bytes has no safetensors header"):
        read_tagged(DATASET_CACHE, short, DatasetError)
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    with pytest.raises(DatasetError, match="header of 1000000000000 bytes in a file of 10 bytes"):
        read_tagged(DATASET_CACHE, huge, DatasetError)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(struct.pack("<Q", 4) + b"\xff\xfe{[")
    with pytest.raises(DatasetError, match="header is not JSON"):
        read_tagged(DATASET_CACHE, garbage, DatasetError)
    with pytest.raises(DatasetError, match="not a regular file"):
        read_tagged(DATASET_CACHE, tmp_path, DatasetError)
    with pytest.raises(DatasetError, match="dataset cache not found .hint"):
        read_tagged(DATASET_CACHE, tmp_path / "none.safetensors", DatasetError, missing_hint=" (hint)")


def test_non_finite_tensors_and_header_numbers_are_refused(tmp_path: Path) -> None:
    p = write_tagged(TEXT_TABLE, tmp_path / "t.safetensors", {"x": torch.tensor([1.0, float("inf")])}, {})
    with pytest.raises(MotionCLIPError, match="'x' contains NaN or inf"):
        read_tagged(TEXT_TABLE, p, MotionCLIPError)
    assert read_tagged(TEXT_TABLE, p, MotionCLIPError, finite=False)[0]["x"][1] == float("inf")
    save_file({"x": torch.zeros(1)}, str(p), metadata={TEXT_TABLE.key: '{"format": "motionclip-table-v1", "a": NaN}'})
    with pytest.raises(MotionCLIPError, match="corrupt embedding table metadata"):
        read_tagged(TEXT_TABLE, p, MotionCLIPError)
