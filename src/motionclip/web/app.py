"""The FastAPI application: JSON API under /api, the three.js page at /, static files."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from motionclip.errors import MotionCLIPError
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.web import schemas
from motionclip.web.limits import DEFAULT_LIMITS, ServingLimits
from motionclip.web.middleware import AdmissionLimit, BodySizeLimit
from motionclip.web.service import MotionService, parse_classes, safe_filename

STATIC_DIR = Path(str(resources.files("motionclip.web") / "static"))
_INLINE_SCRIPT = re.compile(r"<script type=\"importmap\">(.*?)</script>", re.S)


def _load_model(model_or_checkpoint: MotionCLIP | str | Path | None, backend_model: str | None = None) -> MotionCLIP:
    if isinstance(model_or_checkpoint, MotionCLIP):
        return model_or_checkpoint
    from motionclip.generation import load_model

    return load_model(model_or_checkpoint, backend_model=backend_model)


def _page() -> tuple[str, str]:
    """index.html and a Content-Security-Policy allowing only same-origin code (+ its import map)."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.findall(html)
    ]
    csp = (
        f"default-src 'self'; script-src 'self' {' '.join(hashes)}; style-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return html, csp


def create_app(
    model_or_checkpoint: MotionCLIP | str | Path | None = None,
    limits: ServingLimits = DEFAULT_LIMITS,
    warm_up: bool = True,
    backend_model: str | None = None,
) -> FastAPI:
    """Build the app around one model (a loaded MotionCLIP, a checkpoint path, or None = shipped).

    The model is loaded here, once; ``warm_up`` also loads the text backend so the first
    request is as fast as the rest.  ``limits`` caps uploads, frames and steps in the service;
    the request schemas (and /docs) show the defaults of :mod:`motionclip.web.limits`.
    ``backend_model`` overrides where a checkpoint's text backend weights are.
    """
    service = MotionService(_load_model(model_or_checkpoint, backend_model), limits)
    if warm_up:
        service.warm_up()
    html, csp = _page()

    app = FastAPI(
        title="MotionCLIP",
        summary="Type text, get human motion; edit, interpolate and recognise motions.",
        version=_version(),
        docs_url=None,  # served below from vendored Swagger UI files: /docs works offline
        redoc_url=None,
        responses=schemas.ERROR_RESPONSES,
    )
    app.state.service = service
    # Added last, so outermost: a body is read (or refused) before admission, which then counts
    # each model request until its response is sent.
    app.add_middleware(
        AdmissionLimit, max_pending=limits.max_pending, retry_after_s=limits.retry_after_s, exempt=("/api/health",)
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=limits.max_body_bytes,
        timeout_s=limits.body_timeout_s,
        drain_bytes=limits.max_drain_bytes,
    )

    @app.exception_handler(MotionCLIPError)
    async def _user_error(_: Request, exc: MotionCLIPError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own 422 echoes the input, which cannot be JSON when it is NaN/Infinity
        # (HTTP 500); report where and what, without the value.
        errors = [
            {
                "loc": [str(x) for x in e.get("loc", ())],
                "msg": _message(e),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        vendor = "/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="MotionCLIP API",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/favicon-32x32.png",
        )

    @app.get("/api/health", response_model=schemas.Health, tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness plus the model's and server's limits."""
        return service.info()

    @app.post("/api/generate", response_model=schemas.GenerateOut, tags=["motion"])
    def generate(req: schemas.GenerateRequest) -> JSONResponse:
        """Text to motion, as `motionclip generate`: joint positions per frame (T, J, 3), metres, Y up.
        A prompt joining a locomotion and an upper-body action is decoded part by part and combined
        per body part (`composed`); a prompt far from every training description gets a `note`."""
        out = service.generate_with_closeness(req.text, req.frames, req.seed)
        return _json(service.motion_payload(out.motion, req.text, note=out.note, composed=out.composed))

    @app.post("/api/interpolate", response_model=schemas.InterpolateOut, tags=["motion"])
    def interpolate(req: schemas.InterpolateRequest) -> JSONResponse:
        """Motions along the straight line between two text latents (both ends included)."""
        items = service.interpolate(req.a, req.b, req.steps, req.frames)
        motions = [service.motion_payload(m, f"{req.a} -> {req.b} ({t:.2f})", alpha=t) for t, m in items]
        return _json({"a": req.a, "b": req.b, "motions": motions})

    @app.post("/api/edit", response_model=schemas.MotionOut, tags=["motion"])
    def edit(req: schemas.EditRequest) -> JSONResponse:
        """Style edit, as `motionclip edit --text`: z(text) + scale * (E(add) - E(sub)). A single word is a
        style label ('proud' -> 'a proud person moves'); without sub the neutral style is subtracted."""
        sub = req.sub or None
        motion = service.edit(req.text, req.add, sub, req.scale, req.frames)
        label = f"{req.text} + {req.scale:g}*({req.add} - {sub or 'normal'})"
        return _json(service.motion_payload(motion, label))

    @app.post("/api/compose", response_model=schemas.MotionOut, tags=["motion"])
    def compose(req: schemas.ComposeRequest) -> JSONResponse:
        """Body-part composition, as `motionclip edit --upper --lower`: the upper body of one
        action on the lower body of another, z(lower) + scale * (E(upper) - E(neutral))."""
        motion = service.compose(req.upper, req.lower, req.neutral, req.scale, req.frames)
        return _json(service.motion_payload(motion, f"upper: {req.upper} / lower: {req.lower}"))

    @app.post("/api/classify", response_model=schemas.ClassifyOut, tags=["recognition"])
    def classify(
        file: _Upload,
        classes: _Classes,
        top_k: _TopK = 5,
        raw: _Raw = False,
    ) -> JSONResponse:
        """Zero-shot action recognition, as `motionclip classify`: softmax over 100 x cosine(motion,
        class prompt); a class word becomes a sentence ('walk' -> 'a person walks') unless raw. A `note`
        says when every offered class is far from the motion."""
        data, name = _read_upload(file, "file", limits.max_upload_bytes)
        return _json(service.classify(data, name, parse_classes(classes, limits), top_k, raw))

    @app.get("/api/download/bvh", tags=["download"], response_class=Response)
    def download_bvh(text: _TextQuery, frames: _FramesQuery = limits.default_frames, seed: _SeedQuery = 0) -> Response:
        """The generated motion as a BVH file (same motion as /api/generate, compositions included)."""
        prompt = _prompt(text)
        body = service.bvh(service.generate(prompt, frames, seed))
        return _attachment(body.encode(), "text/plain; charset=utf-8", safe_filename(prompt, ".bvh"))

    @app.get("/api/download/mp4", tags=["download"], response_class=Response)
    def download_mp4(text: _TextQuery, frames: _FramesQuery = limits.default_frames, seed: _SeedQuery = 0) -> Response:
        """The generated motion rendered server-side as an H.264 MP4 (320x320, with caption)."""
        prompt = _prompt(text)
        body = service.mp4(service.generate(prompt, frames, seed), prompt)
        return _attachment(body, "video/mp4", safe_filename(prompt, ".mp4"))

    @app.post("/api/download/bvh-on-rig", tags=["download"], response_class=Response)
    def download_bvh_on_rig(
        rig: _RigUpload,
        text: _TextForm,
        frames: _FramesForm = limits.default_frames,
        seed: _SeedForm = 0,
    ) -> Response:
        """The generated motion (as /api/download/bvh) written onto your character, as `motionclip
        generate --rig FILE`: the uploaded BVH's joint names, hierarchy, bone lengths, units and up
        axis. Needs a canonical-body model (`rig_export` in /api/health)."""
        prompt = _prompt(text)
        data, name = _read_upload(rig, "rig", limits.max_upload_bytes)
        body = service.bvh_on_rig(prompt, frames, seed, data, name)
        stem = name.removesuffix(".gz").removesuffix(".bvh") or "rig"
        return _attachment(body.encode(), "text/plain; charset=utf-8", safe_filename(f"{prompt} on {stem}", ".bvh"))

    app.mount("/static", StaticFiles(directory=STATIC_DIR, follow_symlink=False), name="static")
    return app


_Upload = Annotated[
    UploadFile,
    File(description="A .bvh (or gzip .bvh.gz) motion on the model's skeleton.", json_schema_extra={"minLength": 1}),
]
_Classes = Annotated[
    str, Form(pattern=schemas.CLASSES_PATTERN, description="Comma separated class texts, e.g. 'walk, run, jump'.")
]
_Raw = Annotated[bool, Form(description="Embed the class names verbatim (no 'a person ...' prompt).")]
_TopK = Annotated[int, Form(ge=1, le=DEFAULT_LIMITS.max_classes, description="How many classes to return.")]
_TextQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=DEFAULT_LIMITS.max_text_chars,
        pattern=schemas.PROMPT_PATTERN,
        description="The prompt.",
    ),
]
_FramesQuery = Annotated[int, Query(ge=1, le=DEFAULT_LIMITS.max_frames, description="Frames to generate.")]
_SeedQuery = Annotated[int, Query(ge=0, le=DEFAULT_LIMITS.max_seed, description="Generation seed (as /api/generate).")]


_RigUpload = Annotated[
    UploadFile,
    File(description="A .bvh (or .bvh.gz) of your character: any humanoid rig.", json_schema_extra={"minLength": 1}),
]
_TextForm = Annotated[
    str,
    Form(min_length=1, max_length=DEFAULT_LIMITS.max_text_chars, pattern=schemas.PROMPT_PATTERN, description="Prompt."),
]
_FramesForm = Annotated[int, Form(ge=1, le=DEFAULT_LIMITS.max_frames, description="Frames to generate.")]
_SeedForm = Annotated[int, Form(ge=0, le=DEFAULT_LIMITS.max_seed, description="Generation seed (as /api/generate).")]


def _read_upload(file: UploadFile, field: str, max_bytes: int) -> tuple[bytes, str]:
    """The upload's bytes (at most ``max_bytes``) and a safe name; empty or too large is refused."""
    data = file.file.read(max_bytes + 1)
    name = safe_filename(Path(file.filename or "upload").name, "", fallback="upload")
    if not data:  # the schema says minLength 1: the same 422 as every other invalid field
        error = {"loc": ("body", field), "msg": f"{name}: the uploaded file is empty", "type": "string_too_short"}
        raise RequestValidationError([error])
    if len(data) > max_bytes:
        raise HTTPException(413, f"upload larger than {max_bytes // 1024} KiB")
    return data, name


def _json(payload: dict[str, Any]) -> JSONResponse:
    """The response of a model endpoint, encoded in its own worker thread.

    Returning a dict would send it back through FastAPI's response validation, which for a
    sync endpoint is a second trip through the threadpool: under load that trip queues behind
    every request waiting for the model, and doubles the tail latency. The payloads are the
    service's own (and the fuzz tests check them against the documented schemas)."""
    return JSONResponse(payload)


def _message(error: Any) -> str:
    """A validation error's message; a text's pattern is said in words."""
    pattern = (error.get("ctx") or {}).get("pattern") if error.get("type") == "string_pattern_mismatch" else None
    return schemas.PATTERN_MESSAGES.get(str(pattern), str(error.get("msg", "invalid")))


def _prompt(text: str) -> str:
    """The stripped prompt (the query's pattern has made sure that something is left)."""
    return text.strip()


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _version() -> str:
    from motionclip._version import __version__

    return __version__
