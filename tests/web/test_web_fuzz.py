"""Fuzzing the API in-process: schemathesis against /openapi.json (no 5xx, responses match the
schema), and hypothesis-made hostile bodies and uploads (always 4xx JSON, never 500)."""

from __future__ import annotations

import io
import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(
    max_examples=12, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_app(web_model):  # noqa: ANN001, ANN201
    from motionclip.web import create_app

    return create_app(web_model, warm_up=False)  # default limits: the ones /openapi.json documents


def _conforms(cases, checks: list) -> None:  # noqa: ANN001
    @settings(FUZZ, max_examples=8)
    @given(case=cases)
    def run(case) -> None:  # noqa: ANN001
        case.call_and_validate(checks=checks)

    run()


BVH_UPLOADS = ("/api/classify", "/api/download/bvh-on-rig")  # a file the schema cannot describe


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_openapi_conformance(fuzz_app, mode: str) -> None:  # noqa: ANN001
    """Every operation of /openapi.json (the MP4 download aside: one video render per example is
    too slow here), with valid and with schema-violating requests: no 5xx, status codes, headers
    and bodies as documented; what the schema forbids is refused (negative data rejection: a
    boolean is not a number, a length is that of the text sent) and what it allows is served
    (positive data acceptance: e.g. U+0085 alone is whitespace to the schema too). Classify and
    the download on a rig are spared the latter: their upload must be a BVH file, which no schema
    can say (a 400 names why).
    (schemathesis's pytest plugin does not run under pytest 9, hence the explicit loop over
    operations.)"""
    from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        negative_data_rejection,
        positive_data_acceptance,
        response_headers_conformance,
    )

    api = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    checked = []
    for result in api.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/download/mp4" or (mode == "negative" and operation.path == "/api/health"):
            continue  # health takes no input: nothing to violate
        checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
        checks.append(response_headers_conformance)
        if mode == "negative":
            checks.append(negative_data_rejection)
        elif operation.path not in BVH_UPLOADS:
            checks.append(positive_data_acceptance)

        _conforms(operation.as_strategy(generation_mode=GenerationMode(mode)), checks)
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert {
        "POST /api/generate",
        "POST /api/interpolate",
        "POST /api/edit",
        "POST /api/compose",
        "POST /api/classify",
        "POST /api/download/bvh-on-rig",
        "GET /api/download/bvh",
    } <= set(checked)


# -- hand-made hostile requests -------------------------------------------------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
_texts = st.text(alphabet=st.characters(codec=None, categories=None), max_size=400)  # surrogates included
_body = st.fixed_dictionaries(
    {},
    optional={
        "text": _texts | _json_values, "frames": _json_values, "seed": _json_values, "a": _texts, "b": _texts,
        "steps": _json_values, "add": _texts, "sub": _texts | st.none(), "scale": _json_values,
    },
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    with TestClient(fuzz_app, raise_server_exceptions=False) as c:
        yield c


def _assert_client_error(r) -> None:  # noqa: ANN001
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert isinstance(r.json()["detail"], (str, list))


@FUZZ
@given(path=st.sampled_from(["/api/generate", "/api/interpolate", "/api/edit"]), body=_body)
def test_hostile_json_bodies(fuzz_client, path: str, body: dict) -> None:  # noqa: ANN001
    raw = json.dumps(body, allow_nan=True, ensure_ascii=True)  # NaN/Infinity and lone surrogates as JSON allows
    _assert_client_error(fuzz_client.post(path, content=raw, headers={"content-type": "application/json"}))


@FUZZ
@given(raw=st.binary(max_size=300), ctype=st.sampled_from(["application/json", "text/plain", "multipart/form-data"]))
def test_garbage_bodies(fuzz_client, raw: bytes, ctype: str) -> None:  # noqa: ANN001
    _assert_client_error(fuzz_client.post("/api/generate", content=raw, headers={"content-type": ctype}))
    _assert_client_error(fuzz_client.post("/api/classify", content=raw, headers={"content-type": ctype}))


@FUZZ
@given(
    upload=st.binary(max_size=2000) | st.builds(lambda s: s.encode("utf-8", "surrogatepass"), st.text(max_size=500)),
    gz=st.booleans(),
    classes=st.text(max_size=80),
    top_k=st.one_of(st.integers(-5, 100).map(str), st.text(max_size=5)),
)
def test_hostile_uploads(fuzz_client, walk_bvh, upload: bytes, gz: bool, classes: str, top_k: str) -> None:  # noqa: ANN001
    import gzip

    data = b"HIERARCHY\n" + upload if upload[:1] != b"H" else upload
    if gz:
        data = gzip.compress(data)[: max(10, len(data) // 2)]  # truncated gzip
    r = fuzz_client.post(
        "/api/classify",
        files={"file": ("x.bvh", io.BytesIO(data), "application/octet-stream")},
        data={"classes": classes.encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "top_k": top_k},
    )
    _assert_client_error(r)


def test_schemathesis_coverage_phase(live_server: str, tmp_path) -> None:  # noqa: ANN001
    """schemathesis's own runner, coverage phase (boundary values and type mutations: `false` for a
    number, one character over a maxLength, ...) with all its checks, against a live server: no
    failure. The BVH uploads are spared positive data acceptance, as above."""
    import subprocess
    import sys

    config = tmp_path / "schemathesis.toml"
    spare = "".join(
        f'[[operations]]\ninclude-path = "{path}"\nchecks.positive_data_acceptance.enabled = false\n'
        for path in BVH_UPLOADS
    )
    config.write_text(spare)
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run"]
    cmd += [f"{live_server}/openapi.json", "--phases", "coverage", "--exclude-path", "/api/download/mp4"]
    cmd += ["--workers", "1", "--seed", "1"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    tail = run.stdout[-4000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert "passed" in run.stdout and "failed" not in run.stdout.split("Test cases:")[-1], tail
