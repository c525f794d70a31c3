"""JSON API of the web app, on the tiny trained model."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch

from motionclip.data.bvh import read_bvh
from motionclip.web.limits import DEFAULT_LIMITS


def _positions(body: dict) -> np.ndarray:
    return np.asarray(body["positions"], dtype=np.float64)


def test_health(client, web_model) -> None:  # noqa: ANN001
    r = client.get("/api/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok"
    assert h["joints"] == web_model.skeleton.num_joints
    assert h["latent_dim"] == web_model.latent_dim
    assert h["max_frames"] == DEFAULT_LIMITS.max_frames


def test_generate_shapes_and_metadata(client, web_model) -> None:  # noqa: ANN001
    r = client.post("/api/generate", json={"text": "  a person walks forward  ", "frames": 45})
    assert r.status_code == 200, r.text
    body = r.json()
    pos = _positions(body)
    j = web_model.skeleton.num_joints
    assert pos.shape == (45, j, 3)
    assert np.isfinite(pos).all()
    assert body["frames"] == 45
    assert body["text"] == "a person walks forward"
    assert body["fps"] == web_model.fps
    assert body["parents"] == list(web_model.skeleton.parents)
    assert body["joints"] == list(web_model.skeleton.names)
    man = body["mannequin"]
    assert man["bones"] and all(0 <= b["a"] < j and 0 <= b["b"] < j for b in man["bones"])
    assert man["head"] is not None and man["head"]["joint"] == body["joints"].index("Head")


def test_generate_matches_library_and_is_deterministic(client, web_model) -> None:  # noqa: ANN001
    from motionclip.apps.generate import generate

    text = "a person waves with the left hand"  # joined by "with": composed when its parts are one
    a = _positions(client.post("/api/generate", json={"text": text, "frames": 30}).json())
    b = _positions(client.post("/api/generate", json={"text": text, "frames": 30}).json())
    ref = generate(web_model, [text], 30)[0].positions().numpy()  # what `motionclip generate` makes
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, ref, atol=1e-4)


@pytest.mark.parametrize(
    "text",
    [
        "a person walks",
        "a person sits down on a chair",
        "a person walks while waving the right hand",
        "a person runs with both hands raised",
    ],
)
def test_generate_says_what_the_applications_say(client, web_model, text: str) -> None:  # noqa: ANN001
    """The note (far from every training description) and the composed line of
    ``apps.generate.generate_with_closeness``, as the CLI prints them, or null."""
    from motionclip.apps.generate import generate_with_closeness

    body = client.post("/api/generate", json={"text": text, "frames": 20, "seed": 2}).json()
    ref = generate_with_closeness(web_model, [text], 20, seed=2)
    assert body["note"] == ref.closeness[0].note
    assert body["composed"] == (None if ref.compositions[0] is None else ref.compositions[0].line())
    np.testing.assert_allclose(_positions(body), ref.motions[0].positions().numpy(), atol=2e-4)


def test_default_frames(client) -> None:  # noqa: ANN001
    body = client.post("/api/generate", json={"text": "a person jumps"}).json()
    assert body["frames"] == DEFAULT_LIMITS.default_frames


@pytest.mark.parametrize("frames", [0, -3, DEFAULT_LIMITS.max_frames + 1, 10_000])
def test_frames_cap(client, frames: int) -> None:  # noqa: ANN001
    r = client.post("/api/generate", json={"text": "a person walks", "frames": frames})
    assert r.status_code == 422
    assert "frames" in str(r.json()["detail"])


def test_frames_at_cap_ok(client) -> None:  # noqa: ANN001
    r = client.post("/api/generate", json={"text": "a person walks", "frames": DEFAULT_LIMITS.max_frames})
    assert r.status_code == 200
    assert len(r.json()["positions"]) == DEFAULT_LIMITS.max_frames


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_rejected(client, text: str) -> None:  # noqa: ANN001
    r = client.post("/api/generate", json={"text": text})
    assert r.status_code == 422
    assert "text" in str(r.json()["detail"])


def test_too_long_text_rejected(client) -> None:  # noqa: ANN001
    r = client.post("/api/generate", json={"text": "a" * (DEFAULT_LIMITS.max_text_chars + 1)})
    assert r.status_code == 422
    assert "300" in str(r.json()["detail"])


def test_bad_json_rejected(client) -> None:  # noqa: ANN001
    r = client.post("/api/generate", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/api/generate", json={"frames": 10})
    assert r.status_code == 422


def test_interpolate(client, web_model) -> None:  # noqa: ANN001
    r = client.post("/api/interpolate", json={"a": "a person walks", "b": "a person jumps", "steps": 4, "frames": 20})
    assert r.status_code == 200, r.text
    body = r.json()
    motions = body["motions"]
    assert [m["alpha"] for m in motions] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    for m in motions:
        assert _positions(m).shape == (20, web_model.skeleton.num_joints, 3)
    ends = [web_model.generate(t, 20).positions().numpy() for t in ("a person walks", "a person jumps")]
    np.testing.assert_allclose(_positions(motions[0]), ends[0], atol=1e-4)
    np.testing.assert_allclose(_positions(motions[-1]), ends[1], atol=1e-4)
    assert not np.allclose(_positions(motions[1]), _positions(motions[2]))


@pytest.mark.parametrize("steps", [1, DEFAULT_LIMITS.max_steps + 1])
def test_interpolate_steps_cap(client, steps: int) -> None:  # noqa: ANN001
    r = client.post("/api/interpolate", json={"a": "walk", "b": "run", "steps": steps})
    assert r.status_code == 422


def _decode(model, z: torch.Tensor, frames: int) -> np.ndarray:  # noqa: ANN001
    return model.decode(z[None], frames)[0].positions().numpy()


def test_edit_with_and_without_sub(client, web_model) -> None:  # noqa: ANN001
    from motionclip.data.labels import style_prompt

    add, sub = "a person walks sadly", "a person walks happily"
    e = web_model.text_latent(["a person walks", add, sub, style_prompt("proud"), style_prompt("normal")]).float()
    e[0] = web_model.generation_latents(["a person walks"])[0]  # the base decodes as generate does
    r = client.post("/api/edit", json={"text": "a person walks", "add": add, "sub": sub, "scale": 0.5, "frames": 20})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(_positions(r.json()), _decode(web_model, e[0] + 0.5 * (e[1] - e[2]), 20), atol=1e-4)
    # a single word is a style label and a missing sub is the neutral style, as on the CLI
    r = client.post("/api/edit", json={"text": "a person walks", "add": "proud", "scale": 0.5, "frames": 20})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(_positions(r.json()), _decode(web_model, e[0] + 0.5 * (e[3] - e[4]), 20), atol=1e-4)


def test_edit_scale_zero_is_generate(client, web_model) -> None:  # noqa: ANN001
    r = client.post("/api/edit", json={"text": "a person walks", "add": "x", "sub": "", "scale": 0.0, "frames": 10})
    assert r.status_code == 200
    np.testing.assert_allclose(
        _positions(r.json()), web_model.generate("a person walks", 10).positions().numpy(), atol=1e-4
    )


def test_edit_validation(client) -> None:  # noqa: ANN001
    assert client.post("/api/edit", json={"text": "walk", "add": "", "scale": 1}).status_code == 422
    assert client.post("/api/edit", json={"text": "walk", "add": "run", "scale": 1e6}).status_code == 422


def _classify(client, data: bytes, classes: str = "walk, wave, jump", name: str = "clip.bvh", **form):  # noqa: ANN001, ANN003, ANN202
    return client.post(
        "/api/classify", files={"file": (name, io.BytesIO(data), "text/plain")}, data={"classes": classes, **form}
    )


def test_classify_upload(client, walk_bvh: Path) -> None:  # noqa: ANN001
    r = _classify(client, walk_bvh.read_bytes(), "walk, wave, jump, sit down", top_k="3")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["file"] == "clip.bvh"
    assert body["frames"] == 60
    top = body["top"]
    assert len(top) == 3
    probs = [t["probability"] for t in top]
    assert probs == sorted(probs, reverse=True)
    assert all(0 <= p <= 1 for p in probs) and sum(probs) <= 1 + 1e-6
    assert {t["label"] for t in top} <= {"walk", "wave", "jump", "sit down"}
    assert all(-1 <= t["cosine"] <= 1 for t in top)
    assert "note" in body


def test_classify_note_is_the_applications(client, web_model, walk_bvh: Path) -> None:  # noqa: ANN001
    """``note``: ``apps.classify.far_note`` of the predictions (every offered class far from the motion)."""
    from motionclip.apps.classify import FAR_CLASS_COSINE, classify, far_note

    for classes in ("walk, wave, jump", "a person swims, a person eats soup"):
        body = _classify(client, walk_bvh.read_bytes(), classes, top_k="2").json()
        assert body["note"] == far_note(classify(web_model, str(walk_bvh), classes, top_k=2))
        best = max(t["cosine"] for t in body["top"])
        assert (body["note"] is None) == (best >= FAR_CLASS_COSINE)
        if body["note"] is not None:
            assert body["note"].startswith("note: every offered class is far from the motion")


def test_classify_probabilities_are_clip_softmax(client, web_model, walk_bvh: Path) -> None:  # noqa: ANN001
    from motionclip.apps.classify import class_text
    from motionclip.apps.inputs import motion_latent

    classes = ["walk", "wave", "jump"]
    z = torch.nn.functional.normalize(motion_latent(web_model, read_bvh(walk_bvh))[None], dim=-1)
    for raw in (False, True):  # class words become prompts ("a person walks") unless raw
        body = _classify(client, walk_bvh.read_bytes(), ", ".join(classes), top_k="3", raw=str(raw).lower()).json()
        prompts = [class_text(c, raw) for c in classes]
        t = torch.nn.functional.normalize(web_model.encode_text(prompts).float(), dim=-1)
        ref = torch.softmax(100 * (z @ t.T)[0], 0)
        got = {c["label"]: (c["probability"], c["prompt"]) for c in body["top"]}
        for i, name in enumerate(classes):
            assert got[name][0] == pytest.approx(float(ref[i]), abs=1e-4)
            assert got[name][1] == prompts[i]


def test_classify_gzip_upload(client, walk_bvh: Path) -> None:  # noqa: ANN001
    import gzip

    r = _classify(client, gzip.compress(walk_bvh.read_bytes()), name="clip.bvh.gz")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"this is not a bvh file", "HIERARCHY"),
        (b"HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n", "MOTION"),
    ],
)
def test_classify_malformed_bvh(client, data: bytes, needle: str) -> None:  # noqa: ANN001
    r = _classify(client, data, name="bad.bvh")
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert needle in detail and "bad.bvh" in detail
    assert "/tmp" not in detail and "motionclip-upload" not in detail  # no server paths leak


def test_classify_truncated_motion(client, walk_bvh: Path) -> None:  # noqa: ANN001
    text = walk_bvh.read_text()
    r = _classify(client, text[: int(len(text) * 0.7)].encode())
    assert r.status_code == 400
    assert "truncated" in r.json()["detail"] or "values" in r.json()["detail"]


def test_classify_wrong_skeleton(client) -> None:  # noqa: ANN001
    bvh = (
        "HIERARCHY\nROOT Root\n{\n OFFSET 0 0 0\n"
        " CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
        " JOINT Child\n {\n  OFFSET 0 10 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n"
        "  End Site\n  {\n   OFFSET 0 10 0\n  }\n }\n}\nMOTION\nFrames: 2\nFrame Time: 0.0333333\n"
        "0 90 0 0 0 0 0 0 0\n0 90 0 0 0 0 0 0 0\n"
    )
    r = _classify(client, bvh.encode())
    assert r.status_code == 400
    assert "skeleton" in r.json()["detail"]


def test_classify_needs_classes(client, walk_bvh: Path) -> None:  # noqa: ANN001
    r = _classify(client, walk_bvh.read_bytes(), classes=" , ,")
    assert r.status_code == 422  # the documented pattern wants a class name
    assert "class" in r.json()["detail"][0]["msg"]
    r = _classify(client, walk_bvh.read_bytes(), classes="walk, walk")
    assert r.status_code == 400
    assert "duplicate" in r.json()["detail"]
    many = ",".join(f"c{i}" for i in range(DEFAULT_LIMITS.max_classes + 1))
    assert _classify(client, walk_bvh.read_bytes(), classes=many).status_code == 400
    assert client.post("/api/classify", data={"classes": "walk"}).status_code == 422  # no file


def test_oversize_upload_413(client) -> None:  # noqa: ANN001
    big = b"HIERARCHY\n" + b"0" * (DEFAULT_LIMITS.max_body_bytes + 10)
    r = _classify(client, big)
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]


def test_upload_just_over_file_cap_413(client) -> None:  # noqa: ANN001
    # Fits the whole-body cap (multipart framing slack) but not the 2 MiB file cap.
    data = b"0" * (DEFAULT_LIMITS.max_upload_bytes + 100)
    r = _classify(client, data)
    assert r.status_code == 413
    assert "KiB" in r.json()["detail"]


def test_chunked_oversize_body_413(client) -> None:  # noqa: ANN001
    def chunks():  # noqa: ANN202
        for _ in range(40):
            yield b"x" * 65536

    r = client.post("/api/generate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_download_bvh(client, web_model, tmp_path: Path) -> None:  # noqa: ANN001
    r = client.get("/api/download/bvh", params={"text": "a person walks / ../etc", "frames": 25})
    assert r.status_code == 200
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and ".bvh" in cd and "/" not in cd.split("filename=")[1]
    path = tmp_path / "dl.bvh"
    path.write_bytes(r.content)
    motion = read_bvh(path)
    assert len(motion) == 25
    assert motion.skeleton.names == web_model.skeleton.names
    ref = web_model.generate("a person walks / ../etc", 25).positions().numpy()
    np.testing.assert_allclose(motion.positions().numpy(), ref, atol=2e-3)


def test_download_mp4(client) -> None:  # noqa: ANN001
    r = client.get("/api/download/mp4", params={"text": "a person waves", "frames": 8})
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"
    assert r.content[4:8] == b"ftyp"
    assert len(r.content) > 1000


def test_download_validation(client) -> None:  # noqa: ANN001
    assert client.get("/api/download/bvh", params={"text": "   "}).status_code == 422
    assert client.get("/api/download/bvh").status_code == 422
    assert client.get("/api/download/mp4", params={"text": "walk", "frames": 0}).status_code == 422
    assert client.get("/api/download/bvh", params={"text": "w" * 301}).status_code == 422


def test_openapi_and_docs(client) -> None:  # noqa: ANN001
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/generate",
        "/api/interpolate",
        "/api/edit",
        "/api/classify",
        "/api/health",
        "/api/download/bvh",
        "/api/download/mp4",
    ):
        assert path in spec["paths"]
    assert "/" not in spec["paths"]
    schemas = spec["components"]["schemas"]
    ok = spec["paths"]["/api/generate"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    generated = schemas[ok["$ref"].rsplit("/", 1)[-1]]
    for field, what in (("note", "far from every training description"), ("composed", "part by part")):
        prop = generated["properties"][field]
        assert field in generated["required"] and {"type": "null"} in prop["anyOf"], prop
        assert what in prop["description"]
    assert set(schemas["MotionOut"]["properties"]) < set(generated["properties"])  # every field kept
    note = schemas["ClassifyOut"]["properties"]["note"]
    assert {"type": "null"} in note["anyOf"] and "far from the motion" in note["description"]
    assert "note" in schemas["ClassifyOut"]["required"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "https://" not in docs.text and "http://" not in docs.text  # no CDN: works offline
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/static/vendor/swagger-ui/{asset}" in docs.text
        assert client.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200


def test_generate_seed_and_long_motions(client, web_model) -> None:  # noqa: ANN001
    r0 = client.post("/api/generate", json={"text": "a person walks", "frames": 20, "seed": 0})
    r3 = client.post("/api/generate", json={"text": "a person walks", "frames": 20, "seed": 3})
    again = client.post("/api/generate", json={"text": "a person walks", "frames": 20, "seed": 3})
    assert r0.status_code == r3.status_code == 200, r3.text
    np.testing.assert_allclose(_positions(r3.json()), _positions(again.json()))
    expected = web_model.generate("a person walks", 20, seed=3).positions().numpy()
    np.testing.assert_allclose(_positions(r3.json()), expected, atol=1e-4)  # the same path as the CLI/API
    assert client.post("/api/generate", json={"text": "a person walks", "seed": -1}).status_code == 422
    long = client.post("/api/generate", json={"text": "a person walks", "frames": 4 * web_model.window})
    assert long.status_code == 200 and _positions(long.json()).shape[0] == 4 * web_model.window


@pytest.mark.parametrize(
    "raw",
    [
        '{"text": "a person walks", "frames": NaN}',
        '{"text": "walk", "frames": Infinity}',
        '{"text": "a", "add": "b", "scale": 1e400}',
        '{"text": "a", "add": "b", "scale": NaN}',
    ],
)
def test_non_finite_numbers_are_a_422_not_a_500(client, raw: str) -> None:  # noqa: ANN001
    url = "/api/edit" if "add" in raw else "/api/generate"
    r = client.post(url, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] and all("loc" in e for e in r.json()["detail"])


def test_lone_surrogate_is_a_400_not_a_500(client) -> None:  # noqa: ANN001
    r = client.post(
        "/api/generate", content='{"text": "a person \\ud800 walks"}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
