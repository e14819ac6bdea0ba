"""Revise anywhere: a small popup that revises the selected text of another application.

It streams the model's revision as a word diff (the review panel's colours), and on accept puts
the revision on the clipboard; the user pastes it with Ctrl+V, because on Wayland (and for apps
that refuse simulated keys) nothing else may type into another application. Keys only:
Ctrl+Return copies, Esc cancels. The user's text is never changed here: only the clipboard is.
"""

from __future__ import annotations

from draftwheel.app.review import ACCEPT_ALL, READY, REJECT, ReviewSession
from draftwheel.ui.diff import SuggestionDiff
from draftwheel.ui.qt import (
    QApplication,
    QClipboard,
    QCursor,
    QDialog,
    QDialogButtonBox,
    QKeySequence,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    Signal,
)

MAX_WORDS = 5_000  # a revision request, not a book: past this the small model's stream takes minutes
PASTE_HINT = "Copied. Paste with Ctrl+V."


def read_selection(clipboard) -> str:
    """The X11 primary selection (what is highlighted) where there is one, else the clipboard's text."""
    if clipboard.supportsSelection():
        text = clipboard.text(QClipboard.Mode.Selection)
        if text.strip():
            return text
    return clipboard.text(QClipboard.Mode.Clipboard)


def selection_problem(text: str) -> str | None:
    """Why this selection cannot be revised, in one sentence; None when it can."""
    if not text.strip():
        return "Nothing is selected and the clipboard holds no text: select or copy some text first."
    words = len(text.split())
    if words > MAX_WORDS:
        return f"The selection is {words:,} words; revise at most {MAX_WORDS:,} at a time."
    return None


class SelectionPopup(QDialog):
    copied = Signal(str)  # the revision, now on the clipboard
    outcome = Signal(dict)  # the store record (``store.log_edit`` keywords) of what the user did with it

    def __init__(self, engine, text: str, task, parent=None):
        super().__init__(parent)
        self.setObjectName("selectionPopup")
        self.setWindowTitle(f"Draftwheel — {task.label}")
        self.engine = engine
        self.original = text
        self.partial = ""
        self.revision: str | None = None
        self.record: dict | None = None  # set when the popup closes on a finished suggestion
        # The editor's review logic decides the outcome and its record, so a revision taken here is
        # logged exactly like one accepted or rejected in the window (it feeds the same flywheel).
        self.session = ReviewSession(text, 0, len(text), task)
        self.job = None
        self.status = QLabel("Revising…")
        self.status.setObjectName("popupStatus")
        self.status.setWordWrap(True)
        self.view = QTextBrowser()
        self.view.setObjectName("popupDiff")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.copy_btn = self.buttons.addButton("Copy revision", QDialogButtonBox.ButtonRole.AcceptRole)
        self.copy_btn.setShortcut(QKeySequence("Ctrl+Return"))
        self.copy_btn.setToolTip("Ctrl+Return")
        self.copy_btn.setEnabled(False)
        self.buttons.accepted.connect(self.copy_result)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(QLabel("Ctrl+Return copies the revision · Esc cancels"))
        layout.addWidget(self.buttons)
        self.resize(520, 280)
        self.move(QCursor.pos())  # near where the user was working
        problem = selection_problem(text)
        if problem:
            self.status.setText(problem)
            return
        engine.chunk.connect(self._chunk)
        engine.revised.connect(self._revised)
        engine.revise_failed.connect(self._failed)
        self.job = engine.revise(text, task)

    def _chunk(self, job_id: int, piece: str) -> None:
        if self.job is not None and job_id == self.job.id:
            self.partial += piece
            self.view.setHtml(SuggestionDiff(self.original, self.partial).to_html())

    def _revised(self, sug) -> None:
        if self.job is None or sug.job != self.job.id or sug.cancelled:
            return
        self.revision = sug.text
        self.session.finish(sug)
        self.view.setHtml(SuggestionDiff(self.original, sug.text).to_html())
        if sug.all_rejected or sug.text == self.original:
            self.status.setText("No changes suggested: your text is fine as it is.")
            return
        self.status.setText("Review the changes: Ctrl+Return copies the revision, Esc cancels.")
        self.copy_btn.setEnabled(True)
        self.copy_btn.setFocus()

    def _failed(self, job_id: int, message: str) -> None:
        if self.job is not None and job_id == self.job.id:
            self.status.setText(f"The revision failed: {message}")

    def copy_result(self) -> None:
        if not self.copy_btn.isEnabled() or self.revision is None:
            return
        QApplication.clipboard().setText(self.revision, QClipboard.Mode.Clipboard)
        self.status.setText(PASTE_HINT)
        self._resolve(ACCEPT_ALL)
        self.copied.emit(self.revision)
        self.accept()

    def _resolve(self, answer: str) -> None:
        if self.session.suggestion is None or self.session.state != READY:
            return
        res = self.session.resolve(answer)
        if res.record is not None:
            self.record = res.record
            self.outcome.emit(res.record)

    def done(self, result: int) -> None:
        if self.job is not None and self.revision is None:
            self.job.cancel.cancel()  # closed mid-stream: the engine is free for the next request
        if result != QDialog.DialogCode.Accepted:
            self._resolve(REJECT)  # a suggestion seen and turned down is a rejection, as in the editor
        super().done(result)
