"""The window's documents: open, save, recent files, autosave, restore after a crash, the window's place.

State and decisions are :class:`~draftwheel.app.documents.Documents`'; this object shows its
dialogs and moves text between it and the editor. It is a QObject child of the window, so the
editor's and timer's signals stop reaching it when the window is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from draftwheel.app.documents import FILE_FILTER, SAVE_FILTERS, AutosaveRecord, Documents, save_filter_for
from draftwheel.app.window_text import ago, restore_preview, restore_words
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QFileDialog, QMessageBox, QObject, QPushButton, Qt, QTimer

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow

AUTOSAVE_DELAY_MS = 1500  # after the last keystroke
APP_NAME = "Draftwheel"


class DocumentBinding(QObject):
    def __init__(self, window: MainWindow, documents: Documents):
        super().__init__(window)
        self.documents = documents
        self.restore_prompt: QMessageBox | None = None
        self.restore_button: QPushButton | None = None  # the open restore question's buttons
        self.discard_button: QPushButton | None = None
        self.later_button: QPushButton | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        doc = window.editor.document()
        doc.contentsChanged.connect(self._schedule_autosave)
        doc.modificationChanged.connect(self.documents.set_modified)

    @property
    def w(self) -> MainWindow:
        # The window is this object's Qt parent; it is not kept in an attribute, since a reference cycle
        # would leave the window's deletion to Python's cyclic collector, on whichever thread runs it.
        return cast("MainWindow", self.parent())

    @property
    def path(self) -> str | None:
        return self.documents.path

    def update_title(self) -> None:
        self.w.setWindowTitle(f"{self.documents.title}[*] — {APP_NAME}")

    def _message(self, text: str, ms: int = 0) -> None:
        self.w.statusBar().showMessage(text, ms)

    def confirm_discard(self) -> bool:
        """True when the current text may be replaced (saved, discarded or unmodified)."""
        if not self.w.editor.document().isModified():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.w,
            "Unsaved changes",
            f"Save the changes to “{self.documents.title}” first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
        )
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def new_document(self) -> None:
        if self.w.busy or not self.confirm_discard():
            return
        self.documents.new()
        self.set_document("")

    def set_document(self, text: str) -> None:
        """Show ``text`` as the controller's current document (path and modified state come from it)."""
        modified = self.documents.modified
        self.w.editor.setPlainText(text)  # also clears the undo history
        self.w.editor.document().setModified(modified)
        self.w.setWindowModified(modified)
        self.update_title()

    def open_dialog(self) -> None:
        if self.w.busy or not self.confirm_discard():
            return
        start = str(Path(self.path).parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.w, "Open a draft", start, FILE_FILTER)
        if path:
            self.open_path(path, confirm=False)

    def open_path(self, path: str, confirm: bool = True) -> bool:
        if self.w.busy or (confirm and not self.confirm_discard()):
            return False
        try:
            text = self.documents.open(path)
        except DraftwheelError as exc:
            self.w.show_error("The file could not be opened", str(exc))
            return False
        self.set_document(text)
        self._message(f"Opened {self.path}", 4000)
        return True

    def fill_recent(self) -> None:
        menu = self.w.recent_menu
        menu.clear()
        items = self.documents.recent.list()
        if not items:
            menu.addAction("No recent files").setEnabled(False)
            return
        for p in items:
            menu.addAction(p, self._opener(p))

    def _opener(self, path: str) -> Callable[[], bool]:
        return lambda: self.open_path(path)

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.path or str(Path.home() / "Untitled.md")
        path, chosen = QFileDialog.getSaveFileName(
            self.w, "Save the draft as", start, ";;".join(SAVE_FILTERS), save_filter_for(start)
        )
        return self.save_to(path, chosen) if path else False

    def save_to(self, path: str, chosen_filter: str = "") -> bool:
        """Save to ``path``; with ``chosen_filter`` (Save As) the format's extension is added when missing."""
        try:
            self.documents.save_as(self.w.text(), path, chosen_filter)
        except DraftwheelError as exc:
            self.w.show_error("The file could not be saved", str(exc))
            return False
        self.w.editor.document().setModified(False)
        self.update_title()
        self._message(f"Saved {self.path}", 4000)
        return True

    # -- autosave and restore ------------------------------------------------------------
    def _schedule_autosave(self) -> None:
        # Not restarted by every keystroke: while the user types on, unsaved text is still written
        # AUTOSAVE_DELAY_MS after the first change.
        if not self.autosave_timer.isActive():
            self.autosave_timer.start()

    def autosave_now(self) -> None:
        """Write unsaved text to the autosave folder (on the store thread: a slow disk never stalls typing)."""
        self.autosave_timer.stop()
        self.documents.set_modified(self.w.editor.document().isModified())
        self.documents.autosave_text(self.w.text(), on_error=lambda m: self._message(f"Autosave failed: {m}"))

    def start_session(self) -> None:
        """At start: reopen the last document, then offer the unsaved text a crash left behind."""
        last = self.documents.layout.last_document()
        if last and self.path is None and not self.w.editor.document().isModified():
            self.open_path(last, confirm=False)
        self.offer_restore()

    def offer_restore(self) -> None:
        """Ask about the next autosave left by a crash: each file is asked about once per start."""
        if self.restore_prompt is not None and self.restore_prompt.isVisible():
            return  # one question at a time; the next follows its answer
        rec = self.documents.next_restore()
        if rec is None:
            return
        box = self._restore_box(rec)

        def answered(button, rec=rec) -> None:
            if button is self.restore_button:
                self.restore(rec)
            elif button is self.discard_button:
                self.documents.discard(rec)
            QTimer.singleShot(0, self.offer_restore)  # then the next one, if any

        box.buttonClicked.connect(answered)
        box.open()
        self.restore_prompt = box

    def _restore_box(self, rec: AutosaveRecord) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore unsaved work?",
            f"Draftwheel found unsaved text of “{rec.title}” from {ago(rec.saved_at)}, kept when the "
            "app last closed without saving it.",
            QMessageBox.StandardButton.NoButton,
            self.w,
        )
        box.setObjectName("restoreDialog")
        box.setInformativeText(restore_words(rec.text))
        box.setDetailedText(restore_preview(rec.text))
        restore = self.restore_button = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        later = self.later_button = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.setEscapeButton(later)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        return box

    def restore(self, rec: AutosaveRecord) -> bool:
        """Show ``rec``'s text; unsaved text already in the editor is saved or discarded only if the user says so."""
        if self.w.busy:
            self._message(f"Finish the review first; “{rec.title}” stays kept for the next start.")
            return False
        self.documents.set_modified(self.w.editor.document().isModified())
        if not self.confirm_discard():
            self._message(f"The unsaved text of “{rec.title}” is kept; it is offered again at the next start.", 8000)
            return False
        self.set_document(self.documents.restore(rec))
        self._message(f"Restored unsaved text of {rec.title}. Save it to keep it.", 8000)
        return True

    # -- the window's place --------------------------------------------------------------
    def restore_layout(self) -> None:
        geometry = self.documents.layout.blob("geometry")
        if geometry:
            self.w.restoreGeometry(geometry)
        state = self.documents.layout.blob("state")
        if state:
            self.w.restoreState(state)

    def closing(self) -> bool:
        """The window is closing: False when the user keeps it open, else the layout is remembered."""
        if not self.confirm_discard():
            return False
        self.autosave_timer.stop()
        self.documents.layout.remember(
            geometry=self.w.saveGeometry().data(), state=self.w.saveState().data(), last_document=self.path
        )
        self.documents.close()
        return True
