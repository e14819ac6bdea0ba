"""The window's "Ask my writing" dock: built on first use (Tools menu, Ctrl+Shift+A) and wired to
:class:`~draftwheel.workers.ask_worker.AskWorker` and :class:`~draftwheel.app.ask.AskController`.

A QObject child of the window, like the other bindings. The answer streams into the panel; its
sources are listed; a click shows a passage, a double click opens a text or Markdown document in
the editor with the passage selected (Word and PDF documents are shown as their passage only: the
editor opens plain text). "Correct this answer" logs the user's answer as an edit of task
``answer`` through the store thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from draftwheel.app.ask import AskController, folders_text, index_text
from draftwheel.app.documents import TEXT_SUFFIXES
from draftwheel.errors import DraftwheelError
from draftwheel.ui.ask_panel import AskPanel
from draftwheel.ui.qt import QDockWidget, QFileDialog, QObject, Qt, QTextCursor
from draftwheel.workers.ask_worker import AskWorker

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow


class AskBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.controller = AskController()
        self.worker: AskWorker | None = None
        self.panel: AskPanel | None = None
        self.dock: QDockWidget | None = None

    @property
    def w(self) -> MainWindow:
        return cast("MainWindow", self.parent())

    def open(self) -> AskPanel:
        """Show the dock (built the first time) and put the cursor in the question box."""
        if self.panel is None or self.dock is None:
            self._build()
        assert self.panel is not None and self.dock is not None
        self.dock.show()
        self.dock.raise_()
        self.panel.question.setFocus()
        return self.panel

    def _build(self) -> None:
        services = self.w.services
        self.worker = AskWorker(services.paths, services.engine, services.store, self)
        self.panel = panel = AskPanel()
        self.dock = QDockWidget("Ask my writing", self.w)
        self.dock.setObjectName("askDock")
        self.dock.setWidget(panel)
        self.w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.w.view_menu.addAction(self.dock.toggleViewAction())
        panel.question.returnPressed.connect(self.ask)
        panel.ask_btn.clicked.connect(self.ask)
        panel.stop_btn.clicked.connect(self.worker.cancel)
        panel.index_btn.clicked.connect(self.choose_folder)
        panel.sources.currentItemChanged.connect(lambda *_: self.show_passage())
        panel.sources.itemDoubleClicked.connect(lambda *_: self.open_source())
        panel.open_btn.clicked.connect(self.open_source)
        panel.correct_btn.clicked.connect(self.start_correction)
        panel.save_btn.clicked.connect(self.save_correction)
        self.worker.chunk.connect(self._on_chunk)
        self.worker.answered.connect(self._on_answered)
        self.worker.failed.connect(self._on_failed)
        self.worker.indexed.connect(self._on_indexed)
        self.worker.index_failed.connect(self._on_index_failed)
        self.worker.folders.connect(lambda rows: panel.folders_label.setText(folders_text(rows)))
        self.worker.corrected.connect(self._on_corrected)
        self.worker.correct_failed.connect(self._on_correct_failed)
        self.worker.refresh_folders()

    # -- asking ------------------------------------------------------------------
    def ask(self) -> None:
        panel, worker = self.panel, self.worker
        assert panel is not None and worker is not None
        try:
            question = self.controller.begin(panel.question.text())
        except DraftwheelError as exc:
            panel.status.setText(str(exc))
            return
        panel.answer.clear()
        panel.show_sources([])
        panel.show_correction(False)
        panel.correct_btn.setEnabled(False)
        panel.status.setText("Looking through your documents…")
        panel.set_busy(True)
        worker.ask(question)

    def _on_chunk(self, piece: str) -> None:
        assert self.panel is not None
        self.panel.answer.setPlainText(self.controller.add_text(piece))
        self.panel.answer.moveCursor(QTextCursor.MoveOperation.End)

    def _on_answered(self, answer) -> None:
        panel = self.panel
        assert panel is not None
        self.controller.finish(answer)
        panel.answer.setPlainText(answer.text)
        panel.status.setText(self.controller.status())
        panel.show_sources(self.controller.items())
        panel.correct_btn.setEnabled(self.controller.can_correct)
        panel.set_busy(False)

    def _on_failed(self, message: str) -> None:
        assert self.panel is not None
        self.controller.fail()
        self.panel.status.setText(message)
        self.panel.set_busy(False)

    # -- sources -----------------------------------------------------------------
    def show_passage(self) -> None:
        panel = self.panel
        assert panel is not None
        item = panel.current_source()
        answer = self.controller.answer
        panel.open_btn.setEnabled(item is not None)
        if item is None or answer is None:
            return
        for src in answer.sources:
            if (src.path, src.start, src.end) == (item.path, item.start, item.end):
                panel.passage.setPlainText(src.text)

    def open_source(self) -> None:
        """Open a text or Markdown source in the editor with its passage selected."""
        panel = self.panel
        assert panel is not None
        item = panel.current_source()
        if item is None:
            return
        if Path(item.path).suffix.lower() not in TEXT_SUFFIXES:
            self.show_passage()
            panel.status.setText("Word and PDF documents are shown as their passage here; the editor opens text.")
            return
        if not self.w.open_path(item.path):
            return
        cursor = self.w.editor.textCursor()
        length = len(self.w.editor.toPlainText())
        cursor.setPosition(min(item.start, length))
        cursor.setPosition(min(item.end, length), QTextCursor.MoveMode.KeepAnchor)
        self.w.editor.setTextCursor(cursor)
        self.w.editor.centerCursor()

    # -- indexing ----------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Index a folder of your documents")
        if folder:
            self.index_folder(folder)

    def index_folder(self, folder: str) -> None:
        assert self.panel is not None and self.worker is not None
        self.panel.index_btn.setEnabled(False)
        self.panel.status.setText(f"Indexing {folder}…")
        self.worker.index(folder)

    def _on_indexed(self, report) -> None:
        assert self.panel is not None and self.worker is not None
        self.panel.index_btn.setEnabled(True)
        self.panel.status.setText(index_text(report))
        self.worker.refresh_folders()

    def _on_index_failed(self, message: str) -> None:
        assert self.panel is not None
        self.panel.index_btn.setEnabled(True)
        self.panel.status.setText(message)

    # -- correcting --------------------------------------------------------------
    def start_correction(self) -> None:
        panel = self.panel
        assert panel is not None
        panel.correction.setPlainText(panel.answer.toPlainText())
        panel.show_correction(True)
        panel.correction.setFocus()

    def save_correction(self) -> None:
        panel, worker, answer = self.panel, self.worker, self.controller.answer
        assert panel is not None and worker is not None
        if answer is None:
            return
        panel.save_btn.setEnabled(False)
        worker.correct(answer, panel.correction.toPlainText())

    def _on_corrected(self, edit_id: int) -> None:
        assert self.panel is not None
        self.panel.save_btn.setEnabled(True)
        self.panel.show_correction(False)
        self.panel.status.setText("Correction saved: it will train your answers (task “answer”).")
        self.last_correction = edit_id

    def _on_correct_failed(self, message: str) -> None:
        assert self.panel is not None
        self.panel.save_btn.setEnabled(True)
        self.panel.status.setText(message)
