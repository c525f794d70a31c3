"""Quick validation metrics of a trained model (developer tool used on the GPU box).

    python scripts/device_eval.py MODEL.safetensors DATA.safetensors TEXT_TABLE.safetensors
Prints JSON: val zero-shot content top-1 per dataset, reconstruction MPJPE (mm).
"""

from __future__ import annotations

import json
import sys

import torch
import torch.nn.functional as F

from motionclip.data.cache import MotionCache
from motionclip.data.labels import class_prompt
from motionclip.generation import load_model
from motionclip.text.table import TableBackend


@torch.no_grad()
def main(model_path: str, data: str, table: str, split: str = "val") -> dict:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_model(model_path, device=device)
    backend = TableBackend(table)
    cache = MotionCache.load(data)
    idx = cache.window_indices(split)
    rot, trans = cache.windows(idx)
    labels = cache.window_labels(idx)
    zs, errs = [], []
    for s in range(0, len(idx), 256):
        r, t = rot[s : s + 256].to(device), trans[s : s + 256].to(device)
        z = model.encode(r, t)
        pr, pt = model.decode_features(z, r.shape[1])
        off = cache.tensors["take_offsets"][labels["take"][s : s + 256]].to(device)
        errs.append((model.positions(pr, pt, off) - model.positions(r, t, off)).norm(dim=-1).mean(dim=(1, 2)).cpu())
        zs.append(z.cpu())
    z = F.normalize(torch.cat(zs), dim=-1)
    out = {"split": split, "windows": len(idx), "mpjpe_mm": float(torch.cat(errs).mean()) * 1000}
    classes_of = cache.classes_by_dataset("content")
    for d, name in enumerate(cache.datasets):
        classes = classes_of[d]
        emb = backend.encode_text([class_prompt(cache.contents[c]) for c in classes])
        sel = labels["dataset"] == d
        pred = torch.tensor(classes)[(z[sel] @ emb.T).argmax(-1)]
        out[f"zs_top1_{name}"] = float((pred == labels["content"][sel]).float().mean())
        out[f"n_{name}"] = int(sel.sum())
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:]), indent=1))
