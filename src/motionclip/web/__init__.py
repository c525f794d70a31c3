"""Web demo: a FastAPI app and a three.js page to type text and watch the motion in 3D.

``motionclip serve`` starts it.  Importing this package is cheap: FastAPI is only
imported when :func:`create_app` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from motionclip.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from motionclip.web.app import create_app

        return create_app
    raise AttributeError(name)
