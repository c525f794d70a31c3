"""Backend weight folders: motionclip loads safetensors only, and refuses pickle weights itself."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from motionclip.text import BackendError, get_backend
from motionclip.text.minilm import bundled_minilm_dir


class _Trap:
    """Unpickling this creates ``marker``: proof that a loader ran a pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (open, (str(self.marker), "w"))


def _trap(path: Path, marker: Path) -> Path:
    path.write_bytes(pickle.dumps(_Trap(marker)))
    return path


def _refusal(folder: Path, what: str, names: str) -> str:
    return (
        f"{folder}: the {what} weights are {names} (a pickle format); motionclip loads only safetensors weights. "
        "Convert them where you trust the file (load it and save_pretrained with safe_serialization=True) and use "
        "the folder holding model.safetensors"
    )


def _pickled_minilm(tmp_path: Path) -> Path:
    """The bundled MiniLM's folder layout with a pickle instead of model.safetensors."""
    src, dst = bundled_minilm_dir(), tmp_path / "minilm"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.safetensors"))
    _trap(dst / "pytorch_model.bin", tmp_path / "unpickled")
    return dst


def test_a_clip_folder_with_only_pytorch_model_bin_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    folder.mkdir()
    (folder / "config.json").write_text('{"projection_dim": 32}')
    _trap(folder / "pytorch_model.bin", tmp_path / "unpickled")
    _trap(folder / "training_args.pt", tmp_path / "unpickled")
    with pytest.raises(BackendError) as err:
        get_backend("clip", model=folder, cache_dir=False)
    assert str(err.value) == _refusal(folder, "CLIP", "pytorch_model.bin, training_args.pt")
    assert not (tmp_path / "unpickled").exists()


def test_a_minilm_folder_with_only_pytorch_model_bin_is_refused(tmp_path: Path) -> None:
    folder = _pickled_minilm(tmp_path)
    with pytest.raises(BackendError) as err:
        get_backend("minilm", model=folder, cache_dir=False)
    assert str(err.value) == _refusal(folder, "sentence-transformers", "pytorch_model.bin")
    assert not (tmp_path / "unpickled").exists()


def test_a_pickled_sentence_transformers_module_is_refused(tmp_path: Path) -> None:
    """Every module folder modules.json lists is checked (e.g. a Dense layer), not only the top one."""
    folder = tmp_path / "minilm"
    shutil.copytree(bundled_minilm_dir(), folder)
    modules = (folder / "modules.json").read_text()
    (folder / "modules.json").write_text(
        modules.rstrip().rstrip("]") + ',{"idx": 9, "name": "9", "path": "2_Dense", "type": "x.Dense"}]'
    )
    (folder / "2_Dense").mkdir()
    _trap(folder / "2_Dense" / "pytorch_model.bin", tmp_path / "unpickled")
    with pytest.raises(BackendError) as err:
        get_backend("minilm", model=folder, cache_dir=False)
    assert str(err.value) == _refusal(folder / "2_Dense", "sentence-transformers", "pytorch_model.bin")


def test_safetensors_beside_a_pickle_are_loaded_and_the_pickle_never_is(tiny_clip_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    shutil.copytree(tiny_clip_dir, folder)
    _trap(folder / "pytorch_model.bin", tmp_path / "unpickled")
    out = get_backend("clip", model=folder, cache_dir=False).encode_text(["a person walks"])
    assert out.shape[0] == 1
    assert not (tmp_path / "unpickled").exists()


def test_hub_weights_are_asked_for_as_safetensors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub id has no folder to check first: transformers is told to load safetensors only."""
    import transformers

    seen: list[dict] = []

    def from_pretrained(ref: str, **kwargs: object) -> None:
        seen.append(dict(kwargs))
        raise OSError("no model.safetensors in this repository")

    monkeypatch.setattr(transformers.CLIPModel, "from_pretrained", from_pretrained)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    backend = get_backend("clip", model="motionclip-tests/bin-only-clip", cache_dir=False)
    with pytest.raises(BackendError, match="no model.safetensors in this repository"):
        backend.load()
    assert seen and all(kw.get("use_safetensors") is True for kw in seen)
