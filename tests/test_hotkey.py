"""The global shortcut: its setting's spelling, where it cannot work (one line why), the binding's
copy / review / paste / restore steps offscreen with recorded keys, and on a real X server (Xvfb)
the shortcut pressed and a paste simulated."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from draftwheel.app.hotkey import DEFAULT_HOTKEY, WAYLAND_HOTKEY, hotkey_unavailable, to_pynput
from draftwheel.config import Settings

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize(
    "seq, combo",
    [
        ("Ctrl+Alt+R", "<ctrl>+<alt>+r"),
        ("ctrl + shift + F9", "<ctrl>+<shift>+<f9>"),
        ("Meta+Space", "<cmd>+<space>"),
        ("R", None),  # no modifier: it would swallow the key everywhere
        ("Ctrl+Alt", None),
        ("Ctrl+Hyper+R", None),
        ("Ctrl++", None),
        ("", None),
    ],
)
def test_the_shortcut_is_spelled_for_pynput(seq, combo):
    assert to_pynput(seq) == combo


def test_default_and_where_it_cannot_work():
    assert Settings().global_hotkey == DEFAULT_HOTKEY == "Ctrl+Alt+R"
    assert hotkey_unavailable({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, "linux") == WAYLAND_HOTKEY
    assert "X11" in (hotkey_unavailable({}, "linux") or "")
    assert hotkey_unavailable({"DISPLAY": ":0"}, "linux") is None
    assert hotkey_unavailable({}, "win32") is None


@pytest.fixture
def window(qtbot, qapp, tmp_path, monkeypatch):
    from draftwheel.config import app_paths
    from draftwheel.config.paths import ENV_HOME
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    monkeypatch.setenv(ENV_HOME, str(tmp_path / "home"))
    svc = Services(app_paths(tmp_path / "home"), Settings(auto_train=False, n_threads=1))
    w = MainWindow(svc, offer_restore=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.editor.document().setModified(False)
    w.close()
    svc.shutdown()


@pytest.mark.gui
def test_binding_copies_reviews_pastes_and_restores_the_clipboard(qtbot, window):
    from draftwheel.ui.hotkey_binding import HotkeyBinding, _snapshot
    from draftwheel.ui.qt import QApplication

    pressed = []
    binding = HotkeyBinding(window, keys=lambda *k: pressed.append(k))
    cb = QApplication.clipboard()
    cb.setText("Their going home.")  # offscreen has no primary selection: the copy path
    binding.triggered()
    assert pressed == [("ctrl", "c")]
    qtbot.waitUntil(lambda: binding.popup is not None)
    popup = binding.popup
    assert popup.original == "Their going home."
    binding.triggered()  # a second press while the popup is open: told, nothing new
    assert "Finish this revision first" in popup.status.text() and binding.popup is popup
    cb.setText("the user's own clipboard")  # what the user had before (after the simulated copy)
    binding.saved = _snapshot(cb)
    popup.revision = "They're going home."
    popup.copy_btn.setEnabled(True)
    popup.copy_result()
    assert cb.text() == "They're going home."
    qtbot.waitUntil(lambda: ("ctrl", "v") in pressed, timeout=3000)
    qtbot.waitUntil(lambda: cb.text() == "the user's own clipboard", timeout=3000)
    # The restored QMimeData now belongs to the clipboard; Qt's exit handlers would delete it after
    # Python has finalized (gdb: Shiboken::Object::destroy with no thread state, SIGSEGV at exit).
    cb.clear()


@pytest.mark.gui
def test_binding_says_why_not_on_wayland_and_refuses_a_bare_key(qtbot, window, monkeypatch):
    from draftwheel.ui.hotkey_binding import HotkeyBinding

    binding = HotkeyBinding(window, keys=lambda *k: None)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    assert binding.apply("Ctrl+Alt+R") == WAYLAND_HOTKEY
    assert window.statusBar().currentMessage() == WAYLAND_HOTKEY
    assert "needs a modifier" in (binding.apply("R") or "")
    assert binding.apply("") is None and binding.hotkey.combo is None


@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="xvfb-run is not installed (the X11 test needs Xvfb)")
def test_on_a_real_x_server_the_shortcut_fires_and_ctrl_v_pastes(tmp_path):
    if importlib.util.find_spec("pynput") is None:  # not importorskip: pynput's import needs a display
        pytest.skip("pynput (the 'anywhere' extra) is not installed")
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent / "src"), "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("XDG_SESSION_TYPE", None)
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", sys.executable, str(TESTS / "anywhere_x11_probe.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, done.stdout + done.stderr
    seen = json.loads(lines[-1])
    assert seen["problem"] is None
    assert seen["pressed"] == 1
    assert seen["text"] == "They're going home."


@pytest.mark.slow  # the bundled model answers in the popup
@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="xvfb-run is not installed (the X11 test needs Xvfb)")
def test_on_a_real_x_server_another_apps_selection_is_revised_and_pasted_back(bundled_gguf):
    """Another process's line edit with its text selected; the shortcut pressed; the bundled model's
    revision accepted in the popup; the other process's text is replaced by it, the user's clipboard
    restored, and the outcome recorded as accepted."""
    if importlib.util.find_spec("pynput") is None:
        pytest.skip("pynput (the 'anywhere' extra) is not installed")
    env = {
        **os.environ,
        "PYTHONPATH": str(TESTS.parent / "src"),
        "QT_QPA_PLATFORM": "xcb",
        "DRAFTWHEEL_TEST_MODEL": str(bundled_gguf),
    }
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("XDG_SESSION_TYPE", None)
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", sys.executable, str(TESTS / "anywhere_x11_e2e.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, done.stdout + done.stderr
    seen = json.loads(lines[-1])
    original = "Their was alot of people at the meeting yesterday."
    assert seen["problem"] is None and seen["selected"] == original
    revision = seen["revision"]
    assert revision and revision != original, seen  # Harper's "There" and "a lot" join the model's answer
    assert seen["target"] == revision
    assert seen["clipboard"] == "the user's clipboard"
    assert seen["outcome"] == "accepted"


def test_quitting_after_a_clipboard_restore_does_not_crash():
    """The restored QMimeData belonged to the clipboard and was deleted after Python finalized."""
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent / "src"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(TESTS / "anywhere_quit_probe.py")], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "clipboard after quit: the user's clipboard" in done.stdout
