"""Synthetic files in the exact formats of AMASS, the SMPL-H body model, BABEL and HumanML3D.

Nothing here comes from the real (licence-gated) data: the body model has the keys,
dtypes and array layouts of AMASS's SMPL-H ``model.npz`` (``J_regressor`` (52, V),
``v_template`` (V, 3), ``shapedirs`` (V, 3, 16), ``posedirs`` (V, 3, 459), ``weights``
(V, 52), ``f`` (F, 3), ``kintree_table`` (2, 52) with 4294967295 as the root's parent)
but only a few vertices instead of 6890, placed so the regressed joints form a plausible
Y-up T-pose. AMASS motions have ``poses`` (N, 156), ``trans`` (N, 3), ``betas`` (16,),
``gender``, ``mocap_framerate`` and ``dmpls`` (N, 8), Z up, as AMASS's SMPL+H G files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import roma
import torch

BODY = {  # SMPL body joints, T-pose, metres, Y up, pelvis at the origin, left = +X, facing +Z
    "pelvis": (0, 0, 0), "left_hip": (0.08, -0.08, 0), "right_hip": (-0.08, -0.08, 0), "spine1": (0, 0.10, 0),
    "left_knee": (0.09, -0.45, 0), "right_knee": (-0.09, -0.45, 0), "spine2": (0, 0.22, 0),
    "left_ankle": (0.09, -0.85, 0), "right_ankle": (-0.09, -0.85, 0), "spine3": (0, 0.28, 0),
    "left_foot": (0.09, -0.90, 0.12), "right_foot": (-0.09, -0.90, 0.12), "neck": (0, 0.52, 0),
    "left_collar": (0.07, 0.46, 0), "right_collar": (-0.07, 0.46, 0), "head": (0, 0.66, 0.03),
    "left_shoulder": (0.18, 0.48, 0), "right_shoulder": (-0.18, 0.48, 0), "left_elbow": (0.45, 0.48, 0),
    "right_elbow": (-0.45, 0.48, 0), "left_wrist": (0.70, 0.48, 0), "right_wrist": (-0.70, 0.48, 0),
}  # fmt: skip
BODY_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19]
FINGERS = ("index", "middle", "pinky", "ring", "thumb")
CLASSES = ("walk", "wave", "raise arms", "stand")
TEXTS = {
    "walk": ("walking forward", "walk"),
    "wave": ("waving with the left hand", "wave"),
    "raise arms": ("raising both arms up", "raise arms"),
    "stand": ("standing still", "stand"),
}


def smplh_joints() -> tuple[np.ndarray, list[int]]:
    """(52, 3) joint locations and parents of the fake SMPL-H template."""
    joints = [np.array(v, dtype=np.float64) for v in BODY.values()]
    parents = list(BODY_PARENTS)
    for side, wrist, s in (("left", 20, 1.0), ("right", 21, -1.0)):
        for f, finger in enumerate(FINGERS):
            base = len(joints)
            for k in range(3):
                joints.append(joints[wrist] + np.array([s * (0.08 + 0.03 * k), 0.0, 0.04 - 0.02 * f]))
                parents.append(wrist if k == 0 else base + k - 1)
    return np.stack(joints), parents


def write_body_model(path: Path, n_vertices_per_joint: int = 2) -> Path:
    """A fake SMPL-H ``model.npz``; each joint is the mean of its own little vertex cluster."""
    joints, parents = smplh_joints()
    k = len(joints)
    v = k * n_vertices_per_joint
    rng = np.random.default_rng(0)
    spread = rng.normal(scale=0.01, size=(k, n_vertices_per_joint, 3))
    spread -= spread.mean(axis=1, keepdims=True)
    v_template = (joints[:, None, :] + spread).reshape(v, 3)
    j_regressor = np.zeros((k, v))
    for j in range(k):
        j_regressor[j, j * n_vertices_per_joint : (j + 1) * n_vertices_per_joint] = 1.0 / n_vertices_per_joint
    shapedirs = np.zeros((v, 3, 16))
    shapedirs[:, 1, 0] = v_template[:, 1] * 0.05  # beta 0 makes the body taller
    kintree = np.array([[4294967295] + parents[1:], list(range(k))], dtype=np.int64)
    np.savez(
        path, J_regressor=j_regressor, v_template=v_template, shapedirs=shapedirs,
        posedirs=np.zeros((v, 3, 459)), weights=np.full((v, k), 1.0 / k), f=np.zeros((4, 3), dtype=np.uint32),
        kintree_table=kintree,
    )  # fmt: skip
    return path


def amass_poses(action: str, frames: int, fps: float, heading: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(poses (N, 156), trans (N, 3)) of a procedural action, Z up like AMASS."""
    t = torch.arange(frames, dtype=torch.float64) / fps
    rv = torch.zeros(frames, 52, 3, dtype=torch.float64)
    z_up = roma.rotvec_to_rotmat(torch.tensor([math.pi / 2, 0.0, 0.0], dtype=torch.float64))
    turn = roma.rotvec_to_rotmat(torch.tensor([0.0, 0.0, heading], dtype=torch.float64))
    rv[:, 0] = roma.rotmat_to_rotvec(turn @ z_up).expand(frames, 3)
    rv[:, 16, 2] = -1.2  # arms down from the T-pose
    rv[:, 17, 2] = 1.2
    w = 2 * math.pi * 1.1 * t
    trans = torch.zeros(frames, 3, dtype=torch.float64)
    trans[:, 2] = 0.92
    if action == "walk":
        rv[:, 1, 0] = 0.5 * torch.sin(w)
        rv[:, 2, 0] = -0.5 * torch.sin(w)
        rv[:, 4, 0] = 0.4 * (1 + torch.sin(w + 1.0))
        rv[:, 5, 0] = 0.4 * (1 + torch.sin(w + 1.0 + math.pi))
        forward = turn @ torch.tensor([0.0, -1.0, 0.0], dtype=torch.float64)  # SMPL +Z after the Z-up turn
        trans = trans + 1.2 * t[:, None] * forward
    elif action == "wave":
        rv[:, 16, 2] = 1.2
        rv[:, 18, 1] = 0.8 + 0.5 * torch.sin(2 * w)
    elif action == "raise arms":
        rv[:, 16, 2] = 1.3 * (0.5 + 0.5 * torch.sin(w))
        rv[:, 17, 2] = -1.3 * (0.5 + 0.5 * torch.sin(w))
    return rv.reshape(frames, 156).numpy(), trans.numpy()


