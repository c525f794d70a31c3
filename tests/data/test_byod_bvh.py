"""``data prepare --source bvh``: any BVH folder with a labels file, Z-up files, mixed skeletons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from byod_samples import ACTIONS, MIXAMO, mixamo_motion, to_z_up, write_bvh_folder
from typer.testing import CliRunner

from motionclip.cli import app
from motionclip.data.bvh import read_bvh, write_bvh
from motionclip.data.cache import MotionCache
from motionclip.data.config import DataConfig
from motionclip.data.prepare import prepare_dataset
from motionclip.data.sources import SourceOptions, discover
from motionclip.data.up_axis import detect_up, to_y_up
from motionclip.errors import MotionCLIPError

CFG = DataConfig(window=30, stride=15, val_fraction=0.2, test_fraction=0.2)
runner = CliRunner()


def test_labels_merge_descriptions_and_segments(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1, segments=True)
    found = discover("bvh", root)
    assert not found.problems
    by_name = {t.name: t for t in found.takes}
    walk = by_name["walk/take00"]
    assert walk.texts == ACTIONS["walk"] and walk.content == "walk" and walk.start is None
    spans = sorted((t.start, t.end, t.content) for t in found.takes if t.group == "long")
    assert spans == [(0.0, 3.0, "walk"), (3.0, 6.0, "raise-up-both-hands")]


def test_prepare_keeps_free_text_and_segments(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=3, segments=True, jsonl=True)
    out = tmp_path / "c.safetensors"
    res = prepare_dataset("bvh", root, out, CFG, workers=1, progress=False)
    cache = MotionCache.load(out)
    assert res["takes"] == 14 and not res["problems"]
    assert set(cache.contents) == set(ACTIONS)
    assert set(ACTIONS["walk"]) <= set(cache.texts)
    names = cache.meta["take_names"]
    seg = [i for i, n in enumerate(names) if n.startswith("long")]
    assert len(seg) == 2 and all(int(cache.tensors["take_length"][i]) == 90 for i in seg)  # 3 s at 30 fps
    splits = {int(cache.tensors["take_split"][i]) for i in seg}
    assert len(splits) == 1  # the spans of one file share a split
    # the walking half of the long take moves forward, the arm-raising half stands still
    walk_i = seg[[cache.contents[int(cache.tensors["take_content"][i])] for i in seg].index("walk")]
    raise_i = seg[0] if walk_i == seg[1] else seg[1]
    for i, moving in ((walk_i, True), (raise_i, False)):
        s, n = int(cache.tensors["take_start"][i]), int(cache.tensors["take_length"][i])
        travel = float((cache.tensors["trans"][s + n - 1] - cache.tensors["trans"][s])[[0, 2]].norm())
        assert (travel > 1.0) == moving


def test_z_up_bvh_is_detected_and_stands_upright(tmp_path: Path) -> None:
    m = mixamo_motion("walk", 60)
    path = write_bvh(to_z_up(m), tmp_path / "blender.bvh")
    lying = read_bvh(path)
    assert detect_up(lying) == "z" and detect_up(read_bvh(write_bvh(m, tmp_path / "y.bvh"))) == "y"
    upright, note = to_y_up(lying)
    assert note and "Z-up" in note
    assert torch.allclose(upright.positions(), m.positions(), atol=1e-3)
    forced, note = to_y_up(lying, "z")
    assert torch.allclose(forced.positions(), m.positions(), atol=1e-3) and "--up z" in note
    same, note = to_y_up(lying, "y")
    assert note is None and same is lying
    # a Y-up take of someone lying along Z (a crawl) is not mistaken for a Z-up file: the rest pose decides
    pitch = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    rot = m.rotations.clone()
    rot[:, 0] = pitch @ rot[:, 0]
    crawl = type(m)(m.skeleton, rot, m.root_translation * torch.tensor([1.0, 0.3, 1.0]), m.fps)
    assert float(crawl.positions()[..., 2].std()) > float(crawl.positions()[..., 1].std())  # it is lying
    assert detect_up(crawl) == "y"
    # the rest pose is turned too: a written copy stands along +Y in any Y-up tool
    assert float(upright.skeleton.offsets[:, 1].__abs__().sum()) > float(abs(upright.skeleton.offsets[:, 2]).sum())


def test_prepare_reports_z_up_conversion(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=2, z_up=2)
    res = prepare_dataset("bvh", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False)
    assert len(res["notes"]) == 2 and all("converted to Y-up" in n for n in res["notes"])
    cache = MotionCache.load(tmp_path / "c.safetensors")
    heights = cache.frame_positions[..., 1]
    assert float(heights.min()) > -0.1 and float(heights.max()) > 1.3  # everyone stands on the floor


def test_mixed_skeletons_share_the_canonical_body(tmp_path: Path) -> None:
    from synthetic import make_motion

    root = write_bvh_folder(tmp_path / "d", per_action=1)
    write_bvh(make_motion("walk", 60), root / "bandai_walk.bvh")  # Bandai-style names beside Mixamo ones
    with open(root / "labels.csv", "a") as fh:
        fh.write("bandai_walk.bvh,a person walks,walk,,\n")
    res = prepare_dataset("bvh", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False)
    assert res["takes"] == 5 and not res["problems"]


def test_mixed_skeletons_on_their_own_rig_use_the_dominant_one_or_a_joint_map(tmp_path: Path) -> None:
    """``body="rig"`` keeps the files' own skeleton (caches before the canonical body)."""
    from dataclasses import replace

    from synthetic import make_motion

    root = write_bvh_folder(tmp_path / "d", per_action=1)
    write_bvh(make_motion("walk", 60), root / "bandai_walk.bvh")  # Bandai-style names
    with open(root / "labels.csv", "a") as fh:
        fh.write("bandai_walk.bvh,a person walks,walk,,\n")
    cfg = replace(CFG, body="rig")
    res = prepare_dataset("bvh", root, tmp_path / "c.safetensors", cfg, workers=1, progress=False)
    assert res["takes"] == 4
    assert any("bandai_walk.bvh" in p and "differs" in p and "--joint-map" in p for p in res["problems"])
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(MIXAMO))
    res = prepare_dataset("bvh", root, tmp_path / "c2.safetensors", cfg, workers=1, progress=False,
                          options=SourceOptions(joint_map=mapping))  # fmt: skip
    assert res["takes"] == 5 and not res["problems"]
    assert MotionCache.load(tmp_path / "c2.safetensors").skeleton.names[5] == "LeftShoulder"


