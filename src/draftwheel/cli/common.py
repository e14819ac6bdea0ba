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


STYLE_HELP = "a style by name or key: a preset or one of yours (see `draftwheel styles list`)"


def task_from(args, paths: AppPaths):
    """The prompt Task that ``--task`` / ``--style`` / ``--instruction`` (whichever the command has) name."""
    from draftwheel.flywheel.styles import resolve_in

    return resolve_in(
        paths,
        task=getattr(args, "task", None),
        style=getattr(args, "style", None),
        instruction=getattr(args, "instruction", None),
    )


def style_key(args, paths: AppPaths) -> str | None:
    """The key (task) a filter option means: ``--style NAME`` resolved, else ``--task`` as given, else None."""
    if getattr(args, "style", None):
        return task_from(args, paths).name
    return getattr(args, "task", None) or None


def read_input(file: str | None) -> tuple[str, str]:
    """(text, source name) from ``file`` or stdin."""
    if file:
        path = Path(file).expanduser()
        return read_text(path), str(path)
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("No input: pass --file F or pipe text on stdin.")
    return decode_text(sys.stdin.buffer.read(), "stdin"), "stdin"
