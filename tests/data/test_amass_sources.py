"""``--source amass`` with BABEL and HumanML3D labels, on synthetic files in the exact formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from amass_samples import (
    CLASSES,
    smplh_joints,
    write_amass,
    write_babel_fixture,
    write_body_model,
    write_humanml3d_fixture,
)

from motionclip.data.amass import SMPL_NAMES, load_body_model, read_amass
from motionclip.data.body import CANONICAL_BODY
from motionclip.data.body import NAMES as BODY_NAMES
from motionclip.data.cache import MotionCache
from motionclip.data.config import DataConfig
from motionclip.data.prepare import prepare_dataset
from motionclip.data.sources import SourceOptions, discover
from motionclip.errors import MotionCLIPError

CFG = DataConfig(window=30, stride=15, val_fraction=0.25, test_fraction=0.2)


@pytest.fixture(scope="module")
def body_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_body_model(tmp_path_factory.mktemp("smplh") / "model.npz")


@pytest.fixture(scope="module")
def babel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_babel_fixture(tmp_path_factory.mktemp("babel"))


def test_offsets_come_from_the_body_model(body_model: Path) -> None:
    bm = load_body_model(body_model)
    joints, _ = smplh_joints()
    off = bm.offsets()
    assert off.shape == (24, 3)
    assert np.allclose(off[4], joints[4] - joints[1], atol=1e-9)  # left knee below the left hip
    assert np.allclose(off[22], joints[25] - joints[20], atol=1e-9)  # left hand at the middle finger's base
    taller = bm.offsets(np.array([2.0] + [0.0] * 15))
    assert abs(taller[7, 1]) > abs(off[7, 1])  # beta 0 stretches the shin


def test_amass_is_read_upright_and_walks_forward(tmp_path: Path, body_model: Path) -> None:
    path = write_amass(tmp_path / "KIT" / "1" / "walk_poses.npz", ["walk"], seconds=2.0)
    m = read_amass(path, load_body_model(body_model))
    assert m.skeleton.names == SMPL_NAMES and m.fps == 60.0 and len(m) == 120
    pos = m.positions()
    head, feet = pos[:, SMPL_NAMES.index("head"), 1], pos[:, [7, 8], 1].min(-1).values
    assert float((head - feet).min()) > 1.3  # Y up: the head is well above the feet
    travel = pos[-1, 0] - pos[0, 0]
    assert abs(float(travel[1])) < 0.05 and float(travel[[0, 2]].norm()) > 2.0
    from motionclip.data.canonical import facing_direction

    forward = facing_direction(m, 0)
    assert float(forward @ (travel / travel.norm())) > 0.9  # walks the way it faces


def _bad(tmp_path: Path, **arrays: object) -> Path:
    base = {"poses": np.zeros((10, 156)), "trans": np.zeros((10, 3)), "mocap_framerate": np.array(60.0),
            "betas": np.zeros(16), "gender": np.array("female")}  # fmt: skip
    base.update(arrays)
    path = tmp_path / "bad_poses.npz"
    np.savez(path, **{k: v for k, v in base.items() if v is not None})
    return path


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"poses": None}, "missing keys: poses"),
        ({"poses": np.zeros((10, 100))}, r"poses must have shape \(N, 156\)"),
        ({"trans": np.zeros((9, 3))}, r"trans must have shape \(10, 3\)"),
        ({"trans": np.full((10, 3), np.nan)}, "trans has NaN or inf in frame 0"),
        ({"mocap_framerate": np.array(0.0)}, "mocap_framerate must be between"),
        ({"betas": np.full(16, np.inf)}, "betas contain NaN"),
    ],
)
def test_bad_amass_files(tmp_path: Path, body_model: Path, arrays: dict, match: str) -> None:
    path = _bad(tmp_path, **arrays)
    with pytest.raises(MotionCLIPError, match=match) as err:
        read_amass(path, load_body_model(body_model))
    assert str(path) in str(err.value)


def test_body_model_errors_say_where_to_get_one(tmp_path: Path, body_model: Path) -> None:
    with pytest.raises(MotionCLIPError, match="mano.is.tue.mpg.de"):
        load_body_model(None)
    with pytest.raises(MotionCLIPError, match=r"missing.npz: body model not found.*mano.is.tue.mpg.de"):
        load_body_model(tmp_path / "missing.npz")
    with pytest.raises(MotionCLIPError, match="need chumpy"):
        load_body_model(tmp_path / "SMPL_NEUTRAL.pkl")
    data = dict(np.load(body_model))
    del data["J_regressor"]
    np.savez(tmp_path / "nojr.npz", **data)
    with pytest.raises(MotionCLIPError, match="missing keys: J_regressor"):
        load_body_model(tmp_path / "nojr.npz")
    data = dict(np.load(body_model))
    data["J_regressor"] = data["J_regressor"][:, :-1]
    np.savez(tmp_path / "shape.npz", **data)
    with pytest.raises(MotionCLIPError, match="J_regressor must have shape"):
        load_body_model(tmp_path / "shape.npz")


def test_prepare_amass_without_body_model_fails_first(tmp_path: Path, babel: tuple[Path, Path]) -> None:
    amass, labels = babel
    with pytest.raises(MotionCLIPError, match="needs a body model.*mano.is.tue.mpg.de"):
        prepare_dataset("amass", amass, tmp_path / "c.safetensors", CFG, workers=1, progress=False,
                        options=SourceOptions(labels="babel", annotations=labels))  # fmt: skip
    with pytest.raises(MotionCLIPError, match="needs --labels babel or --labels humanml3d"):
        discover("amass", amass, SourceOptions(labels="kit"))


def test_babel_segments_become_takes(babel: tuple[Path, Path]) -> None:
    amass, labels = babel
    found = discover("amass", amass, SourceOptions(labels="babel", annotations=labels))
    assert not found.problems
    assert len(found.takes) == 4 * 2 + 4 + 2 * 2 + 2  # two frame segments on even sequences, one label on odd
    seg = [t for t in found.takes if t.start is not None]
    assert {(t.start, t.end) for t in seg} == {(0.0, 3.0), (3.0, 6.0)}
    assert {t.content for t in found.takes} == set(CLASSES)
    walk = next(t for t in found.takes if t.content == "walk")
    assert walk.texts == ("walking forward", "walk")
    assert {t.split for t in found.takes} == {None, 2}  # val.json is the test split


def test_babel_bad_json(tmp_path: Path, babel: tuple[Path, Path]) -> None:
    amass, labels = babel
    bad = tmp_path / "babel"
    bad.mkdir()
    data = json.loads((labels / "train.json").read_text())
    seq = next(v for v in data.values() if v["frame_ann"])
    seq["frame_ann"]["labels"][0]["end_t"] = -1.0
    (bad / "train.json").write_text(json.dumps(data))
    with pytest.raises(MotionCLIPError, match="train.json: sequence .*end_t -1 is before start_t 0"):
        discover("amass", amass, SourceOptions(labels="babel", annotations=bad))
    (bad / "train.json").write_text("{not json")
    with pytest.raises(MotionCLIPError, match="not readable BABEL JSON"):
        discover("amass", amass, SourceOptions(labels="babel", annotations=bad))


@pytest.fixture(scope="module")
def babel_cache(babel: tuple[Path, Path], body_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    amass, labels = babel
    out = tmp_path_factory.mktemp("babel-cache") / "babel.safetensors"
    opts = SourceOptions(labels="babel", annotations=labels, body_model=body_model)
    prepare_dataset("amass", amass, out, CFG, workers=1, progress=False, options=opts)
    return out


def test_babel_cache(babel_cache: Path) -> None:
    cache = MotionCache.load(babel_cache)
    assert cache.skeleton.names == BODY_NAMES and cache.body == CANONICAL_BODY and cache.fps == 30.0  # SMPL mapped
    assert set(cache.contents) == set(CLASSES) and cache.datasets == ["babel"]
    summary = cache.summary()
    assert summary["takes"]["test"] == 6 and summary["windows"]["train"] > 0
    assert float(cache.frame_positions[..., 1].min()) > -0.05  # upright, on the floor


def test_humanml3d_clips_captions_and_splits(tmp_path: Path, body_model: Path) -> None:
    amass, hml = write_humanml3d_fixture(tmp_path)
    found = discover("amass", amass, SourceOptions(labels="humanml3d", annotations=hml))
    assert any("humanact12" in p for p in found.problems)
    by_name = {t.name: t for t in found.takes}
    first = by_name["000000"]  # Eyes_Japan_Dataset: HumanML3D drops its first 3 s
    assert (first.start, first.end) == (3.0, 6.0)
    assert first.texts == ("a person walks forward.", "someone does it: walk.")
    assert (by_name["000001"].start, by_name["000001"].end) == (0.0, 5.0)
    sub = by_name["000001-1"]  # a caption with its own 2-4 s span inside the clip
    assert (sub.start, sub.end, sub.texts) == (2.0, 4.0, ("then stands for a moment.",))
    assert by_name["000003"].split == 2 and by_name["000002"].split == 1 and by_name["000000"].split == 0
    out = tmp_path / "hml.safetensors"
    opts = SourceOptions(labels="humanml3d", annotations=hml, body_model=body_model)
    res = prepare_dataset("amass", amass, out, CFG, workers=1, progress=False, options=opts)
    assert res["windows"]["test"] > 0 and res["windows"]["val"] > 0
    cache = MotionCache.load(out)
    assert "a person waves with the left hand." in cache.texts


def test_humanml3d_bad_caption_line(tmp_path: Path) -> None:
    amass, hml = write_humanml3d_fixture(tmp_path, n=2)
    (hml / "texts" / "000001.txt").write_text("a person walks#a/DET#x#0.0\n")
    with pytest.raises(MotionCLIPError, match=r"000001.txt:1: start/end are not numbers"):
        discover("amass", amass, SourceOptions(labels="humanml3d", annotations=hml))
    (hml / "index.csv").write_text("source_path,start_frame,new_name\n")
    with pytest.raises(MotionCLIPError, match="index.csv: missing columns end_frame"):
        discover("amass", amass, SourceOptions(labels="humanml3d", annotations=hml))


def _tiny_train(cache: Path, out: Path) -> Path:
    from synthetic import tiny_model_config

    from motionclip.training.config import TrainRunConfig
    from motionclip.training.run import train

    run = TrainRunConfig()
    run.model = tiny_model_config()
    run.train.max_steps = 3
    run.train.batch_size = 8
    run.train.checkpoint_every = 1000
    train(cache, run, out, progress=False, log=lambda *_: None)
    return out / "model.safetensors"


def test_humanml3d_trains_a_few_steps_and_evaluates(tmp_path: Path, body_model: Path, embedding_cache_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import motionclip
    from motionclip.apps.eval.run import evaluate

    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(embedding_cache_dir))
    amass, hml = write_humanml3d_fixture(tmp_path)
    cache = tmp_path / "hml.safetensors"
    prepare_dataset("amass", amass, cache, CFG, workers=1, progress=False,
                    options=SourceOptions(labels="humanml3d", annotations=hml, body_model=body_model))  # fmt: skip
    model = motionclip.load(str(_tiny_train(cache, tmp_path / "run")))
    report = evaluate(model, cache, "test")
    assert report["retrieval"]["text_to_motion"]["queries"] > 0 and report["reconstruction"]["mpjpe_mm"] > 0


def test_babel_cli_prepare_train_and_babel60(
    babel: tuple[Path, Path],
    body_model: Path,
    tmp_path: Path,
    embedding_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from motionclip.cli import app

    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(embedding_cache_dir))
    runner = CliRunner()
    amass, labels = babel
    cache = tmp_path / "babel.safetensors"
    r = runner.invoke(app, ["data", "prepare", "--source", "amass", "--root", str(amass), "--out", str(cache),
                            "--labels", "babel", "--annotations", str(labels), "--body-model", str(body_model),
                            "--window", "30", "--stride", "15", "--workers", "1"])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    run = tmp_path / "run"
    tiny = ["model.num_layers=1", "model.ff_size=64", "train.batch_size=8", "train.max_steps=3"]
    r = runner.invoke(app, ["train", "--data", str(cache), "--out", str(run), "--no-progress", *tiny])
    assert r.exit_code == 0, r.output + repr(r.exception)
    out = tmp_path / "babel60.json"
    r = runner.invoke(app, ["eval", "babel60", "--data", str(cache), "-c", str(run / "model.safetensors"),
                            "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert "BABEL-4 (test, 6 segments)" in r.output and "paper 40.9% / 57.7%" in r.output
    b = json.loads(out.read_text())
    assert b["classes"] == 4 and 0.0 <= b["top1"] <= b["top5"] == 1.0  # 4 classes: the truth is always in the top 5
    r = runner.invoke(app, ["eval", "babel60", "--data", str(cache), "-c", str(run / "model.safetensors"),
                            "--prompt", "a person"])  # fmt: skip
    assert isinstance(r.exception, MotionCLIPError) and "--prompt must contain" in str(r.exception)


def test_babel60_needs_a_babel_cache(synthetic_cache: Path, tiny_checkpoint: Path) -> None:
    import motionclip
    from motionclip.apps.eval.babel60 import babel60

    with pytest.raises(MotionCLIPError, match="not a BABEL cache"):
        babel60(motionclip.load(str(tiny_checkpoint)), MotionCache.load(synthetic_cache))


def test_a_body_model_folder_picks_each_sequence_by_gender(tmp_path: Path) -> None:
    from motionclip.data.amass import load_body_models

    folder = tmp_path / "smplh"
    for g in ("male", "female"):
        (folder / g).mkdir(parents=True)
        write_body_model(folder / g / "model.npz")
    data = dict(np.load(folder / "female" / "model.npz"))
    data["v_template"] = data["v_template"] * 0.9  # a smaller female template
    np.savez(folder / "female" / "model.npz", **data)
    models = load_body_models(folder)
    assert set(models) == {"male", "female"}
    path = write_amass(tmp_path / "w_poses.npz", ["stand"], seconds=0.5)
    male = read_amass(path, models)
    arrays = dict(np.load(path))
    arrays["gender"] = np.array("female")
    np.savez(path, **arrays)
    female = read_amass(path, models)
    assert np.allclose(female.skeleton.offsets, 0.9 * male.skeleton.offsets, atol=1e-6)
    arrays["gender"] = np.array("other")
    np.savez(path, **arrays)
    with pytest.raises(MotionCLIPError, match="gender 'other' and no neutral body model"):
        read_amass(path, models)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(MotionCLIPError, match="no male/, female/ or neutral/model.npz"):
        load_body_models(tmp_path / "empty_dir")


def test_an_smpl_24_joint_model_gives_the_same_skeleton(tmp_path: Path, body_model: Path) -> None:
    data = dict(np.load(body_model))
    keep = list(range(22)) + [25, 40]  # SMPL's hand joints where SMPL-H has the middle finger's base
    data["J_regressor"] = data["J_regressor"][keep]
    parents = [4294967295, *[int(p) for p in data["kintree_table"][0, 1:22]], 20, 21]
    data["kintree_table"] = np.array([parents, list(range(24))], dtype=np.int64)
    np.savez(tmp_path / "smpl.npz", **data)
    assert np.allclose(load_body_model(tmp_path / "smpl.npz").offsets(), load_body_model(body_model).offsets())
    data["kintree_table"] = np.array([[4294967295] + [0] * 23, list(range(24))], dtype=np.int64)
    np.savez(tmp_path / "star.npz", **data)
    with pytest.raises(MotionCLIPError, match="kintree_table is not the SMPL body tree"):
        load_body_model(tmp_path / "star.npz")
