"""Run under Xvfb by tests/test_hotkey.py: revise anywhere end to end on a real X server.

``target`` mode is the other application: a Qt line edit with its text selected, printing its text
as JSON when it ends. The default mode is Draftwheel's side: it starts the target, registers the
global shortcut, presses it (XTest), lets a scripted engine answer in the review popup, accepts,
and the binding pastes back with a simulated Ctrl+V. The target's final text is the result.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from draftwheel.ui.qt import QApplication, QLineEdit, QMainWindow, QObject, QTimer, Signal

ORIGINAL = "Their going home."


def target() -> None:
    app = QApplication([])
    edit = QLineEdit(ORIGINAL)
    edit.setGeometry(0, 0, 400, 40)
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    edit.selectAll()
    print("ready", flush=True)
    QTimer.singleShot(9000, lambda: (print(json.dumps({"text": edit.text()}), flush=True), app.quit()))
    app.exec()


class Engine(QObject):
    chunk = Signal(int, str)
    revised = Signal(object)
    revise_failed = Signal(int, str)

    def revise(self, text, task):
        from draftwheel.workers.engine_worker import RevisionJob, Suggestion

        job = RevisionJob(1, text, task)
        fixed = text.replace("Their", "They're")
        sug = Suggestion(1, text, fixed, "grammar", "", "zero", "m", None, 1.0, 1, 1, 1.0, "stop")
        QTimer.singleShot(100, lambda: self.revised.emit(sug))
        return job


def main() -> None:
    from pynput.mouse import Controller as Mouse

    from draftwheel.engine.prompts import tasks
    from draftwheel.ui.hotkey_binding import HotkeyBinding
    from draftwheel.ui.selection_popup import SelectionPopup
    from draftwheel.workers.hotkey import send_keys

    proc = subprocess.Popen([sys.executable, __file__, "target"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    Mouse().position = (200, 20)  # no window manager: the focus follows the pointer back to the target
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # the popup is the only window shown
    app.clipboard().setText("the user's clipboard")
    engine = Engine()
    popups = []

    class Tray:
        def revise_anywhere(self, text):
            popup = SelectionPopup(engine, text, tasks()["grammar"])
            popup.move(500, 400)  # away from the pointer, as near-the-cursor would not be here
            popup.show()
            popups.append(popup)
            QTimer.singleShot(600, popup.copy_result)  # the user accepts
            return popup

    window = QMainWindow()
    window.tray = Tray()  # type: ignore[attr-defined]
    binding = HotkeyBinding(window)
    seen = {"problem": binding.apply("Ctrl+Alt+R")}
    QTimer.singleShot(300, lambda: send_keys("ctrl", "alt", "r"))

    def finish() -> None:
        seen["selected"] = popups[0].original if popups else None
        seen["clipboard"] = app.clipboard().text()
        binding.hotkey.stop()
        app.quit()

    QTimer.singleShot(4000, finish)
    app.exec()
    out, _ = proc.communicate(timeout=30)
    seen["target"] = json.loads(out.strip().splitlines()[-1])["text"]
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    target() if sys.argv[1:] == ["target"] else main()
