"""Calibrating the far-from-training note: its threshold fitted on held-out paraphrases (in the
vocabulary) against prompts of actions absent from the data, with precision, recall and a
leave-one-out check; the same for classify's note on real files. Run it as
python -m motionclip.apps.vocabulary (or --write-table to rebuild the shipped table)."""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch.nn.functional as F

from motionclip.apps.vocabulary import FAR_COSINE, closeness, strings, training_descriptions, vocabulary
from motionclip.errors import MotionCLIPError
from motionclip.generation import load_model
from motionclip.generation.text_to_motion import MotionCLIP


# ----------------------------------------------------------------------------- calibration
def asset_prompts(name: str) -> list[str]:
    """Prompts of a shipped JSON asset (``heldout_paraphrases.json``: rows with "prompt";
    ``absent_actions.json``: strings)."""
    doc = json.loads((resources.files("motionclip") / "assets" / name).read_text(encoding="utf-8"))
    return [r["prompt"] if isinstance(r, dict) else str(r) for r in doc["prompts"]]


@dataclass(frozen=True)
class Scores:
    """Precision / recall of flagging out-of-vocabulary prompts at one threshold."""

    threshold: float
    precision: float
    recall: float
    f1: float
    in_flagged: int  # in-vocabulary prompts wrongly flagged
    out_flagged: int  # absent actions flagged

    def line(self) -> str:
        return (
            f"threshold {self.threshold:.3f}: precision {self.precision:.3f}, recall {self.recall:.3f}, "
            f"F1 {self.f1:.3f} (absent actions flagged {self.out_flagged}, in-vocabulary flagged {self.in_flagged})"
        )


def score(in_cos: Sequence[float], out_cos: Sequence[float], threshold: float) -> Scores:
    tp = sum(c < threshold for c in out_cos)
    fp = sum(c < threshold for c in in_cos)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / len(out_cos) if out_cos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(threshold, precision, recall, f1, fp, tp)


def fit_threshold(in_cos: Sequence[float], out_cos: Sequence[float]) -> Scores:
    """The threshold of the stated rule: max F1, midway between neighbouring scores, lowest on ties."""
    values = sorted(set(in_cos) | set(out_cos))
    if not values:
        raise MotionCLIPError("no prompts to calibrate on")
    candidates = [values[0] - 1e-3] + [(a + b) / 2 for a, b in itertools.pairwise(values)] + [values[-1] + 1e-3]
    best: Scores | None = None
    for t in candidates:
        s = score(in_cos, out_cos, t)
        if best is None or s.f1 > best.f1 + 1e-12:
            best = s
    assert best is not None
    return best


def leave_one_out(in_cos: Sequence[float], out_cos: Sequence[float]) -> Scores:
    """Each prompt judged by a threshold fitted without it (an estimate for unseen prompts)."""
    tp = fp = 0
    for i, c in enumerate(in_cos):
        t = fit_threshold([*in_cos[:i], *in_cos[i + 1 :]], out_cos).threshold
        fp += c < t
    for i, c in enumerate(out_cos):
        t = fit_threshold(in_cos, [*out_cos[:i], *out_cos[i + 1 :]]).threshold
        tp += c < t
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / len(out_cos) if out_cos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(float("nan"), precision, recall, f1, fp, tp)


@dataclass
class Calibration:
    in_cos: list[float]
    out_cos: list[float]
    fitted: Scores
    shipped: Scores
    loo: Scores
    auc: float


def calibrate(model: MotionCLIP, in_prompts: Sequence[str], out_prompts: Sequence[str]) -> Calibration:
    # the closeness generate reports (a joined prompt by its farther part)
    in_cos = [c.cosine for c in closeness(model, in_prompts)]
    out_cos = [c.cosine for c in closeness(model, out_prompts)]
    pairs = [(a > b) + 0.5 * (a == b) for a in in_cos for b in out_cos]
    auc = sum(pairs) / len(pairs) if pairs else float("nan")
    return Calibration(
        in_cos,
        out_cos,
        fit_threshold(in_cos, out_cos),
        score(in_cos, out_cos, FAR_COSINE),
        leave_one_out(in_cos, out_cos),
        auc,
    )


@dataclass
class ClassCalibration:
    """Best class cosine of real motion files, offered the training contents vs only absent actions."""

    files: int
    in_cos: list[float]
    out_cos: list[float]
    fitted: Scores
    shipped: Scores


