"""Starting with the session: the Linux entry written for real under a temporary XDG_CONFIG_HOME,
the macOS LaunchAgent and the Windows Run key checked as content (pure functions)."""

from __future__ import annotations

import configparser
import plistlib
import shlex

import pytest

from draftwheel.app import autostart
from draftwheel.config import Settings

ARGV = ["/opt/My Apps/draftwheel", "--background"]


def test_linux_entry_is_written_under_xdg_config_home_and_removed(tmp_path):
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    path = autostart.set_autostart(True, platform="linux", env=env, argv=ARGV)
    assert path == tmp_path / "cfg" / "autostart" / "draftwheel.desktop"
    assert autostart.is_enabled("linux", env)
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read_string(path.read_text(encoding="utf-8"))
    desk = entry["Desktop Entry"]
    # Reused from the shipped launcher entry: name, icon, WM class.
    assert desk["Name"] == "Draftwheel" and desk["Icon"] == "draftwheel" and desk["StartupWMClass"] == "Draftwheel"
    assert shlex.split(desk["Exec"]) == ARGV  # the space in the folder is quoted
    assert desk["X-GNOME-Autostart-enabled"] == "true"
    assert "TryExec" not in desk and "MimeType" not in desk
    autostart.set_autostart(False, platform="linux", env=env, argv=ARGV)
    assert not path.exists() and not autostart.is_enabled("linux", env)
    autostart.set_autostart(False, platform="linux", env=env, argv=ARGV)  # removing twice is fine


def test_linux_entry_falls_back_to_home_config_without_or_with_a_relative_xdg_config_home(tmp_path):
    for env in ({"HOME": str(tmp_path)}, {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "relative/cfg"}):
        assert autostart.autostart_file("linux", env) == tmp_path / ".config" / "autostart" / "draftwheel.desktop"


def test_macos_launch_agent_runs_the_app_once_at_login(tmp_path):
    assert autostart.autostart_file("darwin", {"HOME": str(tmp_path)}) == (
        tmp_path / "Library" / "LaunchAgents" / "org.draftwheel.Draftwheel.plist"
    )
    plist = plistlib.loads(autostart.launch_agent_plist(["/Apps/D & W.app/draftwheel", "--background"]).encode())
    assert plist == {
        "Label": "org.draftwheel.Draftwheel",
        "ProgramArguments": ["/Apps/D & W.app/draftwheel", "--background"],
        "RunAtLoad": True,
        "KeepAlive": False,
    }


def test_windows_run_key_value_quotes_the_path():
    assert autostart.autostart_file("win32", {"HOME": "C:/Users/a"}) is None  # the registry, no file
    value = autostart.run_key_value([r"C:\Program Files\Draftwheel\draftwheel.exe", "--background"])
    assert value == r'"C:\Program Files\Draftwheel\draftwheel.exe" --background'


def test_the_launch_command_starts_in_the_background():
    assert autostart.launch_command()[-1] == "--background"


def test_background_settings_default_off_and_validate():
    s = Settings()
    assert s.keep_in_tray is False and s.start_with_session is False
    assert s.updated(keep_in_tray=True).keep_in_tray is True
    from draftwheel.errors import DraftwheelError

    with pytest.raises(DraftwheelError):
        s.updated(start_with_session="yes")
