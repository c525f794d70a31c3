"""Request and response bodies of the web API (pydantic; they also drive /docs)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from motionclip.web.limits import DEFAULT_LIMITS as L

Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=L.max_text_chars)]
OptionalPrompt = Annotated[str, StringConstraints(strip_whitespace=True, max_length=L.max_text_chars)]
Frames = Annotated[int, Field(ge=1, le=L.max_frames, description="Frames to generate (at the model's fps).")]


class GenerateRequest(BaseModel):
    text: Prompt = Field(description="What the person does, e.g. 'a person walks forward'.")
    frames: Frames = L.default_frames
    seed: Annotated[int, Field(ge=0, le=2**31 - 1, description="Same seed, same motion; others give variations.")] = 0


class InterpolateRequest(BaseModel):
    a: Prompt = Field(description="Text at the start of the interpolation.")
    b: Prompt = Field(description="Text at the end.")
    steps: Annotated[int, Field(ge=2, le=L.max_steps, description="Motions, both ends included.")] = 5
    frames: Frames = L.default_frames


class EditRequest(BaseModel):
    text: Prompt = Field(description="The motion to edit, as text.")
    add: Prompt = Field(description="Style to add: a word ('proud') or a sentence.")
    sub: OptionalPrompt | None = Field(
        default=None, description="Style to remove (a word or a sentence; default: the neutral style 'normal')."
    )
    scale: Annotated[float, Field(ge=-L.max_scale, le=L.max_scale)] = 1.0
    frames: Frames = L.default_frames


class ComposeRequest(BaseModel):
    upper: Prompt = Field(description="Upper-body action, e.g. 'a person waves the right hand'.")
    lower: Prompt = Field(description="Lower-body motion, e.g. 'a person walks forward'.")
    neutral: OptionalPrompt | None = Field(
        default=None, description="Neutral pose subtracted from the upper action (default 'a person stands still')."
    )
    scale: Annotated[float, Field(ge=-L.max_scale, le=L.max_scale)] = 1.0
    frames: Frames = L.default_frames


class Bone(BaseModel):
    a: int
    b: int
    extend: float
    r0: float
    r1: float
    color: str


class Head(BaseModel):
    joint: int
    base: int
    radius: float
    color: str


class Nose(BaseModel):
    radius: float
    color: str


class Mannequin(BaseModel):
    bones: list[Bone]
    head: Head | None
    nose: Nose | None
    left: list[int]
    right: list[int]


class MotionOut(BaseModel):
    text: str
    fps: float
    frames: int
    joints: list[str]
    parents: list[int]
    positions: list[list[list[float]]] = Field(description="(frames, joints, 3) world positions, metres, Y up.")
    mannequin: Mannequin
    alpha: float | None = None


class InterpolateOut(BaseModel):
    a: str
    b: str
    motions: list[MotionOut]


class ClassScore(BaseModel):
    label: str
    prompt: str = Field(description="The text embedded for the class ('walk' -> 'a person walks').")
    probability: float
    cosine: float


class ClassifyOut(BaseModel):
    file: str
    frames: int
    fps: float
    cropped: bool
    top: list[ClassScore]


class Health(BaseModel):
    status: str
    backend: str
    latent_dim: int
    joints: int
    fps: float
    default_frames: int
    max_frames: int
    max_text_chars: int
    max_steps: int
    max_upload_bytes: int
    uptime_s: float
    requests: int


class ErrorOut(BaseModel):
    """A request the server will not serve: one line saying what is wrong."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "Bad input (the upload, a class list, a value out of range)."},
    408: {"model": ErrorOut, "description": "The request body did not arrive in time."},
    413: {"model": ErrorOut, "description": "The request body is larger than the server accepts."},
}