def calibrate_classes(model: MotionCLIP, root: str, per_content: int = 4) -> ClassCalibration:
    """``per_content`` takes per content of a Bandai Namco copy at ``root`` (evenly spaced in
    name order), each classified against the checkpoint's contents and against the absent
    actions (``assets/absent_actions.json``); positives = the absent-only case."""
    from motionclip.apps.classify import FAR_CLASS_COSINE, class_text
    from motionclip.apps.inputs import motion_latent
    from motionclip.data.io import read_motion
    from motionclip.data.sources import discover

    if per_content < 1:
        raise MotionCLIPError(f"per_content must be at least 1, got {per_content}")
    takes = sorted(discover("bandai-namco", root).takes, key=lambda t: t.name)
    contents = strings((model.meta.get("training") or {}).get("contents")) or sorted({t.content for t in takes})
    by_content: dict[str, list[Any]] = {}
    for t in takes:
        by_content.setdefault(t.content, []).append(t)
    picked = []
    for group in by_content.values():
        step = max(1, len(group) // per_content)
        picked += group[::step][:per_content]
    known = F.normalize(model.encode_text([class_text(c) for c in contents]).float(), dim=-1)
    absent = F.normalize(model.encode_text(asset_prompts("absent_actions.json")).float(), dim=-1)
    in_cos, out_cos = [], []
    for take in picked:
        z = F.normalize(motion_latent(model, read_motion(take.path, up="auto")).float(), dim=-1)
        in_cos.append(float((known @ z).max()))
        out_cos.append(float((absent @ z).max()))
    return ClassCalibration(
        len(picked), in_cos, out_cos, fit_threshold(in_cos, out_cos), score(in_cos, out_cos, FAR_CLASS_COSINE)
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m motionclip.apps.vocabulary",
        description="Calibrate / check the 'far from every training description' threshold.",
    )
    parser.add_argument("--checkpoint", default=None, help="checkpoint (default: the shipped one)")
    parser.add_argument("--verbose", action="store_true", help="print every prompt's best cosine")
    parser.add_argument(
        "--motions", default=None, help="a Bandai Namco copy: also calibrate classify's far note on its files"
    )
    parser.add_argument("--per-content", type=int, default=4, help="files per content with --motions")
    parser.add_argument(
        "--write-table", default=None, metavar="PATH", help="write the descriptions' embedding table and stop"
    )
    args = parser.parse_args(argv)
    model = load_model(args.checkpoint)
    if args.write_table:
        from motionclip.text.table import write_table

        texts = [r[0] for r in training_descriptions(model.meta or {})[0]]
        print(write_table(model.backend, texts, args.write_table))
        return
    in_prompts, out_prompts = asset_prompts("heldout_paraphrases.json"), asset_prompts("absent_actions.json")
    cal = calibrate(model, in_prompts, out_prompts)
    vocab = vocabulary(model)
    print(f"vocabulary: {len(vocab)} descriptions ({vocab.source})")
    print(f"in-vocabulary (held-out paraphrases): {len(in_prompts)}; absent actions: {len(out_prompts)}")
    print(
        f"best cosine: in-vocabulary {min(cal.in_cos):.3f}..{max(cal.in_cos):.3f}, "
        f"absent {min(cal.out_cos):.3f}..{max(cal.out_cos):.3f}; AUC {cal.auc:.3f}"
    )
    print("flag = 'far' (the note) when best cosine < threshold; positives = absent actions")
    print(f"fitted (max F1):   {cal.fitted.line()}")
    print(f"shipped FAR_COSINE: {cal.shipped.line()}")
    print(f"leave-one-out:     precision {cal.loo.precision:.3f}, recall {cal.loo.recall:.3f}, F1 {cal.loo.f1:.3f}")
    if args.verbose:
        for name, prompts, cos in (("in", in_prompts, cal.in_cos), ("absent", out_prompts, cal.out_cos)):
            for p, c in sorted(zip(prompts, cos), key=lambda x: x[1]):
                print(f"  {name:6s} {c:.3f} {'FAR ' if c < FAR_COSINE else '    '}{p}")
    if args.motions:
        cc = calibrate_classes(model, args.motions, args.per_content)
        print(
            f"classify, {cc.files} real files: best class cosine with the training contents offered "
            f"{min(cc.in_cos):.3f}..{max(cc.in_cos):.3f} (median {_median(cc.in_cos):.3f}); "
            f"with only absent actions offered {min(cc.out_cos):.3f}..{max(cc.out_cos):.3f} "
            f"(median {_median(cc.out_cos):.3f})"
        )
        print(f"classify fitted (max F1):        {cc.fitted.line()}")
        print(f"classify shipped FAR_CLASS_COSINE: {cc.shipped.line()}")


def _median(values: Sequence[float]) -> float:
    v = sorted(values)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
