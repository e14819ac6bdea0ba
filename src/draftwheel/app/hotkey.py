"""The global shortcut's setting: Qt's spelling ("Ctrl+Alt+R", what the user sees and types)
turned into pynput's ("<ctrl>+<alt>+r"), and whether a global shortcut can work here at all.
Plain Python: the listener itself is ``workers.hotkey``."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

DEFAULT_HOTKEY = "Ctrl+Alt+R"
_MODIFIERS = {"ctrl": "<ctrl>", "alt": "<alt>", "shift": "<shift>", "meta": "<cmd>", "super": "<cmd>"}
_NAMED = {f"f{n}": f"<f{n}>" for n in range(1, 25)} | {
    "space": "<space>",
    "tab": "<tab>",
    "return": "<enter>",
    "enter": "<enter>",
    "insert": "<insert>",
    "home": "<home>",
    "end": "<end>",
}
WAYLAND_HOTKEY = (
    "Wayland: global shortcuts and key simulation are not allowed for ordinary apps there; "
    "bind a shortcut in your desktop's settings to `draftwheel revise-selection`."
)


def to_pynput(sequence: str) -> str | None:
    """``"Ctrl+Alt+R"`` -> ``"<ctrl>+<alt>+r"``; None for anything that is not modifiers plus one key
    (a global shortcut without a modifier would swallow that key in every application)."""
    parts = [p.strip().lower() for p in sequence.split("+")]
    if len(parts) < 2 or any(not p for p in parts):
        return None
    *mods, key = parts
    if any(m not in _MODIFIERS for m in mods) or key in _MODIFIERS:
        return None
    if len(key) == 1 and key.isprintable():
        name = key
    elif key in _NAMED:
        name = _NAMED[key]
    else:
        return None
    return "+".join([*dict.fromkeys(_MODIFIERS[m] for m in mods), name])


def hotkey_unavailable(env: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why no global shortcut can be registered here (one line), or None."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    if env.get("XDG_SESSION_TYPE", "").lower() == "wayland" or env.get("WAYLAND_DISPLAY"):
        return WAYLAND_HOTKEY
    if platform.startswith("linux") and not env.get("DISPLAY"):
        return "No X display: the global shortcut needs X11."
    return None
