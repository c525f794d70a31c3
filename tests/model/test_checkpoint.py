"""Checkpoints: exact round trip, fp16, and clear errors for anything that is not a valid checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from model_helpers import random_windows
from safetensors.torch import load_file, save_file

import motionclip
from motionclip.errors import CheckpointError, MotionCLIPError
from motionclip.generation import load_model
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.model.checkpoint import FORMAT, read_metadata, save_checkpoint
from motionclip.tagged import MODEL_CHECKPOINT


def _outputs(model) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    rot, trans = random_windows(model, batch=2, frames=model.window, seed=3)
    g = torch.Generator().manual_seed(1)
    z = torch.nn.functional.normalize(torch.randn(2, model.latent_dim, generator=g), dim=-1)
    with torch.no_grad():
        latent = model.encode(rot, trans)
        dec_rot, dec_trans = model.decode_features(z, model.window)
    return latent, dec_rot, dec_trans


def test_save_load_round_trip_is_exact(tiny_model, tmp_path: Path) -> None:
    path = save_checkpoint(tiny_model, tmp_path / "copy.safetensors", extra={"note": "hello"})
    again = load_model(path)
    assert not again.training
    assert again.meta["format"] == FORMAT and again.meta["note"] == "hello" and again.meta["dtype"] == "float32"
    assert again.config == tiny_model.config and again.skeleton == tiny_model.skeleton
    assert (again.fps, again.window, again.backend_name) == (tiny_model.fps, tiny_model.window, "minilm")
    for a, b in zip(_outputs(tiny_model), _outputs(again)):
        assert torch.equal(a, b)
    sa, sb = tiny_model.state_dict(), again.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    # motionclip.load gives the same model
    assert torch.equal(_outputs(motionclip.load(str(path)))[0], _outputs(again)[0])


def test_output_smoothing_travels_with_the_checkpoint(tiny_model, tmp_path: Path) -> None:
    plain = _outputs(tiny_model)[1]
    tiny_model.config.architecture.output_smoothing = 1.0
    try:
        again = load_model(save_checkpoint(tiny_model, tmp_path / "smooth.safetensors"))
    finally:
        tiny_model.config.architecture.output_smoothing = 0.0
    assert again.cfg.output_smoothing == 1.0
    smooth = _outputs(again)[1]
    jerk = lambda x: float((x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]).abs().mean())  # noqa: E731
    assert jerk(smooth) < 0.8 * jerk(plain)  # the loaded model decodes through the low-pass


def test_run_folder_loads(tiny_checkpoint: Path) -> None:
    model = motionclip.load(str(tiny_checkpoint.parent))
    assert model.meta["training"]["global_step"] == 30
    assert model.meta["training"]["config"]["model"]["num_layers"] == 1


def test_half_precision_checkpoint(tiny_model, tmp_path: Path) -> None:
    full = save_checkpoint(tiny_model, tmp_path / "full.safetensors")
    half = save_checkpoint(tiny_model, tmp_path / "half.safetensors", half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    assert read_metadata(half)["dtype"] == "float16"
    assert all(v.dtype == torch.float16 for v in load_file(str(half)).values() if v.is_floating_point())
    model = load_model(half)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    for a, b in zip(_outputs(tiny_model), _outputs(model)):
        scale = a.abs().max().item() + 1e-6
        assert (a - b).abs().max().item() < 2e-2 * scale


def test_missing_and_garbage_files(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "nope.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(CheckpointError, match="not a readable model checkpoint") as err:
        load_model(junk)
    assert str(junk) in str(err.value)
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_model(empty)
    # a pickle is refused, never unpickled
    pickled = tmp_path / "model.pt"
    torch.save({"a": torch.zeros(2)}, pickled)
    with pytest.raises(CheckpointError, match="not a readable"):
        load_model(pickled)


def test_truncated_checkpoint(tiny_checkpoint: Path, tmp_path: Path) -> None:
    raw = tiny_checkpoint.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 1, 12):
        bad = tmp_path / f"cut{cut}.safetensors"
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError) as err:
            load_model(bad)
        assert str(bad) in str(err.value)


def test_safetensors_without_metadata(tmp_path: Path, tiny_checkpoint: Path) -> None:
    plain = tmp_path / "plain.safetensors"
    save_file(load_file(str(tiny_checkpoint)), str(plain))
    with pytest.raises(CheckpointError, match="without motionclip metadata"):
        load_model(plain)
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(other), metadata={"something": "else"})
    with pytest.raises(CheckpointError, match="not a motionclip model checkpoint"):
        motionclip.load(str(other))


def _rewrite(src: Path, dst: Path, state=None, meta=None) -> Path:
    from safetensors import safe_open

    with safe_open(str(src), framework="pt") as fh:
        raw_meta = fh.metadata()[MODEL_CHECKPOINT.key]
    state = load_file(str(src)) if state is None else state
    save_file(state, str(dst), metadata={MODEL_CHECKPOINT.key: raw_meta if meta is None else meta})
    return dst


def test_wrong_shapes_and_bad_metadata(tiny_checkpoint: Path, tmp_path: Path) -> None:
    state = load_file(str(tiny_checkpoint))
    key = "decoder.head.weight"
    wrong = dict(state)
    wrong[key] = torch.zeros(state[key].shape[0] + 1, state[key].shape[1])
    with pytest.raises(CheckpointError, match="does not match the model") as err:
        load_model(_rewrite(tiny_checkpoint, tmp_path / "shape.safetensors", state=wrong))
    assert "decoder.head.weight" in str(err.value)
    missing = {k: v for k, v in state.items() if k != key}
    with pytest.raises(CheckpointError, match="does not match the model"):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "missing.safetensors", state=missing))
    meta = read_metadata(tiny_checkpoint)
    # a config that disagrees with the weights (e.g. another latent size)
    bigger = json.loads(json.dumps(meta))
    bigger["config"]["architecture"]["latent_dim"] = 512
    with pytest.raises(CheckpointError, match="does not match the model"):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "dim.safetensors", meta=json.dumps(bigger)))
    unknown = json.loads(json.dumps(meta))
    unknown["config"]["architecture"]["bogus"] = 1
    with pytest.raises(CheckpointError):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "unknown.safetensors", meta=json.dumps(unknown)))
    with pytest.raises(CheckpointError, match="corrupt .*checkpoint metadata"):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "json.safetensors", meta="{not json"))
    fmt = dict(meta, format="something-else")
    with pytest.raises(CheckpointError, match="not a model checkpoint .unsupported format"):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "fmt.safetensors", meta=json.dumps(fmt)))
    noskel = {k: v for k, v in meta.items() if k != "skeleton"}
    with pytest.raises(CheckpointError):
        load_model(_rewrite(tiny_checkpoint, tmp_path / "noskel.safetensors", meta=json.dumps(noskel)))
    assert issubclass(CheckpointError, MotionCLIPError)


def test_training_state_files_are_not_pickles(tmp_path: Path, tiny_checkpoint: Path) -> None:
    from motionclip.training.ckpt_io import load_state, save_state

    state = {
        "epoch": 3,
        "global_step": 12,
        "lr": 1e-3,
        "flag": True,
        "none": None,
        "nested": {"a": [torch.arange(3), (1, 2.5, "x")], 7: torch.ones(2, 2)},
        "path": Path("/tmp/x"),
    }
    path = tmp_path / "state.ckpt"
    save_state(state, path)
    back = load_state(path)
    assert back["epoch"] == 3 and back["global_step"] == 12 and back["lr"] == 1e-3 and back["flag"] is True
    assert back["none"] is None and back["path"] == "/tmp/x"
    assert torch.equal(back["nested"]["a"][0], torch.arange(3)) and back["nested"]["a"][1] == (1, 2.5, "x")
    assert torch.equal(back["nested"][7], torch.ones(2, 2))
    with pytest.raises(TypeError, match="cannot store"):
        save_state({"bad": object()}, tmp_path / "bad.ckpt")
    assert not (tmp_path / "bad.ckpt").exists()  # atomic: nothing half-written
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"\x80\x04junk" * 10)
    with pytest.raises(CheckpointError, match="not a readable training checkpoint"):
        load_state(junk)
    with pytest.raises(CheckpointError, match="is a motionclip model checkpoint, not a training checkpoint"):
        load_state(tiny_checkpoint)
    with pytest.raises(CheckpointError, match="not found"):
        load_state(tmp_path / "missing.ckpt")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m["config"].update(window=-60), "'window'"),
        (lambda m: m["config"].update(fps=float("nan")), "'fps'|non-finite number NaN"),
        (lambda m: m["config"].update(architecture="3 layers"), "'architecture'"),
        (lambda m: m["config"].update(backend="word2vec"), "unknown backend"),
        (lambda m: m["config"].update(generation=[1]), "'generation'"),
        (lambda m: m["config"].update(trained_frames=3), "'trained_frames'"),
        (lambda m: m["config"].update(latent_norm=0), "'latent_norm'"),
        (lambda m: m["config"]["architecture"].update(output_smoothing=-1.0), "model.output_smoothing"),
        (lambda m: m.pop("config"), "'config' must be an object"),
        (lambda m: m.pop("skeleton"), "'skeleton' must be an object"),
    ],
)
def test_bad_checkpoint_metadata_fails_at_load(tiny_checkpoint, tmp_path, edit, message) -> None:  # noqa: ANN001
    import json as _json

    from safetensors.torch import load_file, safe_open, save_file

    from motionclip.errors import CheckpointError
    from motionclip.generation import load_model

    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = _json.loads(fh.metadata()[MODEL_CHECKPOINT.key])
    edit(meta)
    bad = tmp_path / "bad.safetensors"
    save_file(load_file(str(tiny_checkpoint)), str(bad), metadata={MODEL_CHECKPOINT.key: _json.dumps(meta)})
    with pytest.raises(CheckpointError, match=message):
        load_model(bad)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.update(window=-60), "'window'"),
        (lambda m: m.update(fps=float("nan")), "'fps'|non-finite number NaN"),
        (lambda m: m.update(model="3 layers"), "'model'"),
        (lambda m: m.update(backend={"name": "word2vec"}), "unknown backend"),
        (lambda m: m.update(generation=[1]), "'generation'"),
    ],
)
def test_bad_v1_checkpoint_metadata_fails_at_load(tmp_path, edit, message) -> None:  # noqa: ANN001
    """Format v1 (loose keys under the shared ``motionclip`` key, as 0.1 releases wrote) is checked too."""
    import json as _json

    from safetensors.torch import load_file, safe_open, save_file
    from v1_checkpoint import write_v1

    from motionclip.errors import CheckpointError
    from motionclip.generation import load_model
    from motionclip.model.checkpoint import shipped_checkpoint
    from motionclip.tagged import LEGACY_KEY

    v1 = write_v1(shipped_checkpoint(), tmp_path / "v1.safetensors")
    with safe_open(str(v1), framework="pt") as fh:
        meta = _json.loads(fh.metadata()[LEGACY_KEY])
    assert meta["format"] == "motionclip-checkpoint-v1"
    edit(meta)
    bad = tmp_path / "bad.safetensors"
    save_file(load_file(str(v1)), str(bad), metadata={LEGACY_KEY: _json.dumps(meta)})
    with pytest.raises(CheckpointError, match=message):
        load_model(bad)


def test_v1_checkpoint_becomes_a_complete_config(tmp_path) -> None:  # noqa: ANN001
    """A v1 checkpoint loads into a whole ModelConfig, and saved again it is in the current format and equal."""
    from v1_checkpoint import write_v1

    from motionclip.generation import load_model
    from motionclip.model.checkpoint import shipped_checkpoint

    old = load_model(write_v1(shipped_checkpoint(), tmp_path / "v1.safetensors"))
    assert old.meta["format"] == "motionclip-checkpoint-v1"
    cfg = old.config
    assert (cfg.backend, cfg.fps, cfg.window, cfg.latent_dim) == ("minilm", old.fps, old.window, 384)
    assert cfg.trained_frames >= cfg.window and cfg.latent_norm > 0
    again = load_model(save_checkpoint(old, tmp_path / "v3.safetensors"))
    assert again.meta["format"] == MODEL_CHECKPOINT.tag == "motionclip-checkpoint-v3"
    assert again.config == old.config
    z = torch.nn.functional.normalize(torch.randn(1, 384, generator=torch.Generator().manual_seed(0)), dim=-1)
    torch.testing.assert_close(again.decode(z, 20)[0].rotations, old.decode(z, 20)[0].rotations)


def test_nan_weights_fail_at_load(tiny_checkpoint, tmp_path) -> None:  # noqa: ANN001
    from safetensors.torch import load_file, safe_open, save_file

    from motionclip.errors import CheckpointError
    from motionclip.generation import load_model

    state = load_file(str(tiny_checkpoint))
    key = next(k for k, v in state.items() if v.is_floating_point() and v.numel() > 1)
    state[key] = state[key].clone()
    state[key].view(-1)[0] = float("nan")
    with safe_open(str(tiny_checkpoint), framework="pt") as fh:
        meta = fh.metadata()
    save_file(state, str(tmp_path / "nan.safetensors"), metadata=meta)
    with pytest.raises(CheckpointError, match="NaN"):
        load_model(tmp_path / "nan.safetensors")


def _retagged(src: Path, dst: Path, tag: str, state: dict[str, torch.Tensor]) -> Path:
    """``state`` under ``src``'s header, with the format tag ``tag`` (an older v2 file, a damaged v3 one)."""
    meta = dict(read_metadata(src), format=tag)
    return _rewrite(src, dst, state=state, meta=json.dumps(meta))


