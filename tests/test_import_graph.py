"""Data flows one way through the layers of the package: every import of a ``motionclip`` module
points to the same layer or one below it, never back up.

    cli, the public API (motionclip/__init__.py, __main__)
    web                the HTTP server
    apps               user-level applications and the evaluation suite
    training           a training run (Lightning, losses, run state)
    generation         text -> latents -> motion on a trained network
    model              the network, its config and checkpoint format
    data | text        formats, datasets, the canonical body | embedding backends (peers: no arrow between)
    render             drawing motions (knows positions and bones only)
    base               errors, checks, config machinery, limits, tagged files, io_utils, version, lazy exports
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import motionclip

PACKAGE = Path(motionclip.__file__).parent
LAYERS: dict[str, int] = {
    "__init__": 0,
    "__main__": 0,
    "cli": 0,
    "web": 1,
    "apps": 2,
    "training": 3,
    "generation": 4,
    "model": 5,
    "data": 6,
    "text": 6,
    "render": 7,
    **{name: 8 for name in ("errors", "checks", "config", "limits", "tagged", "io_utils", "_version", "_lazy")},
}
PEERS_APART = {("data", "text"), ("text", "data")}


def _layer(module: str) -> str:
    """The layer of a dotted ``motionclip...`` module name: its first part below the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return ".".join(("motionclip", *rel.parts))


def _imports(path: Path) -> list[str]:
    """Every ``motionclip`` module ``path`` imports, at top level or inside functions."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "motionclip":  # "from motionclip import x" imports a submodule or the API
                names += [
                    f"motionclip.{a.name}" if _layer(f"motionclip.{a.name}") in LAYERS else "motionclip"
                    for a in node.names
                ]
            else:
                names.append(node.module)
    return [n for n in names if n == "motionclip" or n.startswith("motionclip.")]


SOURCES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_source_file_belongs_to_a_named_layer() -> None:
    unknown = sorted({_layer(_module_of(p)) for p in SOURCES} - set(LAYERS))
    assert not unknown, f"add these to LAYERS (and the docstring): {unknown}"


@pytest.mark.parametrize("layer", sorted(set(LAYERS)))
def test_no_import_points_back_up(layer: str) -> None:
    bad = []
    for path in SOURCES:
        here = _layer(_module_of(path))
        if here != layer:
            continue
        for name in _imports(path):
            there = _layer(name)
            if there not in LAYERS:
                bad.append(f"{path.relative_to(PACKAGE)} imports unknown {name}")
            elif LAYERS[there] < LAYERS[here] or (here, there) in PEERS_APART:
                bad.append(f"{path.relative_to(PACKAGE)} ({here}) imports {name} ({there})")
    assert not bad, bad


def test_the_checker_sees_an_arrow_back_up(tmp_path: Path) -> None:
    """The walk finds imports inside functions too (where the package puts its heavy ones)."""
    f = tmp_path / "m.py"
    f.write_text("def g():\n    from motionclip.apps.generate import generate\n    import motionclip\n")
    assert _imports(f) == ["motionclip.apps.generate", "motionclip"]
