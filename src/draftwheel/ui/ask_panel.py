"""The "Ask my writing" panel's widgets: question, streamed answer, sources, a correction box.

Layout only; :class:`~draftwheel.ui.ask_binding.AskBinding` wires it to the worker and the
controller. A click on a source shows its passage below the list; a double click (or
"Open document") opens the document in the editor with the passage selected.
"""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QListWidgetItem

from draftwheel.app.ask import SourceItem
from draftwheel.ui.qt import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, Qt, QVBoxLayout, QWidget

SOURCE_ROLE = Qt.ItemDataRole.UserRole


class AskPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("askPanel")
        self.folders_label = QLabel()
        self.folders_label.setWordWrap(True)
        self.index_btn = QPushButton("Index a folder…")
        self.index_btn.setToolTip("Add a folder of your documents, or re-read one whose files changed")
        self.question = QLineEdit()
        self.question.setObjectName("askQuestion")
        self.question.setPlaceholderText("Ask your writing a question, then Enter")
        self.question.setClearButtonEnabled(True)
        self.ask_btn = QPushButton("Ask")
        self.stop_btn = QPushButton("Stop")
        self.stop_btn.setEnabled(False)
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("askAnswer")
        self.answer.setReadOnly(True)
        self.answer.setPlaceholderText("The answer appears here, in your voice, drawn from your documents.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.sources = QListWidget()
        self.sources.setObjectName("askSources")
        self.passage = QPlainTextEdit()
        self.passage.setReadOnly(True)
        self.passage.setPlaceholderText("Click a source to read its passage.")
        self.open_btn = QPushButton("Open document")
        self.open_btn.setEnabled(False)
        self.correct_btn = QPushButton("Correct this answer")
        self.correct_btn.setEnabled(False)
        self.correction = QPlainTextEdit()
        self.correction.setObjectName("askCorrection")
        self.correction.setPlaceholderText("Write the answer as you would give it; it is kept to train your answers.")
        self.save_btn = QPushButton("Save correction")
        self._lay_out()
        self.show_correction(False)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.folders_label, 1)
        top.addWidget(self.index_btn)
        ask = QHBoxLayout()
        ask.addWidget(self.question, 1)
        ask.addWidget(self.ask_btn)
        ask.addWidget(self.stop_btn)
        src = QHBoxLayout()
        src.addWidget(QLabel("Sources:"), 1)
        src.addWidget(self.open_btn)
        fix = QHBoxLayout()
        fix.addStretch(1)
        fix.addWidget(self.correct_btn)
        fix.addWidget(self.save_btn)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addLayout(ask)
        box.addWidget(self.answer, 3)
        box.addWidget(self.status)
        box.addLayout(src)
        box.addWidget(self.sources, 1)
        box.addWidget(self.passage, 1)
        box.addWidget(self.correction, 2)
        box.addLayout(fix)

    def show_sources(self, items: list[SourceItem]) -> None:
        self.sources.clear()
        self.passage.clear()
        self.open_btn.setEnabled(False)
        for item in items:
            row = QListWidgetItem(item.label)
            row.setToolTip(item.tooltip)
            row.setData(SOURCE_ROLE, item)
            self.sources.addItem(row)

    def current_source(self) -> SourceItem | None:
        row = self.sources.currentItem()
        return row.data(SOURCE_ROLE) if row is not None else None

    def show_correction(self, shown: bool) -> None:
        self.correction.setVisible(shown)
        self.save_btn.setVisible(shown)

    def set_busy(self, busy: bool) -> None:
        self.ask_btn.setEnabled(not busy)
        self.stop_btn.setEnabled(busy)
        self.question.setReadOnly(busy)