def test_a_current_checkpoint_must_hold_exactly_the_models_tensors(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Format v3: no tensor may be missing (bank_activity was filled with zeros before), extra or misshapen."""
    state = load_file(str(tiny_checkpoint))
    n = state["bank_activity"].shape[0]
    assert read_metadata(tiny_checkpoint)["format"] == "motionclip-checkpoint-v3" and n > 0
    cases = {
        "no_activity": (
            {k: v for k, v in state.items() if k != "bank_activity"},
            "checkpoint does not match the model: missing tensor 'bank_activity'",
        ),
        "no_bank": (
            {k: v for k, v in state.items() if not k.startswith("bank_")},
            "checkpoint does not match the model: missing tensors 'bank_codes', 'bank_scale', 'bank_take' and 2 more",
        ),
        "extra": (
            {**state, "decoder.extra": torch.zeros(2)},
            "checkpoint does not match the model: unexpected tensor 'decoder.extra' (not part of this model)",
        ),
        "shape": (
            {**state, "bank_activity": torch.zeros(n + 1)},
            f"checkpoint does not match the model: tensor 'bank_activity' has shape ({n + 1},), the model needs ({n},)",
        ),
        "dtype": (
            {**state, "bank_take": state["bank_take"].float()},
            "checkpoint does not match the model: tensor 'bank_take' is float32, the model needs int32",
        ),
    }
    for name, (bad_state, message) in cases.items():
        bad = _rewrite(tiny_checkpoint, tmp_path / f"{name}.safetensors", state=bad_state)
        with pytest.raises(CheckpointError) as err:
            load_model(bad)
        assert str(err.value) == f"{bad}: {message}", name


def test_older_formats_may_lack_only_the_tensors_they_predate(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """v2 files were written before bank_activity existed (the shipped checkpoints of that time); v1 files
    also before the latent bank. Anything else missing is refused in those formats too."""
    from v1_checkpoint import write_v1

    state = load_file(str(tiny_checkpoint))
    no_activity = {k: v for k, v in state.items() if k != "bank_activity"}
    v2 = load_model(_retagged(tiny_checkpoint, tmp_path / "v2.safetensors", "motionclip-checkpoint-v2", no_activity))
    assert v2.bank_size == state["bank_codes"].shape[0] and not bool(v2.bank_activity.any())
    no_bank = {k: v for k, v in state.items() if not k.startswith("bank_")}
    bad = _retagged(tiny_checkpoint, tmp_path / "v2-no-bank.safetensors", "motionclip-checkpoint-v2", no_bank)
    with pytest.raises(CheckpointError, match="missing tensors 'bank_codes', 'bank_scale', 'bank_take' and 1 more$"):
        load_model(bad)

    v1 = write_v1(tiny_checkpoint, tmp_path / "v1.safetensors")
    assert load_model(_rewrite_v1(v1, tmp_path / "v1-no-bank.safetensors", no_bank)).bank_size == 0
    half_bank = {k: v for k, v in no_activity.items() if k != "bank_scale"}
    bad = _rewrite_v1(v1, tmp_path / "v1-half-bank.safetensors", half_bank)
    with pytest.raises(CheckpointError, match="missing tensor 'bank_scale'$"):
        load_model(bad)
    no_head = {k: v for k, v in no_bank.items() if k != "decoder.head.weight"}
    with pytest.raises(CheckpointError, match="missing tensor 'decoder.head.weight'$"):
        load_model(_rewrite_v1(v1, tmp_path / "v1-no-head.safetensors", no_head))


def _rewrite_v1(v1: Path, dst: Path, state: dict[str, torch.Tensor]) -> Path:
    from safetensors import safe_open

    with safe_open(str(v1), framework="pt") as fh:
        header = fh.metadata()
    save_file(state, str(dst), metadata=header)
    return dst


def test_replace_metadata_keeps_every_tensor_byte_for_byte(tiny_model, tmp_path: Path) -> None:
    from motionclip.model.checkpoint import replace_metadata

    path = save_checkpoint(tiny_model, tmp_path / "m.safetensors", extra={"note": "/home/someone/secret"})
    before = load_file(str(path))
    meta = read_metadata(path)
    meta.pop("note")
    assert replace_metadata(path, meta, MotionCLIP) == path
    after = load_file(str(path))
    assert after.keys() == before.keys()
    for k, v in before.items():
        assert after[k].dtype == v.dtype and torch.equal(
            after[k].reshape(-1).view(torch.uint8), v.reshape(-1).view(torch.uint8)
        )
    assert "note" not in read_metadata(path) and read_metadata(path)["format"] == FORMAT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temporary left

    # a v2 file without bank_activity cannot be retagged v3: refused, the file stays as it was
    state = {k: v for k, v in before.items() if k != "bank_activity"}
    v2 = _retagged(path, tmp_path / "v2.safetensors", "motionclip-checkpoint-v2", state)
    raw = v2.read_bytes()
    with pytest.raises(CheckpointError) as err:
        replace_metadata(v2, dict(read_metadata(v2), format=FORMAT), MotionCLIP)
    assert str(err.value) == f"{v2}: checkpoint does not match the model: missing tensor 'bank_activity'"
    assert v2.read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "v2.safetensors"]
