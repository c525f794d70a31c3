"""The README's headline figures, regenerated from the evaluation reports in ``docs/eval/``.

    python docs/readme_numbers.py                 # print each figure as the README states it
    python docs/readme_numbers.py --check README.md   # exit 1 naming any figure the README lacks

The reports come from ``bash scripts/cpu_eval.sh DATA CHECKPOINT docs/eval`` (see the README's
Results section); ``tests/test_readme_numbers.py`` checks that the README states these figures
and that the shipped checkpoint still measures them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EVAL = Path(__file__).resolve().parent / "eval"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _load(name: str, folder: Path = EVAL) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
    return data


def figures(folder: Path = EVAL) -> dict[str, str]:
    """Label -> the figure as the README writes it (MPJPE, zero-shot, retrieval, text -> motion)."""
    test, direct = _load("test.json", folder), _load("test_direct.json", folder)
    rec, zs, ret = test["reconstruction"], test["zero_shot"], test["retrieval"]
    out = {
        "MPJPE global / root-relative": f"{rec['mpjpe_mm']:.1f} / {rec['mpjpe_root_relative_mm']:.1f} mm",
        "rotation error": f"{rec['rotation_error_deg']:.2f}°",
    }
    for label in ("content", "style"):
        for ds, d in zs[label]["per_dataset"].items():
            out[f"zero-shot {label} {ds} top-1 / top-5"] = f"| {_pct(d['top1'])} | {_pct(d['top5'])} |"
    out["retrieval text -> motion R@1"] = f"R@1 {_pct(ret['text_to_motion']['R@1'])}"
    out["retrieval motion -> text R@1"] = f"motion → text R@1 {_pct(ret['motion_to_text']['R@1'])}"
    for name, report in (("shipped", test), ("paper decoding", direct)):
        gen = report["generation"]["generated"]
        for ds, d in gen["per_dataset"].items():
            out[f"{name} judge {ds}"] = f"{100 * d['content_acc']:.1f} / {100 * d['style_acc']:.1f} %"
        out[f"{name} judge all"] = f"{100 * gen['content_acc']:.1f} / {100 * gen['style_acc']:.1f} %"
    real = test["generation"]["real"]
    out["real judge"] = f"{100 * real['content_acc']:.1f} / {100 * real['style_acc']:.1f} %"
    return out


def missing(readme: str, folder: Path = EVAL) -> list[str]:
    """The figures the README text does not state."""
    return [f"{label}: {text}" for label, text in figures(folder).items() if text not in readme]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", type=Path, default=None, help="a README to check against the reports")
    args = parser.parse_args(argv)
    if args.check is None:
        for label, text in figures().items():
            print(f"{label}: {text}")
        return 0
    lost = missing(args.check.read_text(encoding="utf-8"))
    for line in lost:
        print(f"{args.check} lacks {line}", file=sys.stderr)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