def write_amass(path: Path, actions: list[str], seconds: float = 3.0, fps: float = 60.0, heading: float = 0.0) -> Path:
    """An AMASS-style ``*_poses.npz`` playing ``actions`` one after another."""
    n = int(seconds * fps)
    parts = [amass_poses(a, n, fps, heading) for a in actions]
    poses = np.concatenate([p for p, _ in parts])
    trans = np.concatenate([tr for _, tr in parts])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, poses=poses, trans=trans, betas=np.zeros(16), gender=np.array("male"),
             mocap_framerate=np.array(fps), dmpls=np.zeros((len(poses), 8)))  # fmt: skip
    return path


def write_babel_fixture(root: Path, n_train: int = 8, n_val: int = 4) -> tuple[Path, Path]:
    """AMASS files under ``root/amass`` and BABEL ``train.json``/``val.json`` under ``root/babel``.

    Even sequences carry two frame-level segments (3 s each); odd ones only a sequence
    label. ``feat_p`` repeats the sub-dataset folder as real BABEL does; half the files are
    stored without it (as AMASS archives unpack) and half with it.
    """
    amass, babel = root / "amass", root / "babel"
    babel.mkdir(parents=True, exist_ok=True)
    sid = 0
    for name, count in (("train", n_train), ("val", n_val)):
        out = {}
        for i in range(count):
            a, b = CLASSES[sid % 4], CLASSES[(sid + 1) % 4]
            actions = [a, b] if i % 2 == 0 else [a]
            feat_p = f"CMU/CMU/{sid:02d}/{sid:02d}_01_poses.npz"
            rel = Path(feat_p) if sid % 2 else Path(*Path(feat_p).parts[1:])
            write_amass(amass / rel, actions, heading=0.4 * sid)
            dur = 3.0 * len(actions)

            def label(cat: str, **span: float) -> dict:
                raw, proc = TEXTS[cat]
                return {"raw_label": raw, "proc_label": proc, "seg_id": f"seg-{sid}-{cat}", "act_cat": [cat], **span}

            entry = {"babel_sid": sid, "url": f"https://example.invalid/{sid:06d}.mp4", "feat_p": feat_p, "dur": dur,
                     "seq_ann": {"babel_lid": f"lid-{sid}", "anntr_id": "a", "mul_act": len(actions) > 1,
                                 "labels": [label(a)]},
                     "frame_ann": None}  # fmt: skip
            if len(actions) > 1:
                segs = [label(a, start_t=0, end_t=3.0), label(b, start_t=3.0, end_t=dur)]
                entry["frame_ann"] = {"babel_lid": f"flid-{sid}", "anntr_id": "b", "mul_act": True, "labels": segs}
            out[str(sid)] = entry
            sid += 1
        (babel / f"{name}.json").write_text(json.dumps(out))
    return amass, babel


def write_humanml3d_fixture(root: Path, n: int = 12) -> tuple[Path, Path]:
    """AMASS files under ``root/amass`` and a HumanML3D folder (index.csv, texts/, splits)."""
    amass, hml = root / "amass", root / "humanml3d"
    (hml / "texts").mkdir(parents=True, exist_ok=True)
    rows = ["source_path,start_frame,end_frame,new_name"]
    splits: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for i in range(n):
        action = CLASSES[i % 3]
        sub = "Eyes_Japan_Dataset/aita" if i == 0 else f"KIT/{i}"
        rel = f"{sub}/{action.replace(' ', '_')}_{i:02d}_poses"
        write_amass(amass / f"{rel}.npz", [action], seconds=6.0, fps=60.0, heading=0.5 * i)
        name = f"{i:06d}"
        rows.append(f"./pose_data/{rel}.npy,0,{60 if i == 0 else 100},{name}.npy")
        cap = {"walk": "a person walks forward", "wave": "a person waves with the left hand",
               "raise arms": "a person raises both arms"}[action]  # fmt: skip
        lines = [f"{cap}.#a/DET person/NOUN {action.split()[0]}/VERB#0.0#0.0",
                 f"someone does it: {action}.#someone/PRON#0.0#0.0"]  # fmt: skip
        if i % 4 == 1:
            lines.append("then stands for a moment.#stand/VERB#2.0#4.0")
        (hml / "texts" / f"{name}.txt").write_text("\n".join(lines) + "\n")
        splits["test" if i % 4 == 3 else "val" if i % 4 == 2 else "train"].append(name)
    rows.append("./pose_data/humanact12/humanact12/P01G01R01F0069T0143A0102.npy,0,60,009999.npy")
    (hml / "index.csv").write_text("\n".join(rows) + "\n")
    for k, names in splits.items():
        (hml / f"{k}.txt").write_text("\n".join(names) + "\n")
    return amass, hml
