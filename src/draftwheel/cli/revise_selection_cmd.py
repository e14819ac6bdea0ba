"""``draftwheel revise-selection``: revise the selected (or copied) text of any application.

Meant to be bound to a shortcut in the desktop's own settings: on Wayland an ordinary app may
neither register a global shortcut nor simulate keys, so the desktop must start this command and
the user pastes the result. With an app window open, the text goes to it (its model is loaded);
otherwise a small review popup opens here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

WAYLAND_NOTE = (
    "Wayland: global shortcuts and key simulation are not allowed for ordinary apps there; "
    "bind a shortcut in your desktop's settings to `draftwheel revise-selection`."
)


def is_wayland(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(env.get("WAYLAND_DISPLAY"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "revise-selection",
        help="revise the selected or copied text of any application (bind it to a desktop shortcut)",
        description="Revise the X11 primary selection, else the clipboard's text; on accept the revision "
        "is put on the clipboard for you to paste with Ctrl+V. " + WAYLAND_NOTE,
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from draftwheel.cli.qt_platform import check
    from draftwheel.config import app_paths

    if is_wayland():
        print(WAYLAND_NOTE, file=sys.stderr)
    check()  # Qt can open a window here (the clipboard needs a display connection), else one line
    from draftwheel.ui.revise_selection import revise_selection

    return revise_selection(app_paths(), say=lambda line: print(line, file=sys.stderr))
