"""Open the desktop app (the only place the CLI touches the ui package)."""

from __future__ import annotations

import argparse


def launch_app(args: argparse.Namespace) -> int:
    try:
        from draftwheel.ui.app import run_app
    except ImportError:
        # The window is not built yet in this install: show the engine working instead.
        from draftwheel.cli.revise_cmd import demo

        return demo()
    return run_app()
