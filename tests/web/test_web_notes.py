"""The web answers generate and classify as the CLI and the Python API do (issues 21 and 23):
far-from-training notes and compositions, on the shipped checkpoint (skipped without it)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from motionclip.model.checkpoint import shipped_checkpoint

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "bandai-namco"
FRAMES = 60  # 2 s at the shipped model's 30 fps


@pytest.fixture(scope="module")
def shipped() -> Any:
    if not shipped_checkpoint().exists():
        pytest.skip("no shipped checkpoint")
    import motionclip

    return motionclip.load()


@pytest.fixture(scope="module")
def shipped_client(shipped: Any) -> Any:
    from fastapi.testclient import TestClient

    from motionclip.web import create_app

    with TestClient(create_app(shipped)) as c:
        yield c


def _generate(client: Any, text: str) -> dict:
    r = client.post("/api/generate", json={"text": text, "frames": FRAMES})
    assert r.status_code == 200, r.text
    return r.json()


def _root_travel(body: dict) -> float:
    """Metres the root moves on the ground, start to end (as ``apps.compose.root_travel``)."""
    root = np.asarray(body["positions"])[:, body["parents"].index(-1)]
    return float(np.linalg.norm(root[-1, [0, 2]] - root[0, [0, 2]]))


def test_a_far_prompt_gets_the_note_a_near_one_none(shipped: Any, shipped_client: Any) -> None:
    from motionclip.apps.generate import generate_with_closeness

    sit, walk = _generate(shipped_client, "a person sits down on a chair"), _generate(shipped_client, "a person walks")
    ref = generate_with_closeness(shipped, ["a person sits down on a chair", "a person walks"], FRAMES)
    assert sit["note"] == ref.closeness[0].note
    assert sit["note"].startswith(
        "note: 'a person sits down on a chair' is far from every training description; nearest: '"
    )
    assert walk["note"] is None and ref.closeness[1].note is None
    assert sit["composed"] is None and walk["composed"] is None


def test_a_composed_prompt_walks_and_waves(shipped: Any, shipped_client: Any, tmp_path: Path) -> None:
    from motionclip.apps.compose import LOCOMOTION_SPEED, root_travel
    from motionclip.apps.generate import generate_with_closeness
    from motionclip.data.bvh import read_bvh

    text = "a person walks while waving the right hand"
    body = _generate(shipped_client, text)
    ref = generate_with_closeness(shipped, [text], FRAMES)
    assert ref.compositions[0] is not None
    assert body["composed"] == ref.composed[0]
    assert body["composed"].startswith("composed: lower body + root from 'a person walks', upper body from ")
    assert body["note"] is None and not ref.notes
    np.testing.assert_allclose(np.asarray(body["positions"]), ref.motions[0].positions().numpy(), atol=2e-4)
    # the walk still walks (its root travels) and the right hand is the wave's
    travel = _root_travel(body)
    assert travel >= LOCOMOTION_SPEED * FRAMES / body["fps"] and travel == pytest.approx(
        root_travel(ref.motions[0]), abs=1e-3
    )
    walk = _generate(shipped_client, "a person walks")
    hand = body["joints"].index("Hand_R")
    raised = np.asarray(body["positions"])[:, hand, 1].max() - np.asarray(walk["positions"])[:, hand, 1].max()
    assert raised > 0.1
    # the download is the same composed motion
    r = shipped_client.get("/api/download/bvh", params={"text": text, "frames": FRAMES})
    assert r.status_code == 200
    (tmp_path / "composed.bvh").write_bytes(r.content)
    got = read_bvh(tmp_path / "composed.bvh").positions().numpy()
    np.testing.assert_allclose(got, ref.motions[0].positions().numpy(), atol=2e-3)


def test_classify_note_on_a_real_take(shipped: Any, shipped_client: Any) -> None:
    from motionclip.apps.classify import classify, far_note

    files = sorted(SHARED.glob("*/data/dataset-2_walk_normal_*.bvh*"))
    if not files:
        pytest.skip("the shared Bandai Namco data is not here")
    take = files[0]
    for classes, far in (("walk, run, wave-left-hand", False), ("sit down, swim, eat soup", True)):
        r = shipped_client.post(
            "/api/classify",
            files={"file": (take.name, io.BytesIO(take.read_bytes()), "application/gzip")},
            data={"classes": classes, "top_k": "3"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["note"] == far_note(classify(shipped, str(take), classes, top_k=3))
        if far:
            assert body["note"].startswith("note: every offered class is far from the motion")
        else:  # a real walk offered its own class
            assert body["note"] is None and body["top"][0]["label"] == "walk"
