"""AMASS motions (SMPL-H parameters in ``.npz``) on the SMPL kinematic tree.

AMASS file keys used: ``poses`` (N, 156) axis-angle, 52 SMPL-H joints x 3 (22 body
joints, then 15 left-hand and 15 right-hand finger joints), ``trans`` (N, 3) metres,
``mocap_framerate`` (), ``betas`` (16,) body shape, ``gender``. ``--body-model`` is one
model file (used for every sequence) or a folder laid out as AMASS's
``smplh/{male,female,neutral}/model.npz``, in which case each sequence uses the model of
its ``gender`` (the neutral one when its gender has none).

Skeleton: the 24 joints of SMPL (22 body joints + ``left_hand``/``right_hand``), the tree
MotionCLIP was trained on. SMPL-H has no hand joint of its own; ``*_hand`` sits where the
body model puts the middle finger's base (``*_middle1``) and keeps the identity rotation,
i.e. finger motion is dropped. Bone offsets come from the body model: joint locations
``J_regressor @ (v_template + shapedirs @ betas)``, minus each parent's (kintree_table).

Axes: AMASS is Z up. The SMPL template is Y up and AMASS's root orientation turns it
to Z up, so the conversion pre-multiplies the root rotation and the translation by the
Z->Y rotation and leaves offsets and the other local rotations as they are.

The body model (SMPL-H ``model.npz`` from https://mano.is.tue.mpg.de, "Extended SMPL+H
model" as used by AMASS, or an SMPL ``.npz``) is licence-gated and never shipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import roma
import torch

from motionclip.data.motion import Motion
from motionclip.data.skeleton import Skeleton
from motionclip.data.up_axis import Z_TO_Y
from motionclip.errors import MotionFormatError

SMPL_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle", "right_ankle",
    "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)
BODY_JOINTS = 22
SMPLH_JOINTS = 52
SMPLH_MIDDLE1 = (25, 40)  # left_middle1, right_middle1 in SMPL-H joint order
BODY_MODEL_KEYS = ("J_regressor", "v_template", "kintree_table")
AMASS_KEYS = ("poses", "trans", "mocap_framerate")
BODY_MODEL_HELP = (
    'download the SMPL-H body model ("Extended SMPL+H model" used by AMASS, model.npz) from '
    "https://mano.is.tue.mpg.de (free registration; licence forbids redistribution) and pass --body-model PATH"
)
MAX_NPZ_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BodyModel:
    """What the skeleton needs from a body-model file."""

    path: Path
    joints: np.ndarray  # (K, 3) template joint locations, metres
    shape_joints: np.ndarray | None  # (K, 3, B) joint displacement per shape coefficient
    parents: tuple[int, ...]  # (K,) from kintree_table

    def offsets(self, betas: np.ndarray | None = None) -> np.ndarray:
        """(24, 3) SMPL bone offsets for body shape ``betas`` (template shape if None)."""
        j = self.joints.copy()
        if betas is not None and self.shape_joints is not None:
            b = np.asarray(betas, dtype=np.float64).reshape(-1)[: self.shape_joints.shape[2]]
            j = j + self.shape_joints[:, :, : len(b)] @ b
        if len(j) >= SMPLH_JOINTS:
            j24 = np.concatenate([j[:BODY_JOINTS], j[list(SMPLH_MIDDLE1)]])
        else:
            j24 = j[:24]
        off = np.zeros((24, 3))
        for k, p in enumerate(SMPL_PARENTS):
            off[k] = j24[k] - (j24[p] if p >= 0 else 0.0)
        return off

    def root_rest(self, betas: np.ndarray | None = None) -> np.ndarray:
        """(3,) pelvis location of the shaped template (AMASS ``trans`` is relative to it)."""
        j = self.joints[0].copy()
        if betas is not None and self.shape_joints is not None:
            b = np.asarray(betas, dtype=np.float64).reshape(-1)[: self.shape_joints.shape[2]]
            j = j + self.shape_joints[0, :, : len(b)] @ b
        return j


def _load_npz(path: Path, what: str, keys: Sequence[str], kind: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (no pickles), which must hold ``keys`` (else: not ``kind``)."""
    if not path.is_file():
        raise MotionFormatError(f"{path}: {what} not found")
    if path.stat().st_size > MAX_NPZ_BYTES:
        raise MotionFormatError(f"{path}: larger than 2 GiB; not a {what}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise MotionFormatError(f"{path}: cannot read {what} ({exc})") from None
    missing = [k for k in keys if k not in data]
    if missing:
        raise MotionFormatError(f"{path}: not {kind} (missing keys: {', '.join(missing)})")
    return data


def load_body_model(path: str | Path | None) -> BodyModel:
    """Read the SMPL/SMPL-H ``.npz``; a missing or malformed file says where to get one."""
    if path is None:
        raise MotionFormatError(f"--source amass needs a body model: {BODY_MODEL_HELP}")
    p = Path(path)
    if p.suffix.lower() == ".pkl":
        raise MotionFormatError(
            f"{p}: SMPL .pkl files need chumpy to unpickle; use the model.npz of the SMPL-H download instead"
        )
    if not p.is_file():
        raise MotionFormatError(f"{p}: body model not found; {BODY_MODEL_HELP}")
    data = _load_npz(p, "body model", BODY_MODEL_KEYS, "an SMPL/SMPL-H body model")
    jr = np.asarray(data["J_regressor"], dtype=np.float64)
    vt = np.asarray(data["v_template"], dtype=np.float64)
    kt = np.asarray(data["kintree_table"])
    if vt.ndim != 2 or vt.shape[1] != 3:
        raise MotionFormatError(f"{p}: v_template must have shape (V, 3), got {vt.shape}")
    if jr.ndim != 2 or jr.shape[1] != vt.shape[0] or jr.shape[0] not in (24, SMPLH_JOINTS):
        raise MotionFormatError(f"{p}: J_regressor must have shape (24 or 52, {vt.shape[0]}), got {jr.shape}")
    if kt.ndim != 2 or kt.shape != (2, jr.shape[0]):
        raise MotionFormatError(f"{p}: kintree_table must have shape (2, {jr.shape[0]}), got {kt.shape}")
    parents = tuple(-1 if k == 0 else int(kt[0, k]) for k in range(kt.shape[1]))
    if parents[:BODY_JOINTS] != SMPL_PARENTS[:BODY_JOINTS]:
        raise MotionFormatError(f"{p}: kintree_table is not the SMPL body tree")
    shape_joints = None
    if "shapedirs" in data:
        sd = np.asarray(data["shapedirs"], dtype=np.float64)
        if sd.ndim != 3 or sd.shape[:2] != vt.shape:
            raise MotionFormatError(f"{p}: shapedirs must have shape ({vt.shape[0]}, 3, B), got {sd.shape}")
        shape_joints = np.einsum("kv,vcb->kcb", jr, sd)
    for name, arr in (("J_regressor", jr), ("v_template", vt)):
        if not np.isfinite(arr).all():
            raise MotionFormatError(f"{p}: {name} contains NaN or inf")
    return BodyModel(p, jr @ vt, shape_joints, parents)


GENDERS = ("male", "female", "neutral")


def load_body_models(path: str | Path | None) -> dict[str, BodyModel]:
    """``{gender: model}`` from a folder of ``<gender>/model.npz``, or ``{"any": model}``."""
    if path is not None and Path(path).is_dir():
        found = {g: Path(path) / g / "model.npz" for g in GENDERS}
        models = {g: load_body_model(f) for g, f in found.items() if f.is_file()}
        if not models:
            raise MotionFormatError(f"{path}: no male/, female/ or neutral/model.npz in this folder; {BODY_MODEL_HELP}")
        return models
    return {"any": load_body_model(path)}


def pick_body_model(models: dict[str, BodyModel] | BodyModel, gender: str, where: Path) -> BodyModel:
    if isinstance(models, BodyModel):
        return models
    for key in ("any", gender, "neutral"):
        if key in models:
            return models[key]
    raise MotionFormatError(f"{where}: gender {gender!r} and no neutral body model in {', '.join(models)}")


def read_amass(path: str | Path, body: BodyModel | dict[str, BodyModel]) -> Motion:
    """An AMASS ``.npz`` as a Y-up :class:`Motion` on the 24-joint SMPL tree."""
    p = Path(path)
    data = _load_npz(p, "AMASS motion file", AMASS_KEYS, "an AMASS motion file")
    poses = np.asarray(data["poses"], dtype=np.float64)
    trans = np.asarray(data["trans"], dtype=np.float64)
    if poses.ndim != 2 or poses.shape[1] not in (72, 156, 165) or len(poses) == 0:
        raise MotionFormatError(f"{p}: poses must have shape (N, 156) (SMPL-H axis-angle), got {poses.shape}")
    if trans.shape != (len(poses), 3):
        raise MotionFormatError(f"{p}: trans must have shape ({len(poses)}, 3), got {trans.shape}")
    try:
        fps = float(np.asarray(data["mocap_framerate"]).reshape(()))
    except (TypeError, ValueError):
        raise MotionFormatError(f"{p}: mocap_framerate must be one number") from None
    if not (np.isfinite(fps) and 1 <= fps <= 1000):
        raise MotionFormatError(f"{p}: mocap_framerate must be between 1 and 1000, got {fps}")
    betas = None
    if "betas" in data:
        betas = np.asarray(data["betas"], dtype=np.float64).reshape(-1)
        if not np.isfinite(betas).all():
            raise MotionFormatError(f"{p}: betas contain NaN or inf")
    gender = ""
    if "gender" in data:
        g = np.asarray(data["gender"])
        gender = (g.item().decode() if isinstance(g.item(), bytes) else str(g.item())).strip().lower() if g.size else ""
    body = pick_body_model(body, gender, p)
    for name, arr in (("poses", poses), ("trans", trans)):
        if not np.isfinite(arr).all():
            bad = int(np.argwhere(~np.isfinite(arr))[0, 0])
            raise MotionFormatError(f"{p}: {name} has NaN or inf in frame {bad}")
    rotvec = torch.zeros(len(poses), 24, 3, dtype=torch.float64)
    rotvec[:, :BODY_JOINTS] = torch.from_numpy(poses[:, : 3 * BODY_JOINTS].reshape(-1, BODY_JOINTS, 3))
    rot = roma.rotvec_to_rotmat(rotvec).float()
    r = Z_TO_Y
    rot[:, 0] = r @ rot[:, 0]
    root = torch.from_numpy(trans + body.root_rest(betas)).float() @ r.T
    skeleton = Skeleton(SMPL_NAMES, SMPL_PARENTS, body.offsets(betas))
    return Motion(skeleton, rot, root, fps, "ZXY")
