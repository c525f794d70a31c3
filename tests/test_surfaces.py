"""One application layer: the CLI, the Python API and the web server give the same numbers.

Each operation is run through the three surfaces on the same tiny checkpoint and compared
joint by joint (the web rounds positions to 0.1 mm) or class by class.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import motionclip
from motionclip.cli import app as cli_app
from motionclip.data.io import read_motion

pytest.importorskip("fastapi")

FRAMES = 20


@pytest.fixture(scope="module")
def model(tiny_checkpoint: Path):  # noqa: ANN201
    return motionclip.load(str(tiny_checkpoint))


@pytest.fixture(scope="module")
def client(model):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    from motionclip.web import create_app

    with TestClient(create_app(model)) as c:
        yield c


def cli(checkpoint: Path, *args: object) -> str:
    result = CliRunner().invoke(cli_app, [*map(str, args), "--checkpoint", str(checkpoint)])
    assert result.exit_code == 0, result.output
    return result.stdout


def web(client, route: str, body: dict) -> dict:  # noqa: ANN001
    r = client.post(route, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def positions(motion) -> np.ndarray:  # noqa: ANN001
    return motion.positions().detach().numpy()


def same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, atol=2e-4)


def test_generate(model, client, tiny_checkpoint: Path, tmp_path: Path) -> None:  # noqa: ANN001
    text = "a person walks forward"
    cli(tiny_checkpoint, "generate", text, "--frames", FRAMES, "--out", tmp_path / "g.npz")
    api = motionclip.generate(model, [text], FRAMES)[0]
    got = web(client, "/api/generate", {"text": text, "frames": FRAMES})
    same(positions(read_motion(tmp_path / "g.npz")), positions(api))
    same(np.asarray(got["positions"]), positions(api))


def test_generate_notes_and_compositions(model, client, tiny_checkpoint: Path, tmp_path: Path) -> None:  # noqa: ANN001
    """What ``motionclip generate`` prints ("composed: ..." and "note: ..." lines) is what the
    Python API's ``generate_with_closeness`` returns and what /api/generate carries per prompt."""
    from motionclip.apps.generate import generate_with_closeness

    texts = ["a person walks while waving the right hand", "a person sits down on a chair", "a person walks"]
    r = CliRunner().invoke(
        cli_app, ["generate", *texts, "--frames", str(FRAMES), "--out", str(tmp_path / "n.npz"),
                  "--checkpoint", str(tiny_checkpoint)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    from_cli = [line for line in r.output.splitlines() if line.startswith(("composed:", "note:"))]
    api = generate_with_closeness(model, texts, FRAMES)
    got = [web(client, "/api/generate", {"text": t, "frames": FRAMES}) for t in texts]
    from_web = [g["composed"] for g in got if g["composed"]] + [g["note"] for g in got if g["note"]]
    assert from_cli and from_cli == api.composed + api.notes == from_web
    assert [g["note"] for g in got] == [c.note for c in api.closeness]
    for g, motion in zip(got, api.motions, strict=True):
        same(np.asarray(g["positions"]), positions(motion))


def test_interpolate(model, client, tiny_checkpoint: Path, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = "a person walks", "a person waves the left hand"
    cli(tiny_checkpoint, "interpolate", a, b, "--steps", 3, "--frames", FRAMES, "--out", tmp_path / "i.npz")
    api, _, _ = motionclip.interpolate(model, a, b, 3, FRAMES)
    got = web(client, "/api/interpolate", {"a": a, "b": b, "steps": 3, "frames": FRAMES})["motions"]
    for i in range(3):
        same(positions(read_motion(tmp_path / f"i_{i + 1}.npz")), positions(api[i]))
        same(np.asarray(got[i]["positions"]), positions(api[i]))


@pytest.mark.parametrize("sub", [None, "a person walks happily"])
def test_style_edit(model, client, tiny_checkpoint: Path, tmp_path: Path, sub: str | None) -> None:  # noqa: ANN001
    text, add = "a person walks", "proud"
    extra = [] if sub is None else ["--sub", sub]
    cli(tiny_checkpoint, "edit", "--text", text, "--add", add, *extra, "--scale", 0.7, "--frames", FRAMES,
        "--out", tmp_path / "e.npz")  # fmt: skip
    api = motionclip.edit_style(model, add, sub, text=text, scale=0.7, frames=FRAMES).motion
    got = web(client, "/api/edit", {"text": text, "add": add, "sub": sub, "scale": 0.7, "frames": FRAMES})
    same(positions(read_motion(tmp_path / "e.npz")), positions(api))
    same(np.asarray(got["positions"]), positions(api))


def test_compose(model, client, tiny_checkpoint: Path, tmp_path: Path) -> None:  # noqa: ANN001
    upper, lower = "a person waves the right hand", "a person walks forward"
    cli(tiny_checkpoint, "edit", "--upper", upper, "--lower", lower, "--frames", FRAMES, "--out", tmp_path / "c.npz")
    api = motionclip.compose(model, upper, lower, frames=FRAMES).motion
    got = web(client, "/api/compose", {"upper": upper, "lower": lower, "frames": FRAMES})
    same(positions(read_motion(tmp_path / "c.npz")), positions(api))
    same(np.asarray(got["positions"]), positions(api))


def test_classify(model, client, tiny_checkpoint: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from synthetic import make_motion

    from motionclip.data.bvh import write_bvh

    path = write_bvh(make_motion("walk", frames=60), tmp_path / "walk.bvh")
    classes = "walk,wave-left-hand,a person kicks"
    body = json.loads(cli(tiny_checkpoint, "classify", path, "--classes", classes, "--top-k", 3, "--json"))
    from_cli = {p["label"]: p["cosine"] for p in body["predictions"]}
    from_api = {p.label: p.cosine for p in motionclip.classify(model, str(path), classes, top_k=3)}
    r = client.post("/api/classify", files={"file": ("walk.bvh", io.BytesIO(path.read_bytes()), "text/plain")},
                    data={"classes": classes, "top_k": "3"})  # fmt: skip
    assert r.status_code == 200, r.text
    from_web = {p["label"]: p["cosine"] for p in r.json()["top"]}
    assert set(from_cli) == set(from_api) == set(from_web) == set(classes.split(","))
    for label, cos in from_api.items():
        assert from_cli[label] == pytest.approx(cos, abs=1e-5)
        assert from_web[label] == pytest.approx(cos, abs=1e-5)
    # the note when every offered class is far from the motion (None when one is near)
    from motionclip.apps.classify import far_note

    assert body["note"] == far_note(motionclip.classify(model, str(path), classes, top_k=3)) == r.json()["note"]


def test_the_web_never_reads_server_files(model, client, tmp_path: Path) -> None:  # noqa: ANN001
    """A text that names an existing motion file is still a text on the web (never the file);
    the CLI, on the user's own machine, reads the file."""
    from synthetic import make_motion

    from motionclip.apps.inputs import resolve
    from motionclip.data.bvh import write_bvh

    path = write_bvh(make_motion("walk", frames=30), tmp_path / "secret.bvh")
    assert resolve(model, str(path)).kind == "motion"
    got = web(client, "/api/interpolate", {"a": str(path), "b": "a person walks", "steps": 2, "frames": 10})
    same(np.asarray(got["motions"][0]["positions"]), positions(model.generate(str(path), 10)))
    r = client.post("/api/edit", json={"text": str(path), "add": "proud", "frames": 10})
    assert r.status_code == 200, r.text
