"""Revise › What it has learned…: the user's proof that a style learns from them.

Three parts, read through :meth:`~draftwheel.app.styles.StylesController.learned` (the same
functions as ``draftwheel styles learned``): the changes the user makes again and again ("don't →
do not, 37 times"), the style's stage history with held-out scores (each training: the stage it was
measured against, then its adapter), and the few-shot examples it would use for the current
paragraph. The style box at the top switches to another style.
"""

from __future__ import annotations

from html import escape

from draftwheel.app.styles import Learned, StylesController
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

HISTORY_COLUMNS = ("When", "Stage", "GLEU", "chrF", "")


def _group(title: str, widget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.addWidget(widget)
    return box


class LearnedDialog(QDialog):
    def __init__(
        self,
        parent,
        controller: StylesController,
        styles: list[tuple[str, str]],  # (key, label), in toolbar order
        key: str,
        text: str = "",
        k: int = 4,
        token_budget: int = 1200,
    ):
        super().__init__(parent)
        self.setObjectName("learnedDialog")
        self.setWindowTitle("What it has learned")
        self.controller, self.text, self.k, self.token_budget = controller, text, k, token_budget
        self.learned: Learned | None = None

        self.style_box = QComboBox()
        self.style_box.setObjectName("learnedStyle")
        for skey, label in styles:
            self.style_box.addItem(label, skey)
        pick = QLabel("&Style:")
        pick.setBuddy(self.style_box)
        self.summary = QLabel()
        self.summary.setObjectName("learnedSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        top = QHBoxLayout()
        top.addWidget(pick)
        top.addWidget(self.style_box)
        top.addWidget(self.summary, 1)

        self.changes_view = QTextBrowser()
        self.changes_view.setObjectName("learnedChanges")
        self.history = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history.setObjectName("learnedHistory")
        self.history.setHorizontalHeaderLabels(HISTORY_COLUMNS)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.history.horizontalHeader()
        for col in range(len(HISTORY_COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.history_note = QLabel()
        self.history_note.setWordWrap(True)
        history = QVBoxLayout()
        history.addWidget(self.history_note)
        history.addWidget(self.history)
        history_box = QGroupBox("Stages and held-out scores (zero-shot → few-shot → each adapter)")
        history_box.setLayout(history)
        self.examples_view = QTextBrowser()
        self.examples_view.setObjectName("learnedExamples")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(_group("Changes you make again and again", self.changes_view), 3)
        layout.addWidget(history_box, 2)
        layout.addWidget(_group("Examples it would use for the current paragraph", self.examples_view), 3)
        layout.addWidget(buttons)
        self.resize(780, 640)

        i = self.style_box.findData(key)
        if i < 0:
            self.style_box.addItem(key, key)
            i = self.style_box.count() - 1
        self.style_box.setCurrentIndex(i)
        self.style_box.currentIndexChanged.connect(lambda _i: self.show_style(self.style_box.currentData()))
        self.show_style(key)
        self.style_box.setFocus()

    def show_style(self, key: str) -> None:
        try:
            learned = self.controller.learned(key, self.text, self.k, self.token_budget)
        except DraftwheelError as exc:
            self.learned = None
            self.summary.setText(f"Could not read what it has learned: {exc}")
            for view in (self.changes_view, self.examples_view):
                view.clear()
            self.history.setRowCount(0)
            return
        self.learned = learned
        self.summary.setText(learned.summary())
        self._show_changes(learned)
        self._show_history(learned)
        self._show_examples(learned)

    def _show_changes(self, learned: Learned) -> None:
        if learned.changes:
            items = "".join(f"<li>{escape(c)}</li>" for c in learned.changes)
            self.changes_view.setHtml(f"<ul>{items}</ul>")
        elif learned.kept:
            self.changes_view.setPlainText(
                f"No change recurs yet in its {learned.kept} kept edits: a change shows here once you have made it "
                "in two edits or more."
            )
        else:
            self.changes_view.setPlainText(
                "No kept edits yet. Revise with this style and accept or edit its suggestions: "
                "the changes you make again and again show here."
            )

    def _show_history(self, learned: Learned) -> None:
        self.history.setRowCount(len(learned.history))
        for row, cells in enumerate(learned.history):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.history.setItem(row, col, item)
        if learned.history:
            self.history_note.setText("Each training: the stage it was measured against, then its new adapter.")
        else:
            self.history_note.setText(
                "Not trained yet: it starts zero-shot, uses your kept edits as few-shot examples once it has some, "
                "and trains its own adapter at its threshold."
            )

    def _show_examples(self, learned: Learned) -> None:
        if not learned.text.strip():
            self.examples_view.setPlainText("Put the cursor in a paragraph to see the examples it would use for it.")
            return
        if not learned.examples:
            self.examples_view.setPlainText("None yet: it has no kept edits to show the model.")
            return
        rows = "".join(
            f"<p><b>{n}.</b> {escape(a)}<br/>→ {escape(b)}</p>" for n, (a, b) in enumerate(learned.examples, start=1)
        )
        self.examples_view.setHtml(f"<p><i>Most similar last.</i></p>{rows}")
