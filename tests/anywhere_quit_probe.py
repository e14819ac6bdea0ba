"""Run by tests/test_hotkey.py: restore a clipboard snapshot through the binding, then quit the
app normally. Before the fix the process died with SIGSEGV in Qt's exit handlers."""

from draftwheel.ui.qt import QApplication, QMainWindow, QTimer

app = QApplication([])
window = QMainWindow()
from draftwheel.ui.hotkey_binding import HotkeyBinding, _snapshot  # noqa: E402

binding = HotkeyBinding(window, keys=lambda *k: None)
app.clipboard().setText("the user's clipboard")
binding.saved = _snapshot(app.clipboard())
binding._restore()
assert app.clipboard().text() == "the user's clipboard"
QTimer.singleShot(50, app.quit)
app.exec()
print("clipboard after quit:", app.clipboard().text())
