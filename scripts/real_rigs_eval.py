"""Zero-shot recognition on real third-party BVH: 22 CMU takes re-exported on the iClone CC_Base rig.

Usage: python scripts/real_rigs_eval.py BVH_DIR CHECKPOINT OUT.json

BVH_DIR holds the takes as ``002_01.bvh`` ... from a clone of DragonForgedTheArtist/IClone-CMU-Mocap
(not in this repository: their licence is the CMU database's). Labels come from that repository's
``CMU data.csv``; each file is classified among eight offered classes with default options, as a
user would run ``motionclip classify FILE --classes ...``. Reported in docs/experiments/canonical-body.md.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import motionclip
from motionclip.apps.classify import classify

LABELS = {"002_01": "walk", "002_02": "walk", "002_03": "run", "002_04": "jump", "002_05": "punch"}
LABELS |= {"005_01": "walk", "005_02": "dance", "005_03": "dance", "005_11": "dance", "006_01": "walk"}
LABELS |= {f"007_{i:02d}": "walk" for i in range(1, 13)}
CLASSES = "walk,run,jump,kick,punch,dance,wave-left-hand,wave-right-hand"


def main(bvh_dir: Path, checkpoint: str, out: Path) -> None:
    model = motionclip.load(checkpoint)
    files: dict[str, list] = {}
    per = collections.defaultdict(lambda: [0, 0])
    for take, label in LABELS.items():
        best = classify(model, str(bvh_dir / f"{take}.bvh"), CLASSES, top_k=1)[0]
        files[take] = [label, best.label, round(best.cosine, 3)]
        per[label][0] += best.label == label
        per[label][1] += 1
        print(take, label, best.label, round(best.cosine, 3), flush=True)
    top1 = sum(hit for hit, _ in per.values()) / len(LABELS)
    result = {
        "checkpoint": checkpoint,
        "body": model.body,
        "top1": top1,
        "n": len(LABELS),
        "per_class": {k: f"{a}/{b}" for k, (a, b) in per.items()},
        "files": files,
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"top-1 {top1:.3f} over {len(LABELS)} files")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
