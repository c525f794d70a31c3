"""Fixtures for renderer tests; makes the helper module next to this file importable in any import mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from motionclip.render import RenderConfig

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def small_config() -> RenderConfig:
    return RenderConfig(width=64, height=64)


@pytest.fixture
def config96() -> RenderConfig:
    return RenderConfig(width=96, height=96)
