"""Input validation and the output contract shared by every backend."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from motionclip.text import BackendError, ImageNotSupportedError, get_backend
from motionclip.text.base import check_device, validate_images, validate_texts


@pytest.mark.parametrize(
    ("texts", "fragment"),
    [
        ([], "no texts"),
        ("a person walks", "single string"),
        (["ok", ""], "text #2"),
        (["ok", "fine", "   \n"], "text #3"),
        (["ok", 3], "not a string"),
        (None, "expected a list"),
    ],
)
def test_bad_texts_are_rejected_with_a_clear_message(texts, fragment):
    with pytest.raises(BackendError, match=fragment):
        validate_texts(texts)


def test_valid_texts_pass_through_verbatim():
    assert validate_texts(("a", " b ")) == ["a", " b "]


def test_bad_images_are_rejected():
    with pytest.raises(BackendError, match="single image"):
        validate_images(Image.new("RGB", (4, 4)))
    with pytest.raises(BackendError, match="no images"):
        validate_images([])
    with pytest.raises(BackendError, match="image #2"):
        validate_images([Image.new("RGB", (4, 4)), "not an image"])


def test_backend_error_is_a_value_error():
    assert issubclass(BackendError, ValueError)
    assert issubclass(ImageNotSupportedError, BackendError)
    assert issubclass(ImageNotSupportedError, NotImplementedError)


def test_output_contract(fake_backend):
    backend = fake_backend(cache_dir=False)
    out = backend.encode_text(["a", "b", "c"])
    assert out.shape == (3, backend.dim)
    assert out.dtype == torch.float32 and out.device.type == "cpu"
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))


def test_validation_happens_before_encoding(fake_backend):
    backend = fake_backend(cache_dir=False)
    with pytest.raises(BackendError, match="text #1"):
        backend.encode_text([" "])
    assert backend.calls == []


def test_encode_image_on_text_only_backend(fake_backend):
    with pytest.raises(ImageNotSupportedError, match="clip"):
        fake_backend(cache_dir=False).encode_image([Image.new("RGB", (8, 8))])


def test_unknown_backend_name():
    with pytest.raises(BackendError, match="minilm, clip"):
        get_backend("word2vec")


def test_bad_device():
    with pytest.raises(BackendError, match="invalid device"):
        check_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(BackendError, match="CUDA is not available"):
            check_device("cuda")
    assert check_device("cpu") == "cpu"