def test_unlabelled_files_are_reported(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1)
    write_bvh(mixamo_motion("walk", 40), root / "extra.bvh")
    found = discover("bvh", root)
    assert any("extra.bvh" in p and "no label row" in p for p in found.problems)


def _labels(root: Path, text: str, name: str = "labels.csv") -> Path:
    (root / name).write_text(text)
    return root / name


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        ("file,text\nnope.bvh,a person walks\n", "file 'nope.bvh' not found"),
        ("file,text,start,end\nwalk/take00.bvh,a walk,2,1\n", "segment end 1 s is not after start 2 s"),
        ("file,text,start\nwalk/take00.bvh,a walk,2\n", "give both start and end"),
        ("file,text,start,end\nwalk/take00.bvh,a walk,x,3\n", "start must be a number"),
        ("file,text\nwalk/take00.bvh,\n", "empty 'text'"),
        ("name,caption\nwalk/take00.bvh,a walk\n", "must have 'file' and 'text' columns"),
        ("file,text,class\nwalk/take00.bvh,a walk,walk\nwalk/take00.bvh,a stroll,run\n", "disagrees"),
    ],
)
def test_bad_labels_name_file_and_line(tmp_path: Path, labels: str, match: str) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1)
    path = _labels(root, labels)
    with pytest.raises(MotionCLIPError, match=match) as err:
        discover("bvh", root)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_bad_jsonl_and_missing_labels(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1)
    (root / "labels.csv").unlink()
    with pytest.raises(MotionCLIPError, match="no labels file; give --labels"):
        discover("bvh", root)
    with pytest.raises(MotionCLIPError, match="missing.csv: labels file not found"):
        discover("bvh", root, SourceOptions(labels=str(root / "missing.csv")))
    bad = _labels(root, '{"file": "walk/take00.bvh", "text": "a walk"}\nnot json\n', "labels.jsonl")
    with pytest.raises(MotionCLIPError, match=rf"{bad}:2: not a JSON object"):
        discover("bvh", root)


def test_unknown_up_axis_fails_before_reading(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1)
    with pytest.raises(MotionCLIPError, match="unknown up axis 'x'"):
        prepare_dataset("bvh", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False,
                        options=SourceOptions(up="x"))  # fmt: skip
    assert not (tmp_path / "c.safetensors").exists()


