"""Run under Xvfb by tests/test_hotkey.py: the global shortcut and key simulation on a real X server.

Registers Ctrl+Alt+R with pynput, presses it by XTest, and pastes into a focused Qt line edit with a
simulated Ctrl+V. Prints one JSON line: what was seen.
"""

from __future__ import annotations

import json

from draftwheel.ui.qt import QApplication, QLineEdit, QTimer
from draftwheel.workers.hotkey import GlobalHotkey, send_keys

app = QApplication([])
edit = QLineEdit()
edit.show()
edit.activateWindow()
edit.setFocus()
seen = {"pressed": 0, "problem": None, "text": None}
hot = GlobalHotkey()
hot.pressed.connect(lambda: seen.__setitem__("pressed", seen["pressed"] + 1))
seen["problem"] = hot.start("<ctrl>+<alt>+r")


def press() -> None:
    send_keys("ctrl", "alt", "r")
    QApplication.clipboard().setText("They're going home.")
    QTimer.singleShot(300, lambda: send_keys("ctrl", "v"))
    QTimer.singleShot(1200, finish)


def finish() -> None:
    seen["text"] = edit.text()
    hot.stop()
    print(json.dumps(seen), flush=True)
    app.quit()


QTimer.singleShot(500, press)
app.exec()
