"""Open the desktop app (the only place the CLI touches the ui package)."""

from __future__ import annotations

import argparse
import sys

from draftwheel.errors import DraftwheelError


def launch_app(args: argparse.Namespace | None = None) -> int:
    """Check that Qt can open a window here, then run the app. Any failure to start is one
    line on stderr and a non-zero exit code, never Qt's abort or a traceback."""
    from draftwheel.cli.qt_platform import check
    from draftwheel.config import app_paths

    try:
        check()
        app_paths()  # the data folder must be writable before a window promises anything
    except DraftwheelError as exc:  # PlatformError, DataFolderError: one line, no window
        print(f"draftwheel: error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        from draftwheel.ui.app import run_app

        return run_app(background=bool(getattr(args, "background", False)))
    except DraftwheelError as exc:  # e.g. PySide6 missing: say so in one line
        print(f"draftwheel: error: {exc} The command-line tools still work (draftwheel --help).", file=sys.stderr)
        return exc.exit_code


def gui_main() -> None:
    """Entry point of the ``draftwheel-gui`` script: the same checks as ``draftwheel``."""
    raise SystemExit(launch_app())
