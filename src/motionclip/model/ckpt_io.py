"""A Lightning ``CheckpointIO`` that stores training state as safetensors + JSON.

Lightning's default writes pickled ``torch.save`` files. Ours flattens the checkpoint
dict: tensors go into a safetensors file, everything else into a JSON tree stored in
its header (:data:`motionclip.tagged.TRAINING_CHECKPOINT`), and the file is written atomically,
so a crash never leaves a torn checkpoint and loading never executes pickled code.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import torch
from lightning_fabric.plugins.io.checkpoint_io import CheckpointIO

from motionclip.errors import CheckpointError
from motionclip.tagged import TRAINING_CHECKPOINT, read_tagged, write_tagged

META_KEY = TRAINING_CHECKPOINT.key


def _flatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = obj.detach().contiguous().cpu()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__map__": {k: _flatten(v, tensors) for k, v in obj.items()}}
        return {"__items__": [[_flatten(k, tensors), _flatten(v, tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_flatten(v, tensors) for v in obj]}
    if isinstance(obj, list):
        return [_flatten(v, tensors) for v in obj]
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return {"__float__": repr(float(obj))}
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a safetensors checkpoint")


def _unflatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, list):
        return [_unflatten(v, tensors) for v in obj]
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__map__" in obj:
            return {k: _unflatten(v, tensors) for k, v in obj["__map__"].items()}
        if "__items__" in obj:
            return {_unflatten(k, tensors): _unflatten(v, tensors) for k, v in obj["__items__"]}
        if "__tuple__" in obj:
            return tuple(_unflatten(v, tensors) for v in obj["__tuple__"])
        if "__float__" in obj:
            return float(obj["__float__"])
    return obj


def save_state(checkpoint: dict[str, Any], path: str | Path) -> None:
    tensors: dict[str, torch.Tensor] = {}
    tree = _flatten(checkpoint, tensors)
    write_tagged(TRAINING_CHECKPOINT, path, tensors, {"tree": tree})


def _tree(meta: dict[str, Any]) -> Any:
    """The flattened checkpoint: under ``tree`` since the format was tagged, the whole header before."""
    return meta["tree"] if "format" in meta else meta


def state_header(path: str | Path) -> Any:
    """The flattened checkpoint tree without its tensors (cheap; e.g. for the step)."""
    _, meta, _ = read_tagged(TRAINING_CHECKPOINT, path, CheckpointError, weights=False)
    return _tree(meta)


def load_state(path: str | Path, map_location: Any = None) -> dict[str, Any]:
    p = Path(path)
    # optimizer and callback state may hold inf (e.g. a best score not yet set): no finite check
    tensors, meta, _ = read_tagged(TRAINING_CHECKPOINT, p, CheckpointError, finite=False)
    if isinstance(map_location, (str, torch.device)):
        tensors = {k: v.to(map_location) for k, v in tensors.items()}
    try:
        return _unflatten(_tree(meta), tensors)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise CheckpointError(f"{p}: corrupt training checkpoint structure ({exc!r})") from None


class SafetensorsCheckpointIO(CheckpointIO):
    """Plug into ``pl.Trainer(plugins=[SafetensorsCheckpointIO()])``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        save_state(checkpoint, path)

    def load_checkpoint(self, path: Any, map_location: Any = None, weights_only: Any = None) -> dict[str, Any]:
        return load_state(path, map_location)

    def remove_checkpoint(self, path: Any) -> None:
        Path(path).unlink(missing_ok=True)
