"""The model behind the web API: one loaded MotionCLIP, used by one request at a time.

Nothing here knows about HTTP.  Every model call takes ``self._lock`` (torch modules on CPU
are not meant to be shared by concurrent threads), and MP4 renders are bounded by a
semaphore because they are CPU heavy.  Errors a user can cause raise ``MotionCLIPError``.

Text-to-motion requests that arrive while the model is busy are batched: whichever request
gets the lock next runs every waiting prompt through the application layer's
``apps.generate.generate_with_closeness`` (what ``motionclip generate`` and the Python API run),
one call per frame count and seed. That is one encode + decode for all of them, which is several
times cheaper than one at a time under load, plus, as on the CLI, one decode of the two parts of
each prompt that joins two actions ("a person walks while waving the right hand", ``apps.compose``).
Each request gets its motion, the far-from-training note of its prompt and its ``composed: ...``
line, exactly as the CLI prints them.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from motionclip.data.bvh import bvh_text, read_bvh
from motionclip.data.canonical import resampled_length
from motionclip.data.motion import Motion
from motionclip.errors import MotionCLIPError
from motionclip.generation.request import GenerateRequest
from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.web.limits import DEFAULT_LIMITS, ServingLimits
from motionclip.web.mannequin import mannequin_spec

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Generated:
    """One generated motion and what the applications say about its prompt."""

    motion: Motion
    note: str | None = None
    """``note: ...`` when the prompt is far from every training description (``apps.vocabulary``)."""
    composed: str | None = None
    """``composed: ...`` when the prompt was decoded part by part (``apps.compose``)."""


@dataclass
class _Job:
    """One waiting text-to-motion request."""

    request: GenerateRequest  # one prompt, checked
    done: bool = False
    result: Generated | None = None
    error: BaseException | None = None


def safe_filename(text: str, suffix: str, fallback: str = "motion") -> str:
    """A download name derived from a prompt: ASCII letters, digits, ``._-`` only."""
    stem = _SAFE_NAME.sub("_", text.strip()).strip("._-")[:60] or fallback
    return f"{stem}{suffix}"


def parse_classes(raw: str, limits: ServingLimits = DEFAULT_LIMITS) -> list[str]:
    """The applications' class rule (``apps.classify.parse_classes``) under the server's caps."""
    from motionclip.apps.classify import parse_classes as parse

    return parse(raw or "", limits)


class MotionService:
    """Thread-safe text->motion, interpolation, editing and recognition on one model."""

    def __init__(self, model: MotionCLIP, limits: ServingLimits = DEFAULT_LIMITS) -> None:
        self.model = model.eval()
        self.limits = limits
        self.max_frames = min(limits.max_frames, int(model.cfg.max_frames))
        self._lock = threading.Lock()
        self._pending: list[_Job] = []
        self._pending_lock = threading.Lock()
        self.max_batch = 64
        self._renders = threading.BoundedSemaphore(limits.max_renders)
        self.started = time.time()
        self.requests = 0

    # -- model access ---------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load the text model now (not on the first cache miss) and run one generation, which
        also embeds the training descriptions the far-from-training note compares prompts with."""
        backend = self.model.backend
        load = getattr(backend, "load", None)
        if callable(load):
            load()
        self.generate("a person walks forward", min(self.limits.default_frames, self.max_frames))

    def _check_frames(self, frames: int) -> int:
        if not 1 <= int(frames) <= self.max_frames:
            raise MotionCLIPError(f"frames must be between 1 and {self.max_frames}, got {frames}")
        return int(frames)

    def generate(self, text: str, frames: int, seed: int = 0) -> Motion:
        """Text to motion (the motion of :meth:`generate_with_closeness`)."""
        return self.generate_with_closeness(text, frames, seed).motion

    def generate_with_closeness(self, text: str, frames: int, seed: int = 0) -> Generated:
        """Text to motion as ``motionclip generate`` makes it (compositions included), with the
        prompt's far-from-training note and ``composed`` line; concurrent calls are batched
        (see the module docstring)."""
        # checked here, not in the batch: a request the server refuses never joins other requests
        request = GenerateRequest.build([text], self._check_frames(frames), 1, seed, limits=self.limits)
        job = _Job(request)
        with self._pending_lock:
            self._pending.append(job)
        with self._lock:
            while not job.done:  # usually one pass; more when over max_batch requests wait
                with self._pending_lock:
                    batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                self._run_batch(batch)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _run_batch(self, jobs: list[_Job]) -> None:
        """Run waiting jobs (caller holds the lock): one application call per frame count and seed."""
        self.requests += len(jobs)
        groups: dict[tuple[int, int], list[_Job]] = {}
        for job in jobs:
            groups.setdefault((job.request.frames or 0, job.request.seed), []).append(job)
        for group in groups.values():
            try:
                texts = list(dict.fromkeys(j.request.prompts[0] for j in group))
                results = self._generate_texts(group[0].request.with_prompts(texts, compose=True))
                for job in group:
                    result = results[job.request.prompts[0]]
                    if isinstance(result, BaseException):
                        job.error = result
                    else:
                        job.result = result
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
                for job in group:
                    job.error = exc
            finally:
                for job in group:
                    job.done = True

    def _generate_texts(self, request: GenerateRequest) -> dict[str, Generated | Exception]:
        """Each prompt's generation, by the application layer, all in one call; should that call
        fail, each prompt alone, so that one prompt's error is never another request's."""
        from motionclip.apps.generate import generate_with_closeness

        try:
            out = generate_with_closeness(self.model, request)
        except Exception as exc:
            if len(request.prompts) == 1:
                return {request.prompts[0]: exc}
            return {
                t: r for p in request.prompts for t, r in self._generate_texts(request.with_prompts([p], True)).items()
            }
        return {
            text: Generated(motion, near.note, None if comp is None else comp.line())
            for text, motion, near, comp in zip(
                request.prompts, out.motions, out.closeness, out.compositions, strict=True
            )
        }

    # The operations below are the application layer's (``motionclip.apps``), called with
    # ``allow_files=False`` so that a request can never name a file on the server; this
    # service adds only the server's limits, the lock and the batching.
    def interpolate(self, a: str, b: str, steps: int, frames: int) -> list[tuple[float, Motion]]:
        """Motions on the line between the two texts' latents, ``steps`` including both ends."""
        from motionclip.apps.interpolate import check_steps, interpolate

        check_steps(steps, self.limits)
        frames = self._check_frames(frames)
        with self._lock:
            self.requests += 1
            motions, _, _ = interpolate(self.model, a, b, steps, frames, allow_files=False)
        alphas = torch.linspace(0.0, 1.0, steps)
        return [(round(float(t), 6), m) for t, m in zip(alphas, motions, strict=True)]

    def edit(self, text: str, add: str, sub: str | None, scale: float, frames: int) -> Motion:
        """Style edit ``z(text) + scale * (E(add) - E(sub))``; a single word is a style label
        and a missing ``sub`` is the neutral style (see ``motionclip.apps.edit``)."""
        from motionclip.apps.edit import edit_style

        frames = self._check_frames(frames)
        with self._lock:
            self.requests += 1
            return edit_style(self.model, add, sub, text=text, scale=scale, frames=frames, allow_files=False).motion

    def compose(self, upper: str, lower: str, neutral: str | None, scale: float, frames: int) -> Motion:
        """Upper body of ``upper`` on the lower body of ``lower`` (``motionclip.apps.edit.compose``)."""
        from motionclip.apps.edit import compose

        frames = self._check_frames(frames)
        with self._lock:
            self.requests += 1
            return compose(self.model, upper, lower, neutral, scale=scale, frames=frames, allow_files=False).motion

    def classify(
        self, data: bytes, filename: str, classes: Sequence[str], top_k: int, raw: bool = False
    ) -> dict[str, Any]:
        """Zero-shot recognition of an uploaded BVH (``motionclip.apps.classify``): the upload
        is parsed before the model lock is taken."""
        from motionclip.apps.classify import classify, far_note
        from motionclip.apps.inputs import to_model_skeleton
        from motionclip.data.up_axis import to_y_up

        # parsing, up axis, cropping and the mapping onto the model's body happen before the
        # model lock: a slow upload never makes other requests wait
        raw_motion = parse_bvh_bytes(
            data, filename, max_bytes=self.limits.max_upload_inflated_bytes, max_cells=self.limits.max_upload_cells
        )
        motion, cropped = self._fit_length(to_y_up(raw_motion, "auto")[0])
        frames, fps = len(motion), motion.fps
        motion = to_model_skeleton(self.model, motion)
        with self._lock:
            self.requests += 1
            preds = classify(self.model, motion, classes, top_k, raw, on_model=True)
        return {
            "file": filename,
            "frames": frames,
            "fps": fps,
            "cropped": cropped,
            "top": [
                {"label": p.label, "prompt": p.prompt, "probability": p.probability, "cosine": p.cosine} for p in preds
            ],
            "note": far_note(preds),  # every offered class far from the motion, as `motionclip classify` says
        }

    def _fit_length(self, motion: Motion) -> tuple[Motion, bool]:
        """Keep the first ``max_frames`` (at the model's fps) of a long upload.

        The crop is by duration and happens before resampling, so an upload with a very
        long Frame Time cannot resample into millions of frames."""
        limit = int(self.model.cfg.max_frames)
        if resampled_length(len(motion), motion.fps, self.model.fps) <= limit:
            return motion, False
        keep = max(1, int(math.floor((limit - 1) * motion.fps / self.model.fps + 1e-9)) + 1)
        while keep > 1 and resampled_length(keep, motion.fps, self.model.fps) > limit:
            keep -= 1
        return motion[:keep], True

    # -- outputs ---------------------------------------------------------------------------
    def motion_payload(self, motion: Motion, text: str, **extra: Any) -> dict[str, Any]:
        """JSON body describing one motion for the page: positions (T, J, 3) metres, Y up."""
        pos = motion.positions().detach().cpu().numpy().astype(np.float64)
        sk = motion.skeleton
        return {
            "text": text,
            "fps": motion.fps,
            "frames": int(pos.shape[0]),
            "joints": list(sk.names),
            "parents": list(sk.parents),
            "positions": np.round(pos, 4).tolist(),
            "mannequin": mannequin_spec(pos, sk.parents, sk.names),
            **extra,
        }

    def bvh(self, motion: Motion) -> str:
        return bvh_text(motion)

    @property
    def rig_export(self) -> bool:
        """Whether generated motion can be written onto an uploaded rig (a canonical-body model)."""
        from motionclip.apps.outputs import writes_onto_rigs

        return writes_onto_rigs(self.model)

    def bvh_on_rig(self, text: str, frames: int, seed: int, rig_data: bytes, filename: str) -> str:
        """The motion of ``/api/generate`` written onto the uploaded BVH's skeleton (``--rig``):
        its joint names, hierarchy, bone lengths, units and axes. The rig is checked (a
        canonical-body model, a humanoid whose landmarks are found) before anything is generated."""
        from motionclip.apps.outputs import check_rig_model
        from motionclip.data.rig_export import user_rig

        check_rig_model(self.model)
        raw = parse_bvh_bytes(
            rig_data, filename, max_bytes=self.limits.max_upload_inflated_bytes, max_cells=self.limits.max_upload_cells
        )
        rig = user_rig(raw, filename)  # as `--rig FILE` reads it: up axis and units detected
        return bvh_text(rig.put(self.generate(text, frames, seed)))

    def mp4(self, motion: Motion, caption: str) -> bytes:
        """Render the motion with the project's mannequin renderer to MP4 bytes."""
        from motionclip.render import RenderConfig, render_motion

        size = self.limits.video_size
        with self._renders, tempfile.TemporaryDirectory(prefix="motionclip-web-") as tmp:
            path = Path(tmp) / "motion.mp4"
            render_motion(motion, path, config=RenderConfig(width=size, height=size), caption=caption or None)
            return path.read_bytes()

    def info(self) -> dict[str, Any]:
        m = self.model
        return {
            "status": "ok",
            "backend": m.backend_name,
            "latent_dim": m.latent_dim,
            "joints": m.skeleton.num_joints,
            "fps": m.fps,
            "default_frames": min(self.limits.default_frames, self.max_frames),
            "max_frames": self.max_frames,
            "max_text_chars": self.limits.max_text_chars,
            "max_steps": self.limits.max_steps,
            "max_upload_bytes": self.limits.max_upload_bytes,
            "rig_export": self.rig_export,
            "uptime_s": round(time.time() - self.started, 1),
            "requests": self.requests,
        }


def parse_bvh_bytes(data: bytes, filename: str, max_bytes: int | None = None, max_cells: int | None = None) -> Motion:
    """Read uploaded BVH bytes (plain or gzip) via a private temp file; errors name the upload.

    ``max_bytes`` caps the inflated size and ``max_cells`` the frames x joints (checked on
    the header, before parsing); see :func:`motionclip.data.bvh.read_bvh`."""
    if not data:
        raise MotionCLIPError(f"{filename}: the uploaded file is empty")
    fd, tmp = tempfile.mkstemp(prefix="motionclip-upload-", suffix=".bvh")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            return read_bvh(tmp, max_bytes=max_bytes, max_cells=max_cells)
        except MotionCLIPError as exc:
            raise MotionCLIPError(str(exc).replace(tmp, filename)) from None
        except (ValueError, IndexError, RuntimeError) as exc:  # anything the parser did not foresee
            raise MotionCLIPError(f"{filename}: not a readable BVH file ({exc})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
