"""Precomputed embedding tables are checked fully at load (types, shapes, finite values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from motionclip.errors import MotionCLIPError


def _table(path: Path, meta: dict, emb: torch.Tensor | None) -> Path:
    tensors = {"embeddings": emb} if emb is not None else {"other": torch.zeros(1)}
    save_file(tensors, str(path), metadata={"motionclip-table": json.dumps(meta)})
    return path


GOOD = {"name": "hash", "dim": 4, "texts": ["walk", "run"]}


@pytest.mark.parametrize(
    "meta, emb, message",
    [
        ({**GOOD, "dim": "4"}, torch.zeros(2, 4), "'dim' must be a positive integer"),
        ({**GOOD, "dim": 0}, torch.zeros(2, 4), "'dim' must be a positive integer"),
        ({**GOOD, "name": 3}, torch.zeros(2, 4), "'name' must be a non-empty string"),
        ({**GOOD, "texts": "walk"}, torch.zeros(2, 4), "'texts' must be a list of strings"),
        (GOOD, torch.zeros(3, 4), r"'embeddings' must be a floating \(2, 4\) tensor"),
        (GOOD, torch.zeros(2, 4, dtype=torch.int64), "must be a floating"),
        (GOOD, None, "got missing"),
        (GOOD, torch.full((2, 4), float("nan")), "NaN or inf"),
    ],
)
def test_bad_tables(tmp_path: Path, meta: dict, emb: torch.Tensor | None, message: str) -> None:
    from motionclip.text.table import TableBackend

    bad = _table(tmp_path / "t.safetensors", meta, emb)
    with pytest.raises(MotionCLIPError, match=message) as info:
        TableBackend(bad)
    assert str(info.value).startswith(str(bad))


def test_table_header_missing_or_not_json(tmp_path: Path) -> None:
    from motionclip.text.table import TableBackend

    p = tmp_path / "t.safetensors"
    save_file({"embeddings": torch.zeros(2, 4)}, str(p))
    with pytest.raises(MotionCLIPError, match="without motionclip metadata"):
        TableBackend(p)
    save_file({"embeddings": torch.zeros(2, 4)}, str(p), metadata={"motionclip-table": "{nope"})
    with pytest.raises(MotionCLIPError, match="corrupt embedding table metadata"):
        TableBackend(p)


def test_good_table_still_loads(tmp_path: Path) -> None:
    from motionclip.text.table import TableBackend

    t = TableBackend(_table(tmp_path / "t.safetensors", GOOD, torch.ones(2, 4)))
    assert t.encode_text(["run"]).shape == (1, 4)
