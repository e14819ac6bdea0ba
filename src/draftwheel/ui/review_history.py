"""Follows accepted suggestions in the editor after their review closed.

Each accepted suggestion is one undo step of the editor's document. When Undo
takes that step back, its stored outcome is marked undone (kept out of
training and few-shot); Redo clears the mark. Typing inside the applied text
right afterwards, within the same paragraph, corrects the stored final text
(written after a short pause, when the user edits elsewhere, and before the
next suggestion starts). The decisions are :class:`~draftwheel.app.review.AppliedHistory`'s;
this object only reads the document and sends the updates to the store thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from draftwheel.app.review import Applied, AppliedHistory, StoreUpdate, write_update
from draftwheel.ui.qt import QObject, QPlainTextEdit, QTextCursor, QTimer

# After the last keystroke inside an applied suggestion, its corrected text is stored (ms).
FOLLOWUP_IDLE_MS = 1500


def _write(ops: Any, update: StoreUpdate) -> None:
    write_update(ops.store, update)  # on the store thread (StoreOps opens the store there)


class ReviewHistory(QObject):
    def __init__(self, editor: QPlainTextEdit, store_worker: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.editor = editor
        self.store = store_worker
        self.history = AppliedHistory()
        self.followup: tuple[Applied, QTextCursor] | None = None  # the suggestion just applied, its span
        self.updates_sent = 0
        doc = editor.document()
        doc.contentsChange.connect(self._on_change)
        doc.undoCommandAdded.connect(self.history.command_added)
        self._sync_soon = QTimer(self)
        self._sync_soon.setSingleShot(True)
        self._sync_soon.setInterval(0)  # after the change (and the undo stack) settled
        self._sync_soon.timeout.connect(self.sync)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(FOLLOWUP_IDLE_MS)
        self._idle.timeout.connect(self.flush)

    # -- what the window reports -----------------------------------------------
    def applied(self, record: dict, start: int, end: int) -> Applied:
        """A suggestion was just applied as the document's latest undo step; it spans ``[start, end)``."""
        self.end_followup()
        item = Applied(record, step=self.editor.document().availableUndoSteps())  # its last undo command
        self.history.sent(item)
        span = QTextCursor(self.editor.document())
        span.setPosition(start)
        span.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.followup = (item, span)
        return item

    def sent(self) -> None:
        """An outcome that did not change the text went to the store (its id is not followed)."""
        self.history.sent(None)

    def logged(self, edit_id: int | None) -> None:
        self._send(self.history.logged(edit_id))

    # -- the document ---------------------------------------------------------------
    def _on_change(self, position: int, _removed: int, _added: int) -> None:
        self._sync_soon.start()
        if self.followup is None:
            return
        _item, span = self.followup
        doc = self.editor.document()
        first = doc.findBlock(span.selectionStart()).blockNumber()
        last = doc.findBlock(span.selectionEnd()).blockNumber()
        if first <= doc.findBlock(position).blockNumber() <= last:
            self._idle.start()  # still editing the applied text's paragraph
        else:
            self.end_followup()

    def sync(self) -> None:
        doc = self.editor.document()
        # Qt counts undo commands, not edit blocks: availableUndoSteps() is the number of commands
        # before the undo point, availableRedoSteps() the number after it minus one (0 also when there
        # are none), so isRedoAvailable() tells the two apart.
        undo = doc.availableUndoSteps()
        redo = doc.availableRedoSteps() + 1 if doc.isRedoAvailable() else 0
        updates = self.history.sync(undo, redo)
        if self.followup is not None and (self.followup[0].undone or self.followup[0] not in self.history.items):
            self.followup = None
            self._idle.stop()
        self._send(updates)

    def flush(self, on_done: Callable[[Any], None] | None = None) -> None:
        """Store the corrected text of the suggestion just applied, if the user changed it; then ``on_done``."""
        self._idle.stop()
        updates: list[StoreUpdate] = []
        if self.followup is not None:
            item, span = self.followup
            text = span.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")
            updates = self.history.corrected(item, text)
        self._send(updates, on_done)

    def end_followup(self, on_done: Callable[[Any], None] | None = None) -> None:
        """Store the last correction and stop following the suggestion just applied; then ``on_done``."""
        self.flush(on_done)
        self.followup = None

    def _send(self, updates: list[StoreUpdate], on_done: Callable[[Any], None] | None = None) -> None:
        for u in updates:
            self.updates_sent += 1
            self.store.submit(_write, self.store.ops, u)
        if on_done is not None:
            if updates:
                # The store thread runs jobs in order: this answers once the updates are committed.
                self.store.submit(lambda: None, on_done=on_done)
            else:
                on_done(None)
