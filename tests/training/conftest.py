"""The shared torch fixtures and one-thread hooks (tests/torch_fixtures.py) for this folder."""

from torch_fixtures import (  # noqa: F401  # fixtures and hooks are found by name
    _embedding_cache_env,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    tiny_clip_dir,
    tiny_model,
)
