"""Request and response bodies of the web API (pydantic; they also drive /docs)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, Strict, StringConstraints
from pydantic_core import PydanticCustomError

from motionclip.web.limits import DEFAULT_LIMITS as L

_CONTROL = r"\u0000-\u0008\u000e-\u001f\u007f-\u009f"
"""C0/C1 control characters but tab, newline, vertical tab, form feed and CR: no text may hold one."""
_SPACE = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What ``str.strip()`` removes (``str.isspace()``: U+0085 is whitespace, U+FEFF is not)."""
# Spelled out as \uXXXX, so that JSON Schema (ECMA-262), pydantic (Rust regex) and Python read the
# patterns alike (their \s differ, e.g. on U+0085).
PROMPT_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
"""A prompt: no control character, and one character that is not whitespace (it is stripped)."""
TEXT_PATTERN = f"^[^{_CONTROL}]*$"
"""An optional text (may be empty or blank): no control character."""
CLASSES_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE},][^{_CONTROL}]*$"
"""A class list: no control character, and one character that is neither whitespace nor a comma."""
PATTERN_MESSAGES = {
    PROMPT_PATTERN: "must contain a character that is not whitespace, and no control characters",
    TEXT_PATTERN: "must not contain control characters",
    CLASSES_PATTERN: "must name a class, and contain no control characters",
}
"""What a 422 says when a text does not match its pattern (instead of the pattern itself)."""


def _strip(text: str) -> str:
    return text.strip()


def _whole_number(value: Any) -> Any:
    """JSON numbers only: true/false and numeric strings are not integers (Python would take them)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# Lengths and patterns are checked on the text as sent (the documented maxLength), then it is
# stripped: what the schema allows is served, what it does not is a 422.
Prompt = Annotated[
    str,
    StringConstraints(min_length=1, max_length=L.max_text_chars, pattern=PROMPT_PATTERN),
    AfterValidator(_strip),
]
OptionalPrompt = Annotated[
    str, StringConstraints(max_length=L.max_text_chars, pattern=TEXT_PATTERN), AfterValidator(_strip)
]
JSON_INTEGER = BeforeValidator(_whole_number)
"""Marks an ``int`` field that takes JSON integers (5 or 5.0) only; it goes after the field's range
constraints, so that they stay in the JSON schema (minimum/maximum)."""
Frames = Annotated[
    int, Field(ge=1, le=L.max_frames, description="Frames to generate (at the model's fps)."), JSON_INTEGER
]
Scale = Annotated[float, Field(ge=-L.max_scale, le=L.max_scale), Strict()]
"""Strict: an int or a float, never a bool or a string."""


class GenerateRequest(BaseModel):
    text: Prompt = Field(description="What the person does, e.g. 'a person walks forward'.")
    frames: Frames = L.default_frames
    seed: Annotated[
        int, Field(ge=0, le=L.max_seed, description="Same seed, same motion; others give variations."), JSON_INTEGER
    ] = 0


class InterpolateRequest(BaseModel):
    a: Prompt = Field(description="Text at the start of the interpolation.")
    b: Prompt = Field(description="Text at the end.")
    steps: Annotated[int, Field(ge=2, le=L.max_steps, description="Motions, both ends included."), JSON_INTEGER] = 5
    frames: Frames = L.default_frames


class _LatentArithmetic(BaseModel):
    """What every latent-arithmetic request has: the edit strength and the motion's length."""

    scale: Scale = 1.0
    frames: Frames = L.default_frames


class EditRequest(_LatentArithmetic):
    text: Prompt = Field(description="The motion to edit, as text.")
    add: Prompt = Field(description="Style to add: a word ('proud') or a sentence.")
    sub: OptionalPrompt | None = Field(
        default=None, description="Style to remove (a word or a sentence; default: the neutral style 'normal')."
    )


class ComposeRequest(_LatentArithmetic):
    upper: Prompt = Field(description="Upper-body action, e.g. 'a person waves the right hand'.")
    lower: Prompt = Field(description="Lower-body motion, e.g. 'a person walks forward'.")
    neutral: OptionalPrompt | None = Field(
        default=None, description="Neutral pose subtracted from the upper action (default 'a person stands still')."
    )


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


class GenerateOut(MotionOut):
    """A generated motion and what ``motionclip generate`` prints about its prompt."""

    note: str | None = Field(
        description="'note: ...' when the prompt is far from every training description (its nearest one named): "
        "the model only knows the motions it was trained on. Null otherwise."
    )
    composed: str | None = Field(
        description="'composed: ...' when the prompt joins a locomotion and an upper-body action ('a person walks "
        "while waving the right hand'): it was decoded part by part and the motions combined per body part. "
        "Null when the prompt was decoded whole."
    )


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
    note: str | None = Field(
        description="'note: ...' when even the best offered class is far from the motion (it may show an action "
        "none of the classes names), as `motionclip classify` says. Null otherwise."
    )


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
    rig_export: bool = Field(description="Whether /api/download/bvh-on-rig can write onto an uploaded rig.")
    uptime_s: float
    requests: int


class ErrorOut(BaseModel):
    """A request the server will not serve: one line saying what is wrong."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "Bad input (the upload, a class list, a value out of range)."},
    408: {"model": ErrorOut, "description": "The request body did not arrive in time."},
    413: {"model": ErrorOut, "description": "The request body is larger than the server accepts."},
    503: {
        "model": ErrorOut,
        "description": "The server has as many requests in progress as it queues; retry after Retry-After seconds.",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}},
    },
}
