"""Start Draftwheel with the user's session: XDG autostart, a macOS LaunchAgent, the Windows Run key.

Plain Python (no Qt). What is written is built by pure functions
(:func:`desktop_entry`, :func:`launch_agent_plist`, :func:`run_key_value`) so every platform's
content is tested on any machine; :func:`set_autostart` writes or removes it for this one.
The started app gets ``--background``: with "Keep running in the tray" it starts hidden in the
tray (the point of starting with the session), otherwise it opens its window as usual.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from draftwheel.config.atomic import atomic_write_text
from draftwheel.config.paths import resources_dir
from draftwheel.errors import DraftwheelError, write_error

BACKGROUND_FLAG = "--background"
DESKTOP_NAME = "draftwheel.desktop"
AGENT_LABEL = "org.draftwheel.Draftwheel"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Draftwheel"
# The shipped launcher entry, reused so the autostart entry keeps its name, icon and WM class.
SHIPPED_DESKTOP = "linux/org.draftwheel.Draftwheel.desktop"


def launch_command() -> list[str]:
    """How to start this install: the frozen app itself, the ``draftwheel`` script, or ``python -m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, BACKGROUND_FLAG]
    script = shutil.which("draftwheel")
    if script:
        return [script, BACKGROUND_FLAG]
    return [sys.executable, "-m", "draftwheel", BACKGROUND_FLAG]


def _quote_exec(arg: str) -> str:
    # Desktop Entry spec: an argument with reserved characters is double-quoted, with \ " ` $ escaped.
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def desktop_entry(template: str, argv: list[str]) -> str:
    """The shipped .desktop file with ``Exec`` starting ``argv`` (no file arguments) and autostart on."""
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(_quote_exec(a) for a in argv)
        elif line.startswith(("TryExec=", "MimeType=", "X-GNOME-Autostart-enabled=")):
            continue  # TryExec may name a script not on PATH; an autostart entry opens no files
        lines.append(line)
    lines.append("X-GNOME-Autostart-enabled=true")
    return "\n".join(lines) + "\n"


def launch_agent_plist(argv: list[str]) -> str:
    """A per-user LaunchAgent that runs ``argv`` once at login (launchd does not restart it)."""
    args = "\n".join(f"    <string>{escape(a)}</string>" for a in argv)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"  <key>Label</key>\n  <string>{AGENT_LABEL}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>\n{args}\n  </array>\n"
        "  <key>RunAtLoad</key>\n  <true/>\n"
        "  <key>KeepAlive</key>\n  <false/>\n"
        "</dict>\n</plist>\n"
    )


def run_key_value(argv: list[str]) -> str:
    """The Run key's command line (Windows quoting rules, as CreateProcess parses it)."""
    return subprocess.list2cmdline(argv)


def autostart_file(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """Where the entry lives on Linux/BSD (XDG_CONFIG_HOME honoured) or macOS; None on Windows (registry)."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    if platform.startswith("win"):
        return None
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
    config = env.get("XDG_CONFIG_HOME") or ""
    # The spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(config) if config and os.path.isabs(config) else home / ".config"
    return base / "autostart" / DESKTOP_NAME


def is_enabled(platform: str | None = None, env: Mapping[str, str] | None = None) -> bool:
    path = autostart_file(platform, env)
    if path is not None:
        return path.exists()
    return _read_run_key() is not None


def set_autostart(
    enabled: bool, platform: str | None = None, env: Mapping[str, str] | None = None, argv: list[str] | None = None
) -> Path | None:
    """Write (or remove) this platform's autostart entry; returns the file, or None for the registry."""
    platform = platform or sys.platform
    argv = argv or launch_command()
    path = autostart_file(platform, env)
    if path is None:
        _write_run_key(run_key_value(argv) if enabled else None)
        return None
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    if platform == "darwin":
        text = launch_agent_plist(argv)
    else:
        text = desktop_entry((resources_dir() / SHIPPED_DESKTOP).read_text(encoding="utf-8"), argv)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text, mode=0o644)
    except OSError as exc:
        raise write_error(
            exc, path.parent, f"write the autostart entry {path}", "Free some space and try again."
        ) from None
    return path


def _read_run_key() -> str | None:  # pragma: no cover - Windows only
    if not sys.platform.startswith("win"):
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            return str(winreg.QueryValueEx(key, RUN_VALUE)[0])
    except OSError:
        return None


def _write_run_key(value: str | None) -> None:  # pragma: no cover - Windows only
    if not sys.platform.startswith("win"):
        raise DraftwheelError("The Windows Run key exists only on Windows.")
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        if value is None:
            try:
                winreg.DeleteValue(key, RUN_VALUE)
            except FileNotFoundError:
                pass
        else:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, value)
