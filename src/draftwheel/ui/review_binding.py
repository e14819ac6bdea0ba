"""The review of one suggestion in the window: editor, review panel and engine worker around app.review.

The session's state and decisions (what is offered, what an answer changes, the outcome to
log) are :class:`~draftwheel.app.review.ReviewSession`'s; this object picks the text in the
editor, streams the engine's answer into the panel and writes the resolved text back. It is a
QObject child of the window, so the engine's signals stop reaching it when the window is deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from draftwheel.app.review import ACCEPT_ALL, APPLY, CLOSED, EDITING, READY, REJECT, STREAMING, ReviewSession
from draftwheel.app.window_text import adapter_text
from draftwheel.engine.prompts import Task, custom_task
from draftwheel.ui.qt import QObject, QTextCursor
from draftwheel.ui.review import STAGE_NAMES
from draftwheel.ui.review_history import ReviewHistory
from draftwheel.workers.engine_worker import Suggestion

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow


def paragraph_cursor(editor) -> QTextCursor:
    """The selection, or the paragraph (lines between blank lines) around the cursor."""
    cursor = editor.textCursor()
    if cursor.hasSelection():
        return cursor
    block = cursor.block()
    if not block.text().strip():
        return cursor
    first = last = block
    while first.previous().isValid() and first.previous().text().strip():
        first = first.previous()
    while last.next().isValid() and last.next().text().strip():
        last = last.next()
    c = QTextCursor(editor.document())
    c.setPosition(first.position())
    # length() counts UTF-16 units like positions do (len() of the text would not: an emoji is two),
    # and includes the block's separator.
    c.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
    return c


class ReviewBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.session: ReviewSession | None = None
        eng, panel = window.services.engine, window.review
        eng.chunk.connect(self._on_chunk)
        eng.revised.connect(self._on_revised)
        eng.revise_failed.connect(self._on_revise_failed)
        panel.accept_all_requested.connect(self.accept_all)
        panel.decisions_changed.connect(self.update_actions)
        # Accepted suggestions stay followed after their review: undo/redo and edits right after are stored.
        self.history = ReviewHistory(window.editor, window.services.store, window)
        panel.apply_requested.connect(self.apply)
        panel.reject_requested.connect(self.reject)
        panel.cancel_requested.connect(self.cancel_generation)
        doc = window.editor.document()
        doc.undoAvailable.connect(self.update_actions)
        doc.redoAvailable.connect(self.update_actions)

    @property
    def w(self) -> MainWindow:
        # The window is this object's Qt parent; it is not kept in an attribute, since a reference cycle
        # would leave the window's deletion to Python's cyclic collector, on whichever thread runs it.
        return cast("MainWindow", self.parent())

    @property
    def busy(self) -> bool:
        return self.session is not None and self.session.state != CLOSED

    def _message(self, text: str, ms: int = 0) -> None:
        self.w.statusBar().showMessage(text, ms)

    def focus_custom(self) -> None:
        self.w.instruction.setFocus()
        self.w.instruction.selectAll()

    def revise_custom(self) -> None:
        text = self.w.instruction.text().strip()
        if not text:
            self._message("Type an instruction first, e.g. “Make it sound more confident”.", 5000)
            return
        self.revise(custom_task(text))

    def revise(self, task: Task) -> ReviewSession | None:
        """Start a suggestion for the selection (or the paragraph at the cursor)."""
        session = self.open_review(task)
        if session is not None:

            def start(_result: object = None) -> None:
                self._start_job(session)

            # The text the user corrected after the last accepted suggestion is stored before this
            # suggestion's few-shot examples are read (at once when there is nothing to store); from
            # here on, that suggestion's text is no longer followed.
            self.history.end_followup(on_done=start)
        return session

    def _refusal(self) -> str:
        """Why no review can open now ("" when one can)."""
        if self.busy:
            return "Finish reviewing the current suggestion first (accept, reject or Esc)."
        if not self.w.services.engine.ready:
            return "The model is not loaded yet; your suggestion can start when it is."
        return ""

    def open_review(self, task: Task) -> ReviewSession | None:
        """The review of the selection (or the paragraph at the cursor), before anything is generated."""
        refusal = self._refusal()
        if refusal:
            self._message(refusal, 5000)
            return None
        editor = self.w.editor
        cursor = paragraph_cursor(editor)
        text = cursor.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")
        if not text.strip():
            self._message("Select some text, or put the cursor in a paragraph, then pick a task.", 5000)
            return None
        editor.setTextCursor(cursor)  # show what is being revised
        self.w.last_task = task
        session = self.session = ReviewSession(text, cursor.selectionStart(), cursor.selectionEnd(), task)
        editor.setReadOnly(True)  # positions must stay valid until the answer is applied
        self.update_actions()  # no undo/redo under a pending suggestion
        self.w.review.begin(session)
        self.w.review.show()
        self.w.stage_label.setText("Stage: …")
        self._message(f"{task.label}: generating…")
        return session

    def _start_job(self, session: ReviewSession) -> None:
        if session is self.session and session.state == STREAMING and not session.job:
            # Only the words go to the model; the span's edge whitespace is put back around its answer.
            session.job = self.w.services.engine.revise(session.request_text, session.task).id

    def _on_chunk(self, job_id: int, piece: str) -> None:
        if self.session is None or self.session.job != job_id or self.session.state != STREAMING:
            return
        self.session.add(piece)
        self.w.review.add_text()

    def _on_revised(self, sug: Suggestion) -> None:
        s = self.session
        if s is None or s.job != sug.job:
            return
        w = self.w
        w.stage_label.setText(f"Stage: {STAGE_NAMES.get(sug.stage, sug.stage)}")
        w.speed_label.setText(f"{sug.tokens_per_s:.0f} tokens/s")
        st = w.services.engine.status
        w.adapter_label.setText(adapter_text(st.choice if st else "", sug.adapter))
        if sug.cancelled:
            self.close_review()
            self._message("Stopped. Your text is unchanged.", 5000)
            return
        s.finish(sug)
        w.review.finished()
        self._message("Review the suggestion: Accept all (Ctrl+Return), or pick changes.", 8000)

    def _on_revise_failed(self, job_id: int, message: str) -> None:
        if self.session is None or self.session.job != job_id:
            return
        self.close_review()
        self.w.show_error("The suggestion failed", message)

    def cancel_generation(self) -> None:
        """Esc: stop generating; once the suggestion is there, close it and keep the user's text."""
        if self.session is not None and self.session.state in (READY, EDITING):
            self.reject()
            return
        if self.session is None or self.session.state != STREAMING:
            return
        if not self.session.job:  # not handed to the engine yet
            self.close_review()
            self._message("Stopped. Your text is unchanged.", 5000)
            return
        self.w.services.engine.cancel()
        self._message("Stopping…")

    def accept_all(self) -> None:
        """Accept every change not rejected ("Accept the rest" once a change was decided).

        A suggestion with a part that may change the meaning is applied only after the user confirms.
        """
        s = self.session
        question = s.confirm_question(ACCEPT_ALL) if s is not None and s.suggestion is not None else ""
        if question and not self.w.review.confirm(question):
            self._message("Not applied: review the parts marked “may change your meaning”.", 5000)
            return
        self._finish(ACCEPT_ALL)

    def apply(self) -> None:
        self._finish(APPLY)

    def reject(self) -> None:
        self._finish(REJECT)

    def _finish(self, answer: str) -> None:
        s = self.session
        if s is None or s.suggestion is None or s.state == CLOSED or (answer != REJECT and not s.offers):
            return  # a refused answer can only be closed
        res = s.resolve(answer)
        end = self._write_back(res)
        if res.record is not None:
            self.w.services.store.log_outcome(res.record)
            if res.changed:
                self.history.applied(res.record, res.start, end)
            else:
                self.history.sent()
        self._message(
            f"{res.outcome.capitalize()}."
            if res.record is not None
            else "No suggestion applied. Your text is unchanged.",
            4000,
        )
        self.close_review()

    def _write_back(self, res) -> int:
        """Put the resolved text in the editor as one undo step; the Qt position after it."""
        editor = self.w.editor
        editor.setReadOnly(False)
        cursor = QTextCursor(editor.document())
        end = res.end  # Qt positions count UTF-16 units (an emoji is two), so Qt measures the new end
        if res.changed:
            cursor.beginEditBlock()  # one undo step for the whole replacement
            cursor.setPosition(res.start)
            cursor.setPosition(res.end, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(res.text)
            cursor.endEditBlock()
            end = cursor.position()
        # Nothing stays selected (the next key must not replace the span): the cursor goes after it.
        cursor.setPosition(end)
        editor.setTextCursor(cursor)
        return end

    def close_review(self) -> None:
        if self.session is not None:
            self.session.state = CLOSED
        self.session = None
        self.w.review.clear()
        self.w.review.hide()
        self.w.editor.setReadOnly(False)
        self.update_actions()
        self.w.editor.setFocus()

    def update_actions(self, *_args) -> None:
        """Undo/Redo only when no suggestion is pending (text must not move under it); the accept label."""
        doc, w = self.w.editor.document(), self.w
        w.undo_act.setEnabled(not self.busy and doc.isUndoAvailable())
        w.redo_act.setEnabled(not self.busy and doc.isRedoAvailable())
        w.accept_act.setText(self.session.accept_label if self.session is not None else "Accept all")

    def undo(self) -> None:
        if not self.busy:
            self.w.editor.undo()

    def redo(self) -> None:
        if not self.busy:
            self.w.editor.redo()
