"""Web helpers, the CLI command and concurrency of the service."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from motionclip.errors import MotionCLIPError
from motionclip.web.service import parse_classes, safe_filename


def test_safe_filename() -> None:
    assert safe_filename("a person walks", ".bvh") == "a_person_walks.bvh"
    assert safe_filename("../../etc/passwd", ".mp4") == "etc_passwd.mp4"
    assert safe_filename("   ", ".bvh") == "motion.bvh"
    assert safe_filename('quote"; rm -rf', ".bvh") == "quote_rm_-rf.bvh"
    assert len(safe_filename("x" * 500, ".bvh")) <= 64


def test_parse_classes() -> None:
    assert parse_classes(" walk, run ,\njump ") == ["walk", "run", "jump"]
    with pytest.raises(MotionCLIPError, match="duplicate"):  # the same rule as the CLI's
        parse_classes("walk, run, walk")
    with pytest.raises(MotionCLIPError):
        parse_classes(" , ")
    with pytest.raises(MotionCLIPError):
        parse_classes("x" * 400)


def test_web_cli_import_is_light() -> None:
    code = (
        "import sys, motionclip.cli, motionclip.web; "
        "print(*(m in sys.modules for m in ('fastapi', 'uvicorn', 'pytorch_lightning', 'transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False", "False"]


def test_serve_command_registered() -> None:
    from typer.testing import CliRunner

    from motionclip.cli import app

    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0
    for opt in ("--host", "--port", "--checkpoint"):
        assert opt in r.output


def test_serve_missing_checkpoint_is_a_clear_error(tmp_path) -> None:  # noqa: ANN001
    from motionclip.cli.serve import serve

    with pytest.raises(MotionCLIPError, match="not found"):
        serve(checkpoint=tmp_path / "nope.safetensors", port=1)


def test_service_lock_serialises_model_calls(web_app) -> None:  # noqa: ANN001
    service = web_app.state.service
    active, peak = 0, 0
    guard = threading.Lock()
    real = service.model.decode

    def counting_decode(z, frames=None):  # noqa: ANN001, ANN202
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        try:
            return real(z, frames)
        finally:
            with guard:
                active -= 1

    service.model.decode = counting_decode
    try:
        results: list = [None] * 8
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, service.generate("a person walks", 12)))
            for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        del service.model.decode
    assert peak == 1
    ref = results[0].positions().numpy()
    for m in results[1:]:
        np.testing.assert_allclose(m.positions().numpy(), ref, atol=1e-5)


def test_concurrent_generate_is_batched_and_correct(web_app, web_model) -> None:  # noqa: ANN001
    """Requests that wait for the model are decoded together; each still gets its own motion."""
    service = web_app.state.service
    texts = [f"a person walks take {i}" for i in range(6)] + ["a person jumps"] * 3  # no connector: nothing to compose
    frames = [20 if i % 2 else 30 for i in range(len(texts))]
    calls: list[int] = []
    real = service.model.decode

    def recording_decode(z, n=None):  # noqa: ANN001, ANN202
        calls.append(len(z))
        return real(z, n)

    results: list = [None] * len(texts)
    service._lock.acquire()  # hold the model so every request queues up
    service.model.decode = recording_decode
    try:
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, service.generate(texts[i], frames[i])))
            for i in range(len(texts))
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(service._pending) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.01)
        service._lock.release()
        for t in threads:
            t.join()
    finally:
        del service.model.decode
    assert sorted(calls) == [4, 4]  # one decode per frame count, duplicate prompts decoded once
    for text, n, motion in zip(texts, frames, results, strict=True):
        assert len(motion) == n
        ref = web_model.generate(text, n).positions().numpy()
        np.testing.assert_allclose(motion.positions().numpy(), ref, atol=1e-4)


def _generate_in_threads(service, texts: list[str], frames: list[int]) -> list:  # noqa: ANN001
    """``service.generate_with_closeness`` of every text at once: the model is held until all of
    them wait, so that they run as one batch."""
    results: list = [None] * len(texts)
    threads = [
        threading.Thread(
            target=lambda i=i: results.__setitem__(i, service.generate_with_closeness(texts[i], frames[i]))
        )
        for i in range(len(texts))
    ]
    with service._lock:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(service._pending) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.01)
    for t in threads:
        t.join()
    return results


def test_batched_generate_is_the_applications(web_app, web_model) -> None:  # noqa: ANN001
    """A batch holding prompts that join two actions answers each request as the application
    layer does alone: the motion (composed or whole), the far-from-training note, the composed line."""
    from motionclip.apps.generate import generate_with_closeness

    service = web_app.state.service
    texts = [
        "a person walks while waving the right hand",
        "a person walks",
        "a person sits down on a chair",
        "a person runs with both hands raised",
    ]
    calls: list[int] = []
    real = service.model.decode

    def recording_decode(z, n=None):  # noqa: ANN001, ANN202
        calls.append(len(z))
        return real(z, n)

    service.model.decode = recording_decode
    try:
        results = _generate_in_threads(service, texts, [20] * len(texts))
    finally:
        del service.model.decode
    assert sorted(calls) == [2, 2, 4]  # every prompt in one decode, and the two parts of each joined one
    for text, got in zip(texts, results, strict=True):
        ref = generate_with_closeness(web_model, [text], 20)
        np.testing.assert_allclose(got.motion.positions().numpy(), ref.motions[0].positions().numpy(), atol=1e-4)
        assert got.note == ref.closeness[0].note
        assert got.composed == (ref.composed[0] if ref.compositions[0] is not None else None)


def test_a_failed_batch_runs_each_prompt_alone(web_app, web_model) -> None:  # noqa: ANN001
    service = web_app.state.service
    texts = ["a person walks", "a person jumps", "a person kicks"]
    real = service.model.decode

    def failing_batch_decode(z, n=None):  # noqa: ANN001, ANN202
        if len(z) > 1:
            raise MotionCLIPError("this batch fails")
        return real(z, n)

    service.model.decode = failing_batch_decode
    try:
        results = _generate_in_threads(service, texts, [12] * len(texts))
    finally:
        del service.model.decode
    for text, got in zip(texts, results, strict=True):
        np.testing.assert_allclose(got.motion.positions().numpy(), web_model.generate(text, 12).positions().numpy())


def test_event_loop_stays_responsive(live_server: str, web_app) -> None:  # noqa: ANN001
    """A slow model call runs in the threadpool: /api/health answers meanwhile."""
    service = web_app.state.service
    real = service.generate_with_closeness

    def slow_generate(text, frames, seed=0):  # noqa: ANN001, ANN202
        time.sleep(1.5)
        return real(text, frames, seed)

    service.generate_with_closeness = slow_generate
    try:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            worker = threading.Thread(target=lambda: http.post("/api/generate", json={"text": "walk", "frames": 5}))
            worker.start()
            time.sleep(0.2)
            start = time.perf_counter()
            assert http.get("/api/health").status_code == 200
            elapsed = time.perf_counter() - start
            worker.join()
    finally:
        del service.generate_with_closeness
    assert elapsed < 1.0


def test_live_server_generate(live_server: str) -> None:
    r = httpx.post(f"{live_server}/api/generate", json={"text": "a person walks", "frames": 10}, timeout=30)
    assert r.status_code == 200
    assert len(r.json()["positions"]) == 10


def test_batches_larger_than_max_batch(web_app) -> None:  # noqa: ANN001
    service = web_app.state.service
    service.max_batch = 2
    results: list = [None] * 5
    service._lock.acquire()
    try:
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, service.generate(f"walk {i}", 5 + i)))
            for i in range(5)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(service._pending) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        service._lock.release()
        for t in threads:
            t.join()
    finally:
        service.max_batch = 64
    assert [len(m) for m in results] == [5, 6, 7, 8, 9]
