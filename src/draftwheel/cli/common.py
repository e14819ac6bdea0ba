"""Helpers shared by sub-commands: profile, settings, reading user input."""

from __future__ import annotations

import sys
from pathlib import Path

from draftwheel.config import AppPaths, Settings, app_paths, load_settings
from draftwheel.errors import InputError
from draftwheel.textio import decode_text, read_text


def profile() -> tuple[AppPaths, Settings]:
    paths = app_paths()
    return paths, load_settings(paths)


def read_input(file: str | None) -> tuple[str, str]:
    """(text, source name) from ``file`` or stdin."""
    if file:
        path = Path(file).expanduser()
        return read_text(path), str(path)
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("No input: pass --file F or pipe text on stdin.")
    return decode_text(sys.stdin.buffer.read(), "stdin"), "stdin"
