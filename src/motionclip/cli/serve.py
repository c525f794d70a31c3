"""``motionclip serve``; FastAPI/uvicorn are imported only when it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from motionclip.cli.common import BackendModelOpt, CheckpointOpt


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (127.0.0.1 = this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    checkpoint: CheckpointOpt = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    backend_model: BackendModelOpt = None,
) -> None:
    """Web page to type text and watch the motion in 3D (plus a JSON API, docs at /docs)."""
    import uvicorn

    from motionclip.web.app import create_app
    from motionclip.web.limits import DEFAULT_LIMITS
    from motionclip.web.protocol import header_deadline_protocol

    app = create_app(checkpoint, backend_model=backend_model)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    typer.echo(f"MotionCLIP web: http://{shown}:{port}/  (API docs: /docs; Ctrl+C to stop)", err=True)
    http = header_deadline_protocol(DEFAULT_LIMITS.header_timeout_s)  # slow headers cannot hold a connection
    uvicorn.run(app, host=host, port=port, log_level=log_level, http=http)
