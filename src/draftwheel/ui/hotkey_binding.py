"""The global shortcut: take the selection of any application, review it in the popup, paste back.

Press: the X11 primary selection is the highlighted text; where there is none, a simulated Ctrl+C
copies it. The popup (near the cursor) streams the diff; on accept the revision is on the
clipboard, the popup closes (focus goes back to the application) and a simulated Ctrl+V pastes
it, after which the user's clipboard is put back. On cancel the clipboard is put back too: the
user's clipboard and text are never lost.
"""

from __future__ import annotations

from draftwheel.app.hotkey import hotkey_unavailable, to_pynput
from draftwheel.ui.qt import QApplication, QClipboard, QMimeData, QObject, Qt, QTimer
from draftwheel.workers.hotkey import GlobalHotkey, send_keys

COPY_WAIT_MS = 150  # the application answers a simulated Ctrl+C asynchronously
PASTE_WAIT_MS = 250  # the window manager gives the focus back after the popup closes
RESTORE_WAIT_MS = 500  # the application reads the clipboard asynchronously after Ctrl+V


def _snapshot(clipboard: QClipboard) -> QMimeData:
    """A copy of the clipboard's contents (text, image, anything) to put back afterwards."""
    copy = QMimeData()
    data = clipboard.mimeData(QClipboard.Mode.Clipboard)
    if data is not None:
        for fmt in data.formats():
            copy.setData(fmt, data.data(fmt))
    return copy


class HotkeyBinding(QObject):
    def __init__(self, window, keys=send_keys):
        super().__init__(window)
        self.window = window
        self.keys = keys  # injectable: the fast tests record instead of pressing
        self.hotkey = GlobalHotkey(self)
        # Queued: pynput hands this process's own simulated keys to its listener synchronously, inside
        # send_keys; handling the press there would simulate Ctrl+C inside that call and deadlock pynput.
        self.hotkey.pressed.connect(self.triggered, Qt.ConnectionType.QueuedConnection)
        self.saved: QMimeData | None = None
        self.popup = None
        self.notice: str | None = None

    def apply(self, sequence: str) -> str | None:
        """Register ``sequence`` (Qt's spelling; empty: off); the one-line reason when it cannot be."""
        self.hotkey.stop()
        self.notice = None
        if not sequence:
            return None
        combo = to_pynput(sequence)
        problem = (
            f"The global shortcut {sequence!r} needs a modifier and one key, e.g. Ctrl+Alt+R."
            if combo is None
            else hotkey_unavailable()
        )
        if problem is None and combo is not None:
            problem = self.hotkey.start(combo)
        if problem:
            self.notice = problem
            self.window.statusBar().showMessage(problem, 10_000)
        return problem

    def triggered(self) -> None:
        if self.popup is not None and self.popup.isVisible():  # a second press while one is open
            self.popup.status.setText("Finish this revision first (Ctrl+Return or Esc).")
            self.popup.raise_()
            return
        cb = QApplication.clipboard()
        self.saved = _snapshot(cb)
        text = cb.text(QClipboard.Mode.Selection) if cb.supportsSelection() else ""
        if text.strip():
            self._open(text)
            return
        self.keys("ctrl", "c")  # no primary selection (or not X11): copy what is selected
        QTimer.singleShot(COPY_WAIT_MS, lambda: self._open(cb.text(QClipboard.Mode.Clipboard)))

    def _open(self, text: str) -> None:
        self.popup = popup = self.window.tray.revise_anywhere(text)
        popup.copied.connect(self._paste)
        popup.rejected.connect(self._restore)

    def _paste(self, _revision: str) -> None:
        QTimer.singleShot(PASTE_WAIT_MS, self._send_paste)

    def _send_paste(self) -> None:
        self.keys("ctrl", "v")
        QTimer.singleShot(RESTORE_WAIT_MS, self._restore)

    def _restore(self) -> None:
        if self.saved is not None:
            QApplication.clipboard().setMimeData(self.saved, QClipboard.Mode.Clipboard)
            self.saved = None
            app = QApplication.instance()
            if app is not None and not app.property("draftwheelReleasesClipboard"):
                app.setProperty("draftwheelReleasesClipboard", True)
                app.aboutToQuit.connect(_release_clipboard)


def _release_clipboard() -> None:
    """The restored QMimeData was made in Python and now belongs to the clipboard; Qt's exit
    handlers would delete it after Python has finalized (SIGSEGV on quit). Before quitting, hand
    the clipboard a copy Qt makes itself: the text stays; other formats go, as they would anyway
    when the app that owns an X11 clipboard quits without a clipboard manager."""
    cb = QApplication.clipboard()
    text = cb.text(QClipboard.Mode.Clipboard)
    if text:
        cb.setText(text, QClipboard.Mode.Clipboard)
    else:
        cb.clear(QClipboard.Mode.Clipboard)
