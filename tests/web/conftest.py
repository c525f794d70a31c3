"""Fixtures for the web app: the tiny trained model, a TestClient, a live uvicorn server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import free_port

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


@pytest.fixture(scope="session")
def web_model(tiny_checkpoint: Path):  # noqa: ANN201
    from motionclip.generation import load_model

    return load_model(tiny_checkpoint)


@pytest.fixture(scope="session")
def web_app(web_model):  # noqa: ANN001, ANN201
    from motionclip.web import create_app

    return create_app(web_model)


@pytest.fixture(scope="session")
def client(web_app):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    with TestClient(web_app) as c:
        yield c


@pytest.fixture(scope="session")
def walk_bvh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthetic import make_motion

    from motionclip.data.bvh import write_bvh

    return write_bvh(make_motion("walk", frames=60), tmp_path_factory.mktemp("bvh") / "walk.bvh")


@pytest.fixture(scope="session")
def live_server(web_app) -> Iterator[str]:  # noqa: ANN001
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