def test_twenty_files_prepare_train_generate_eval_through_the_cli(tmp_path: Path, embedding_cache_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The issue's "done when": a BVH folder on a non-Bandai skeleton + a CSV, no code written."""
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(embedding_cache_dir))
    root = write_bvh_folder(tmp_path / "mine", per_action=5, z_up=1)  # 20 files
    cache = tmp_path / "mine.safetensors"
    r = runner.invoke(app, ["data", "prepare", "--source", "bvh", "--root", str(root), "--out", str(cache),
                            "--window", "30", "--stride", "15", "--workers", "1"])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert "converted to Y-up" in r.output
    run = tmp_path / "run"
    tiny = ["model.num_layers=1", "model.ff_size=64", "train.batch_size=8", "train.max_steps=3", "train.log_every=1"]
    r = runner.invoke(app, ["train", "--data", str(cache), "--out", str(run), "--no-progress", *tiny])
    assert r.exit_code == 0, r.output + repr(r.exception)
    ckpt = run / "model.safetensors"
    r = runner.invoke(app, ["generate", "a person waves the left hand", "-c", str(ckpt), "-o", str(tmp_path / "g.bvh")])
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert read_bvh(tmp_path / "g.bvh").skeleton.names == MotionCache.load(cache).skeleton.names
    judge = tmp_path / "judge.safetensors"
    r = runner.invoke(app, ["eval", "train-judge", "--data", str(cache), "-o", str(judge), "--epochs", "1",
                            "--no-progress"])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    report = tmp_path / "eval.json"
    r = runner.invoke(app, ["eval", "run", "--data", str(cache), "-c", str(ckpt), "--judge", str(judge),
                            "-o", str(report), "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    rep = json.loads(report.read_text())
    assert rep["zero_shot"]["content"]["overall"]["n"] > 0 and rep["generation"]["prompts"]["count"] > 0
    assert "dataset descriptions" in rep["generation"]["prompts"]["source"]


def test_too_few_takes_train_without_validation(tmp_path: Path, embedding_cache_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("MOTIONCLIP_CACHE_DIR", str(embedding_cache_dir))
    root = write_bvh_folder(tmp_path / "few", per_action=1)
    cache = tmp_path / "few.safetensors"
    r = runner.invoke(app, ["data", "prepare", "--source", "bvh", "--root", str(root), "--out", str(cache),
                            "--window", "30", "--workers", "1"])  # fmt: skip
    assert r.exit_code == 0 and "no validation windows" in r.output
    tiny = ["model.num_layers=1", "model.ff_size=64", "train.batch_size=4", "train.max_steps=2"]
    r = runner.invoke(app, ["train", "--data", str(cache), "--out", str(tmp_path / "run"), "--no-progress", *tiny])
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert "no validation windows; training without validation" in r.output
    assert (tmp_path / "run" / "model.safetensors").is_file()
    r = runner.invoke(app, ["eval", "run", "--data", str(cache), "-c", str(tmp_path / "run" / "model.safetensors")])
    assert isinstance(r.exception, MotionCLIPError) and "try --split train" in str(r.exception)
    r = runner.invoke(app, ["eval", "run", "--data", str(cache), "-c", str(tmp_path / "run" / "model.safetensors"),
                            "--split", "train", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert json.loads(r.output)["windows"] > 0


def test_render_stands_a_blender_z_up_bvh_upright(tmp_path: Path) -> None:
    from motionclip.data.io import read_motion

    m = mixamo_motion("raise-up-both-hands", 30)
    path = write_bvh(to_z_up(m), tmp_path / "blender.bvh")
    assert torch.allclose(read_motion(path, up="auto").positions(), m.positions(), atol=1e-3)
    assert not torch.allclose(read_motion(path).positions(), m.positions(), atol=1e-3)  # default: as written
    r = runner.invoke(app, ["render", str(path), "-o", str(tmp_path / "b.png"), "--size", "64"])
    assert r.exit_code == 0, r.output + repr(r.exception)
    assert "detected Z-up; converted to Y-up" in r.output and (tmp_path / "b.png").is_file()
    r = runner.invoke(app, ["render", str(path), "-o", str(tmp_path / "b.png"), "--up", "sideways"])
    assert isinstance(r.exception, MotionCLIPError) and "unknown up axis 'sideways'" in str(r.exception)


def test_a_broken_file_with_several_spans_is_reported_once(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1, segments=True)
    (root / "long.bvh").write_text("HIERARCHY\nROOT Hips\n{\n")
    res = prepare_dataset("bvh", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False)
    assert sum("long.bvh" in p for p in res["problems"]) == 1 and res["takes"] == 4


def test_options_of_other_sources_are_refused(tmp_path: Path) -> None:
    root = write_bvh_folder(tmp_path / "d", per_action=1)
    with pytest.raises(MotionCLIPError, match="--body-model does not apply to --source bvh"):
        prepare_dataset("bvh", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False,
                        options=SourceOptions(body_model=tmp_path / "model.npz"))  # fmt: skip
    with pytest.raises(MotionCLIPError, match="--up does not apply to --source bandai-namco"):
        prepare_dataset("bandai-namco", root, tmp_path / "c.safetensors", CFG, workers=1, progress=False,
                        options=SourceOptions(up="z"))  # fmt: skip
