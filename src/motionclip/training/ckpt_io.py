"""A Lightning ``CheckpointIO`` that stores training state as safetensors + JSON.

Lightning's default writes pickled ``torch.save`` files. Ours flattens the checkpoint
dict: tensors go into a safetensors file, everything else into a JSON tree stored in
its header (:data:`motionclip.tagged.TRAINING_CHECKPOINT`), and the file is written atomically,
so a crash never leaves a torn checkpoint and loading never executes pickled code.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import torch
from lightning_fabric.plugins.io.checkpoint_io import CheckpointIO

from motionclip.errors import CheckpointError, one_line
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


# what Lightning reads when it resumes (a missing one is a KeyError deep inside trainer.fit)
REQUIRED: dict[str, type] = {
    "pytorch-lightning_version": str,
    "epoch": int,
    "global_step": int,
    "state_dict": dict,
    "optimizer_states": list,
    "lr_schedulers": list,
    "loops": dict,
}


@dataclass(frozen=True)
class _Stub:
    """A tensor of the file, by shape only (the structure check reads no tensor data)."""

    shape: tuple[int, ...]


@dataclass(frozen=True)
class StateSummary:
    """What a resumable training checkpoint holds, read from its header alone."""

    step: int
    tensors: dict[str, tuple[int, ...]]  # state_dict name -> shape
    optimizer_params: list[int]  # parameters each optimizer state covers


def check_state(path: str | Path) -> StateSummary:
    """Check that ``path`` is a training checkpoint Lightning can resume, without loading its
    tensors: the tagged header, every tensor the tree refers to, the keys Lightning reads and
    their types. Every failure is one :class:`CheckpointError` line naming the file."""
    from safetensors import SafetensorError, safe_open

    p = Path(path)
    _, meta, _ = read_tagged(TRAINING_CHECKPOINT, p, CheckpointError, weights=False)

    def fail(what: str) -> NoReturn:
        raise CheckpointError(f"{p}: not a complete training checkpoint ({what})")

    try:
        with safe_open(str(p), framework="pt") as fh:
            stubs = {k: _Stub(tuple(fh.get_slice(k).get_shape())) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{p}: not a readable training checkpoint ({one_line(exc)})") from None
    try:
        tree = _unflatten(_tree(meta), stubs)  # type: ignore[arg-type]  # stubs stand in for tensors
    except KeyError as exc:
        fail(f"refers to tensor {exc} that the file does not hold")
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        fail(f"corrupt structure: {one_line(exc)}")
    if not isinstance(tree, dict):
        fail(f"the stored state is a {type(tree).__name__}, not a dictionary")
    for key, kind in REQUIRED.items():
        if key not in tree:
            fail(f"no {key!r}")
        value = tree[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            fail(f"{key!r} must be a {kind.__name__}, got {type(value).__name__}")
    if tree["global_step"] < 0 or tree["epoch"] < 0:
        fail("negative 'global_step' or 'epoch'")
    state = tree["state_dict"]
    bad = [k for k, v in state.items() if not isinstance(k, str) or not isinstance(v, _Stub)]
    if bad:
        fail(f"'state_dict' entry {bad[0]!r} is not a tensor")
    counts = []
    for i, opt in enumerate(tree["optimizer_states"]):
        groups = opt.get("param_groups") if isinstance(opt, dict) else None
        if not isinstance(groups, list) or not all(
            isinstance(g, dict) and isinstance(g.get("params"), list) for g in groups
        ):
            fail(f"optimizer state {i} has no parameter groups")
        counts.append(sum(len(g["params"]) for g in groups))
    if "fit_loop" not in tree["loops"]:
        fail("'loops' has no 'fit_loop'")
    return StateSummary(tree["global_step"], {k: v.shape for k, v in state.items()}, counts)


class SafetensorsCheckpointIO(CheckpointIO):
    """Plug into ``pl.Trainer(plugins=[SafetensorsCheckpointIO()])``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        save_state(checkpoint, path)

    def load_checkpoint(self, path: Any, map_location: Any = None, weights_only: Any = None) -> dict[str, Any]:
        return load_state(path, map_location)

    def remove_checkpoint(self, path: Any) -> None:
        Path(path).unlink(missing_ok=True)
