"""POST /api/download/bvh-on-rig: generated motion written onto an uploaded character."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from rig_samples import CMU, canonical_walk, write_rig_file  # noqa: E402


@pytest.fixture(scope="module")
def cmu_rig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rig_file(CMU, canonical_walk(frames=30), tmp_path_factory.mktemp("rig") / "hero.bvh")


def _post(client, rig: tuple[str, bytes], **form: str):  # noqa: ANN001, ANN202
    files = {"rig": (rig[0], io.BytesIO(rig[1]), "application/octet-stream")}
    return client.post("/api/download/bvh-on-rig", files=files, data={"text": "a person walks", **form})


def test_health_says_the_model_writes_onto_rigs(client) -> None:  # noqa: ANN001
    assert client.get("/api/health").json()["rig_export"] is True  # the tiny model is canonical-body


def test_generated_motion_comes_back_on_the_uploaded_rig(client, cmu_rig: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from motionclip.data.bvh import read_bvh

    r = _post(client, (cmu_rig.name, cmu_rig.read_bytes()), frames="24", seed="2")
    assert r.status_code == 200, r.text
    assert 'filename="a_person_walks_on_hero.bvh"' in r.headers["content-disposition"]
    out = tmp_path / "out.bvh"
    out.write_bytes(r.content)
    motion, theirs = read_bvh(out), read_bvh(cmu_rig)
    assert motion.skeleton.names == theirs.skeleton.names and len(motion) == 24
    assert 15 < float(motion.positions()[..., 1].max()) * 100 < 40  # CMU units (a body ~25 units tall)
    again = _post(client, (cmu_rig.name, cmu_rig.read_bytes()), frames="24", seed="2")
    assert again.content == r.content  # the same seed, the same file
    other = _post(client, (cmu_rig.name, cmu_rig.read_bytes()), frames="24", seed="3")
    assert other.status_code == 200 and other.content != r.content


def test_bad_rigs_and_fields_are_refused_with_one_line(client, cmu_rig: Path) -> None:  # noqa: ANN001
    r = _post(client, ("empty.bvh", b""))
    assert r.status_code == 422 and "empty" in r.text
    r = _post(client, ("notes.bvh", b"HIERARCHY\nROOT Hips {\n garbage"))
    assert r.status_code in (400, 422) and "notes.bvh" in r.json()["detail"]
    r = _post(client, (cmu_rig.name, cmu_rig.read_bytes()), frames="0")
    assert r.status_code == 422
    files = {"rig": (cmu_rig.name, io.BytesIO(cmu_rig.read_bytes()), "application/octet-stream")}
    r = client.post("/api/download/bvh-on-rig", files=files, data={"text": "   "})
    assert r.status_code == 422


def test_a_model_on_its_own_rig_refuses_before_generating(client, cmu_rig: Path, monkeypatch) -> None:  # noqa: ANN001
    service = client.app.state.service
    monkeypatch.setattr(type(service.model), "body", property(lambda self: "rig"))  # trained on its data's rig
    monkeypatch.setattr(service, "generate", lambda *a, **k: pytest.fail("generated before the check"))
    r = _post(client, (cmu_rig.name, cmu_rig.read_bytes()))
    assert r.status_code in (400, 422) and "canonical-body checkpoint" in r.json()["detail"]
    assert client.get("/api/health").json()["rig_export"] is False
