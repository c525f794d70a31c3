"""Rich tables for the evaluation reports (the JSON files hold the same numbers)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, fmt: str = ".1f") -> str:
    return "n/a" if x is None or x != x else format(x, fmt)


def _limb(row: dict[str, Any]) -> str:
    """Reconstructed limb-speed ratio, mean / min over content classes (older reports: n/a)."""
    mean, low = row.get("limb_ratio_mean"), row.get("limb_ratio_min")
    return "n/a" if mean is None or low is None else f"{mean:.2f} / {low:.2f}"


def print_eval(report: dict[str, Any], console: Console) -> None:
    """All sections of ``eval run`` as tables."""
    console.print(
        f"[bold]{report['checkpoint']}[/bold] on {report['data']} / {report['split']} "
        f"({report['windows']} windows, backend {report['backend']}, {report['seconds']:.1f} s)"
    )
    r = report["reconstruction"]
    t = Table("reconstruction", "value", title="Reconstruction")
    t.add_row("MPJPE (mm)", _num(r["mpjpe_mm"]))
    t.add_row("MPJPE root-relative (mm)", _num(r["mpjpe_root_relative_mm"]))
    t.add_row("rotation error (deg)", _num(r["rotation_error_deg"], ".2f"))
    t.add_row("velocity error (mm/frame)", _num(r["velocity_error_mm_per_frame"], ".2f"))
    t.add_row("re-encoding cos(E(D(z)), z)", _num(r.get("reencoding_cosine"), ".3f"))
    console.print(t)
    if "realism" in r:
        print_realism(r["realism"], console, "Reconstruction realism (vs the same real windows)")

    t = Table("labels", "dataset", "classes", "windows", "top-1", "top-5", title="Zero-shot recognition")
    for key in ("content", "style"):
        zs = report["zero_shot"][key]
        for name, v in zs["per_dataset"].items():
            t.add_row(key, name, str(v["classes"]), str(v["n"]), _pct(v["top1"]), _pct(v["top5"]))
        o = zs["overall"]
        t.add_row(key, "[bold]overall[/bold]", "", str(o["n"]), _pct(o["top1"]), _pct(o["top5"]))
    console.print(t)

    t = Table(
        "direction", "candidates", "R@1", "R@5", "R@10", "chance R@1/5/10", title="Retrieval (hit = same content+style)"
    )
    for key, name in (("text_to_motion", "text -> motion"), ("motion_to_text", "motion -> text")):
        v = report["retrieval"][key]
        chance = "/".join(_pct(v["chance"][f"R@{k}"]) for k in (1, 5, 10))
        t.add_row(name, str(v["candidates"]), _pct(v["R@1"]), _pct(v["R@5"]), _pct(v["R@10"]), chance)
    console.print(t)

    g = report.get("generation")
    if g is None:
        console.print("generation: skipped (no --judge; train one with `motionclip eval train-judge`)")
        return
    t = Table("set", "content acc", "style acc", "FID", "diversity", "variety/content", "n", title="Generation (judge)")
    gen, real = g["generated"], g["real"]
    t.add_row(
        "generated", _pct(gen["content_acc"]), _pct(gen["style_acc"]), _num(gen["fid"], ".2f"),
        _num(gen["diversity"], ".2f"), _num(gen["within_content_variety"], ".2f"), str(gen["n"]),
    )  # fmt: skip
    t.add_row(
        "real (ceiling)", _pct(real["content_acc"]), _pct(real["style_acc"]), _num(real["fid"], ".2f"),
        _num(real["diversity"], ".2f"), _num(real["within_content_variety"], ".2f"), str(real["matched_n"]),
    )  # fmt: skip
    console.print(t)
    console.print(
        f"prompts: {g['prompts']['count']} from {g['prompts']['source']}; real accuracy on {real['accuracy_on']}"
    )
    per = gen.get("per_dataset") or {}
    if per:
        console.print(
            "generated, per dataset: "
            + "; ".join(
                f"{k}: content {_pct(v['content_acc'])}, style {_pct(v['style_acc'])} (n={v['n']})"
                for k, v in per.items()
            )
        )
    sm = gen.get("samples")
    if sm:
        console.print(
            f"{sm['samples_per_prompt']} samples per prompt: multimodality {_num(sm['multimodality'], '.2f')} "
            f"(real windows of the same label: {_num(sm['real_multimodality'], '.2f')}); judge accuracy of the "
            f"samples: content {_pct(sm['content_acc'])}, style {_pct(sm['style_acc'])}"
        )
    for name, v in (gen.get("by_duration") or {}).items():
        console.print(
            f"generated {name}: content {_pct(v['content_acc'])}, style {_pct(v['style_acc'])} "
            f"over {v['windows_judged']} judged windows"
        )
    rp = gen.get("r_precision")
    if rp:
        console.print(
            f"R-precision (latent space, pool {rp['pool']}): top-1 {_pct(rp['top1'])}, top-2 {_pct(rp['top2'])}, "
            f"top-3 {_pct(rp['top3'])}; re-encoding cosine {_num(gen.get('reencoding_cosine'), '.3f')}"
        )
    if "realism" in gen:
        print_realism(gen["realism"], console, "Generation realism (vs real windows of the same content)")


def print_realism(rep: dict[str, Any], console: Console, title: str) -> None:
    """Overall realism metrics and the per-content limb-speed ratios."""
    t = Table("metric", "value", "real", "ratio (mean / min over contents)", title=title)
    for key, v in rep["overall"].items():
        unit = rep["units"][key]
        mean, low = v["ratio_mean_over_contents"], v["ratio_min_over_contents"]
        t.add_row(
            f"{key} ({unit})",
            _num(v["value"], ".3f"),
            _num(v["real"], ".3f"),
            f"{_num(mean, '.2f')} / {_num(low, '.2f')}",
        )
    console.print(t)
    cells = [
        f"{name} {_num(e['limb_speed']['ratio'], '.2f')}" for name, e in rep["per_content"].items() if "limb_speed" in e
    ]
    console.print("limb-speed ratio per content: " + ", ".join(cells))


def print_ablation(report: dict[str, Any], console: Console) -> None:
    t = Table(
        "variant", "MPJPE (mm)", "limb ratio (mean/min)", "content top-1", "content top-5", "style top-1",
        "style top-5", "t->m R@5",
        title=f"Ablation ({report['budget_steps']} steps, {report['split']} split, backend {report['backend']})",
    )  # fmt: skip
    for row in report["rows"]:
        if not row["available"]:
            t.add_row(row["variant"], *(["n/a"] * 7))
            continue
        t.add_row(
            row["variant"], _num(row["mpjpe_mm"]), _limb(row), _pct(row["content_top1"]), _pct(row["content_top5"]),
            _pct(row["style_top1"]), _pct(row["style_top5"]), _pct(row["t2m_R@5"]),
        )  # fmt: skip
    console.print(t)
    for row in report["rows"]:
        if not row["available"]:
            console.print(f"{row['variant']} ({row['name']}): n/a - {row['reason']}")


def print_seeds(report: dict[str, Any], console: Console) -> None:
    t = Table(
        "seed", "content top-1", "content top-5", "style top-1", "MPJPE (mm)", "limb ratio (mean/min)",
        title=report["metric"],
    )  # fmt: skip
    for r in report["runs"]:
        t.add_row(
            str(r["seed"]), _pct(r["content_top1"]), _pct(r["content_top5"]), _pct(r["style_top1"]),
            _num(r["mpjpe_mm"]), _limb(r),
        )  # fmt: skip
    console.print(t)
    n = len(report["values"])
    console.print(f"content top-1: mean {_pct(report['mean'])} +- {_pct(report['std'])} (sample std over {n} seeds)")
    spread = report.get("spread", {})
    if spread.get("mpjpe_mm", {}).get("mean") is not None:
        mp, limb = spread["mpjpe_mm"], spread["limb_ratio_mean"]
        console.print(
            f"MPJPE: {mp['mean']:.1f} +- {mp['std']:.1f} mm; limb ratio: {limb['mean']:.2f} +- {limb['std']:.2f}"
        )
