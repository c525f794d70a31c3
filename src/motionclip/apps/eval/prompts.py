"""Prompts for the generation benchmark: text plus the content/style it should produce.

File format (UTF-8, one prompt per line, ``#`` starts a comment)::

    text<TAB>content<TAB>style

The package ships ``assets/prompts.txt``: one line per (content, style) pair of the
Bandai Namco dataset, the text being the pair's first description (``labels.describe``),
i.e. the label-conditioned setting of ACTOR with the same sentence the model trained on.

If the default file does not fit the evaluated dataset (a label it lacks) or the
checkpoint was trained on other contents, prompts are built from the dataset itself
(``prompts_from_cache``). A user-supplied file must fit; unknown labels are an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from motionclip.data.cache import MotionCache
from motionclip.errors import MotionCLIPError
from motionclip.io_utils import atomic_write_text


@dataclass(frozen=True)
class Prompt:
    text: str
    content: str
    style: str


def default_prompts_path() -> Path:
    return Path(str(resources.files("motionclip") / "assets" / "prompts.txt"))


def read_prompts(path: str | Path) -> list[Prompt]:
    """Parse a prompts file, naming the line of any malformed entry."""
    p = Path(path)
    if not p.is_file():
        raise MotionCLIPError(f"{p}: prompts file not found")
    out = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [x.strip() for x in line.split("\t")]
        if len(parts) != 3 or not all(parts):
            raise MotionCLIPError(f"{p}:{n}: expected 'text<TAB>content<TAB>style', got {line!r}")
        out.append(Prompt(*parts))
    if not out:
        raise MotionCLIPError(f"{p}: no prompts in file")
    return out


def write_prompts(prompts: Sequence[Prompt], path: str | Path, header: str = "") -> Path:
    lines = [f"# {h}" for h in header.splitlines()] + ["# text\tcontent\tstyle"]
    lines += [f"{x.text}\t{x.content}\t{x.style}" for x in prompts]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return Path(path)


def prompts_from_cache(cache: MotionCache) -> list[Prompt]:
    """One prompt per (content, style) pair of the dataset: its first description."""
    out = []
    for key in cache.meta["pairs"]:
        content, style = key.split("|")[:2]  # free-text groups are "content|style|n"
        out.append(Prompt(cache.meta["descriptions"][key][0], content, style))
    return out


def unknown_labels(prompts: Sequence[Prompt], cache: MotionCache) -> list[str]:
    contents, styles = set(cache.contents), set(cache.styles)
    bad = {f"content {x.content!r}" for x in prompts if x.content not in contents}
    bad |= {f"style {x.style!r}" for x in prompts if x.style not in styles}
    return sorted(bad)


def choose_prompts(
    cache: MotionCache, path: str | Path | None = None, checkpoint_meta: dict[str, Any] | None = None
) -> tuple[list[Prompt], str]:
    """The prompts to evaluate with and where they came from (for the report)."""
    if path is not None:
        prompts = read_prompts(path)
        bad = unknown_labels(prompts, cache)
        if bad:
            raise MotionCLIPError(f"{path}: labels not in {cache.path}: {', '.join(bad[:8])}")
        return prompts, str(path)
    trained = ((checkpoint_meta or {}).get("training") or {}).get("contents")
    if trained is not None and list(trained) != cache.contents:
        return prompts_from_cache(cache), "dataset descriptions (checkpoint trained on other contents)"
    default = default_prompts_path()
    prompts = read_prompts(default) if default.is_file() else []
    if not prompts or unknown_labels(prompts, cache):
        return prompts_from_cache(cache), "dataset descriptions (shipped prompts do not fit this dataset)"
    return prompts, "shipped prompts.txt"


if __name__ == "__main__":  # regenerate the shipped file: python -m motionclip.apps.eval.prompts CACHE
    import sys

    c = MotionCache.load(sys.argv[1])
    write_prompts(
        prompts_from_cache(c),
        default_prompts_path(),
        header="Generation-benchmark prompts: one per (content, style) pair of the Bandai Namco dataset.\n"
        "Built by `python -m motionclip.apps.eval.prompts CACHE` from labels.describe (first phrasing).",
    )
