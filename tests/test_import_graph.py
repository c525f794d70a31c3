"""Data flows one way (formats -> dataset -> model -> apps -> surfaces): no module of ``data/``
imports ``model/``, ``apps/``, the CLI or the web service."""

from __future__ import annotations

import ast
from pathlib import Path

import motionclip

UPSTREAM = ("motionclip.model", "motionclip.apps", "motionclip.cli", "motionclip.web")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_data_imports_nothing_downstream() -> None:
    data = Path(motionclip.__file__).parent / "data"
    bad = [
        f"{f.name} imports {name}"
        for f in sorted(data.rglob("*.py"))
        for name in _imports(f)
        if name.startswith(UPSTREAM)
    ]
    assert not bad, bad
