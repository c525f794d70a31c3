"""The ``motionclip`` command line (typer): the root app and its thin commands.

Every command lives in a module of this package (:mod:`.data`, :mod:`.train`, :mod:`.apps`,
:mod:`.eval`, :mod:`.serve`, shared options in :mod:`.common`) and calls the application layer
(``motionclip.apps``, ``motionclip.training.run`` ...), which holds the checks and the work.
Importing this package is light (typer only): heavy imports happen inside the commands, so
``motionclip --help`` is fast.
"""

from __future__ import annotations

import sys

import typer

from motionclip.cli import apps, data, eval, serve, train
from motionclip.cli.common import err_console

app = typer.Typer(
    help="MotionCLIP: text-to-motion, motion editing and zero-shot recognition.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data.data_app, name="data")
app.command()(train.train)
app.command()(apps.generate)
app.command()(apps.render)
app.command("serve")(serve.serve)
app.command()(apps.interpolate)
app.command()(apps.edit)
app.command()(apps.classify)
app.command()(apps.retrieve)
app.add_typer(eval.eval_app, name="eval")

LATENCY_BOUND = {"generate", "interpolate", "edit", "classify", "render", "retrieve", "serve"}


def _set_threads(argv: list[str]) -> None:
    """Small single-motion work is fastest on one thread (no OpenMP barrier stalls on a busy
    machine); ``MOTIONCLIP_THREADS`` overrides."""
    import os

    wanted = os.environ.get("MOTIONCLIP_THREADS")
    if wanted is None and not (len(argv) > 1 and argv[1] in LATENCY_BOUND):
        return
    import torch

    torch.set_num_threads(max(1, int(wanted or 1)))


def main() -> None:
    """Console entry point: user errors print one line and exit 1, never a traceback."""
    from motionclip.errors import MotionCLIPError

    _set_threads(sys.argv)
    try:
        app()
    except MotionCLIPError as exc:
        from rich.markup import escape

        # escape: paths with [brackets] are not markup; soft_wrap: one line, however long
        err_console().print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(1)


__all__ = ["app", "main"]
