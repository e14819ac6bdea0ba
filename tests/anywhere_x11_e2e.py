"""Run under Xvfb by tests/test_hotkey.py: revise anywhere end to end on a real X server.

``target`` mode is the other application: a Qt line edit, its text selected by simulated keys, printing its text
as JSON when told to end (a line on its stdin). The default mode is Draftwheel's side: it loads the
bundled model (the GGUF named by DRAFTWHEEL_TEST_MODEL) on the engine worker, starts the target,
registers the global shortcut, presses it (XTest), waits for the model's revision in the review
popup, accepts, and the binding pastes back with a simulated Ctrl+V. The target's final text is
the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from draftwheel.ui.qt import QApplication, QLineEdit, QMainWindow, QObject, QTimer, Signal

ORIGINAL = "Their was alot of people at the meeting yesterday."


def target() -> None:
    app = QApplication([])
    edit = QLineEdit(ORIGINAL)
    edit.setGeometry(0, 0, 400, 40)
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    edit.deselect()  # the user selects it, from outside this process (below)
    print("ready", flush=True)

    class Stdin(QObject):
        end = Signal()

    stdin = Stdin()
    stdin.end.connect(lambda: (print(json.dumps({"text": edit.text()}), flush=True), app.quit()))
    threading.Thread(target=lambda: (sys.stdin.readline(), stdin.end.emit()), daemon=True).start()
    app.exec()


def _engine():
    """The real engine worker on the bundled model, in a throw-away data folder."""
    from draftwheel.config import Settings, app_paths
    from draftwheel.workers.engine_worker import EngineWorker

    model = Path(os.environ["DRAFTWHEEL_TEST_MODEL"])
    paths = app_paths(Path(tempfile.mkdtemp(prefix="anywhere-e2e-")))
    os.link(model, paths.models_dir / model.name)
    engine = EngineWorker(paths)
    loaded = []
    engine.loaded.connect(loaded.append)
    engine.load(Settings(n_ctx=2048))
    _wait(lambda: bool(loaded), 300)
    return engine


def _wait(cond, seconds: float) -> bool:
    end = time.time() + seconds
    while not cond() and time.time() < end:
        QApplication.processEvents()
        time.sleep(0.01)
    return bool(cond())


def main() -> None:
    from pynput.mouse import Controller as Mouse

    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.hotkey_binding import HotkeyBinding
    from draftwheel.ui.selection_popup import SelectionPopup
    from draftwheel.workers.hotkey import send_keys

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # the popup is the only window shown
    engine = _engine()  # before the target: loading takes seconds the target need not wait through
    proc = subprocess.Popen(
        [sys.executable, __file__, "target"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    Mouse().position = (200, 20)  # no window manager: the focus follows the pointer back to the target
    app.clipboard().setText("the user's clipboard")
    popups = []

    class Tray:
        def revise_anywhere(self, text):
            popup = SelectionPopup(engine, text, tasks()["grammar"])
            popup.move(500, 400)  # away from the pointer, as near-the-cursor would not be here
            popup.show()
            popups.append(popup)
            return popup

    window = QMainWindow()
    window.tray = Tray()  # type: ignore[attr-defined]
    binding = HotkeyBinding(window)
    seen = {"problem": binding.apply("Ctrl+Alt+R")}
    send_keys("ctrl", "a")  # the user selects the target's text with the keyboard (XTest, as xdotool would)
    _wait(lambda: False, 0.3)
    QTimer.singleShot(300, lambda: send_keys("ctrl", "alt", "r"))
    # The user reads the diff and accepts once the model's revision is there.
    _wait(lambda: bool(popups) and (popups[0].revision is not None or "failed" in popups[0].status.text()), 300)
    popup = popups[0] if popups else None
    seen["selected"] = popup.original if popup else None
    seen["revision"] = popup.revision if popup else None
    if popup is not None and popup.copy_btn.isEnabled():
        from PySide6.QtTest import QTest

        from draftwheel.ui.qt import Qt

        QTest.keyClick(popup.copy_btn, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # accept: Ctrl+Return
    _wait(lambda: False, 3)  # the binding pastes after the focus is back, then restores the clipboard
    seen["clipboard"] = app.clipboard().text()
    seen["outcome"] = popup.record["outcome"] if popup is not None and popup.record else None
    binding.hotkey.stop()
    engine.shutdown()
    out, _ = proc.communicate("end\n", timeout=30)
    seen["target"] = json.loads(out.strip().splitlines()[-1])["text"]
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    target() if sys.argv[1:] == ["target"] else main()
