"""Open the desktop app (the only place the CLI touches the ui package)."""

from __future__ import annotations

import argparse
import sys

from draftwheel.errors import DraftwheelError


def launch_app(args: argparse.Namespace) -> int:
    try:
        from draftwheel.ui.app import run_app

        return run_app()
    except DraftwheelError as exc:  # e.g. PySide6 missing: say so in one line
        print(f"draftwheel: error: {exc}", file=sys.stderr)
        print("draftwheel: the command-line tools still work; see 'draftwheel --help'.", file=sys.stderr)
        return exc.exit_code
