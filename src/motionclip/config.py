"""Typed configuration machinery shared by every config class (no settings live here).

Each config has one owner beside the code it configures, in the style of Hugging Face's
``configuration_*.py``: :mod:`motionclip.model.config` (the network and how it decodes text,
stored in checkpoints), :mod:`motionclip.data.config` (how takes become windows),
:mod:`motionclip.training.config` (a training run and its presets), :mod:`motionclip.limits`
(what one request may ask). This module turns nested dicts, YAML and ``key=value`` strings
into those dataclasses and checks every field's range from its metadata (:func:`bounded`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import Any

from motionclip.errors import MotionCLIPError


def bounded(
    default: Any,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple[Any, ...] | None = None,
) -> Any:
    """A dataclass field with its allowed range (checked by :func:`check_fields`)."""
    meta = {k: v for k, v in (("ge", ge), ("gt", gt), ("le", le), ("lt", lt), ("choices", choices)) if v is not None}
    return field(default=default, metadata=meta)


def _range_text(meta: dict[str, Any]) -> str:
    lo = f"[{meta['ge']:g}" if "ge" in meta else f"({meta['gt']:g}" if "gt" in meta else None
    hi = f"{meta['le']:g}]" if "le" in meta else f"{meta['lt']:g})" if "lt" in meta else None
    if lo and hi:
        return f"in {lo}, {hi}"
    if lo:
        return f"{'>=' if 'ge' in meta else '>'} {lo[1:]}"
    return f"{'<=' if 'le' in meta else '<'} {hi[:-1]}" if hi else ""


def check_fields(cfg: Any, prefix: str) -> None:
    """Every field of dataclass ``cfg`` (and of its nested sections) within the range its
    metadata gives; the first one out of range is a one-line error naming ``prefix.field``."""
    for f in dataclasses.fields(cfg):
        value, meta, name = getattr(cfg, f.name), f.metadata, f"{prefix}.{f.name}"
        if dataclasses.is_dataclass(value):
            check_fields(value, name)
            continue
        if "choices" in meta and value not in meta["choices"]:
            raise MotionCLIPError(f"{name} must be one of {', '.join(map(str, meta['choices']))}, got {value!r}")
        if not {"ge", "gt", "le", "lt"} & set(meta):
            continue
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and ("ge" not in meta or value >= meta["ge"]) and ("gt" not in meta or value > meta["gt"])
        ok = ok and ("le" not in meta or value <= meta["le"]) and ("lt" not in meta or value < meta["lt"])
        if not ok:
            raise MotionCLIPError(f"{name} must be {_range_text(dict(meta))}, got {value!r}")


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _coerce(value: str, target: Any) -> Any:
    if isinstance(target, bool):
        low = value.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    if isinstance(target, int):
        return int(value)
    if isinstance(target, float):
        return float(value)
    if target is None:
        return None if value.lower() in ("none", "null") else value
    return value


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build dataclass ``cls`` from nested dicts, rejecting unknown keys."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    renamed: dict[str, str] = getattr(cls, "RENAMED_KEYS", {})  # old key -> its current name
    kwargs = {}
    for key, value in data.items():
        key = renamed.get(key, key)
        if key not in names:
            raise MotionCLIPError(f"unknown config key {key!r} for {cls.__name__}; known: {', '.join(names)}")
        default = getattr(cls(), key)
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise MotionCLIPError(f"config section {cls.__name__}.{key} must be a mapping, got {value!r}")
            kwargs[key] = from_dict(type(default), value)
        else:
            kwargs[key] = _typed(cls, key, value, default)
    return cls(**kwargs)


def _typed(cls: type, key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the field's default (text is parsed as on the command line);
    a value of another type is a one-line error, not a crash deep inside the model."""
    if isinstance(value, str) and not isinstance(default, str):
        try:
            return _coerce(value, default)
        except ValueError as exc:
            raise MotionCLIPError(f"config key {cls.__name__}.{key}: {exc}") from None
    kinds: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}
    want = next((v for k, v in kinds.items() if isinstance(default, k)), None)
    if default is None or want is None:
        return value
    if not isinstance(value, want) or (isinstance(value, bool) and not isinstance(default, bool)):
        raise MotionCLIPError(
            f"config key {cls.__name__}.{key} must be {type(default).__name__}, got {type(value).__name__} {value!r}"
        )
    return float(value) if isinstance(default, float) and isinstance(value, (int, float)) else value


def apply_overrides(cfg: Any, overrides: list[str]) -> Any:
    """Apply ``section.key=value`` strings (e.g. ``train.lr=3e-4``) in place."""
    for item in overrides:
        if "=" not in item:
            raise MotionCLIPError(f"override {item!r} must look like key=value (e.g. train.lr=3e-4)")
        key, value = item.split("=", 1)
        obj = cfg
        parts = key.strip().split(".")
        for part in parts[:-1]:
            if not hasattr(obj, part):
                raise MotionCLIPError(f"unknown config section {part!r} in {key!r}")
            obj = getattr(obj, part)
        leaf = parts[-1]
        leaf = getattr(obj, "RENAMED_KEYS", {}).get(leaf, leaf)
        if not dataclasses.is_dataclass(obj) or leaf not in {f.name for f in dataclasses.fields(obj)}:
            raise MotionCLIPError(f"unknown config key {key!r}")
        try:
            setattr(obj, leaf, _coerce(value, getattr(obj, leaf)))
        except ValueError as exc:
            raise MotionCLIPError(f"bad value for {key}: {exc}") from None
    return cfg
