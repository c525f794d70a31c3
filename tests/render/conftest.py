"""Fixtures for renderer tests (their skeleton helper ``render_test_skeleton`` lives in tests/)."""

from __future__ import annotations

import pytest

from motionclip.render import RenderConfig


@pytest.fixture
def small_config() -> RenderConfig:
    return RenderConfig(width=64, height=64)


@pytest.fixture
def config96() -> RenderConfig:
    return RenderConfig(width=96, height=96)
