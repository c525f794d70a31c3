"""Pack a dataset cache small enough to send to a remote (GPU) machine, and unpack it.

Developer tool, not part of the package. Rotations travel as int16 unit quaternions
(sign-continuous, delta-coded along time, zlib-compressed), translation as float32; the
unpacked file has the same layout as ``motionclip data prepare`` output.

    python scripts/pack_cache.py pack data.safetensors packed.npz
    python scripts/pack_cache.py unpack packed.npz data.safetensors
"""

from __future__ import annotations

import json
import sys

import numpy as np
import roma
import torch
from safetensors.torch import load_file, safe_open, save_file

Q = 4096.0


def pack(src: str, dst: str) -> None:
    t = load_file(src)
    with safe_open(src, framework="pt") as fh:
        meta = json.dumps(fh.metadata())  # every header entry, whatever the format's key
    mats = roma.special_gramschmidt(t["rot6d"].reshape(*t["rot6d"].shape[:-1], 3, 2))
    q = roma.rotmat_to_unitquat(mats).numpy()  # (F, J, 4)
    flip = np.sum(q[1:] * q[:-1], axis=-1) < 0  # make sign continuous along time
    sign = np.concatenate([np.ones((1, q.shape[1])), np.cumprod(np.where(flip, -1.0, 1.0), axis=0)])
    q = q * sign[..., None]
    qi = np.round(q * Q).astype(np.int16)
    delta = np.diff(qi, axis=0, prepend=np.zeros_like(qi[:1]))  # int16 wrap-around is undone by cumsum
    rest = {k: v.numpy() for k, v in t.items() if k != "rot6d"}
    np.savez_compressed(dst, qdelta=delta, meta=np.array(meta), **rest)


def unpack(src: str, dst: str) -> None:
    d = np.load(src)
    qi = np.cumsum(d["qdelta"], axis=0, dtype=np.int16).astype(np.float32) / Q  # modular: exact
    q = torch.from_numpy(qi)
    q = q / q.norm(dim=-1, keepdim=True)
    mats = roma.unitquat_to_rotmat(q)
    tensors = {"rot6d": mats[..., :, :2].reshape(*mats.shape[:-2], 6).contiguous()}
    for k in d.files:
        if k not in ("qdelta", "meta"):
            tensors[k] = torch.from_numpy(d[k])
    save_file(tensors, dst, metadata=json.loads(str(d["meta"])))


if __name__ == "__main__":
    {"pack": pack, "unpack": unpack}[sys.argv[1]](sys.argv[2], sys.argv[3])
