"""Data view: browse, search, edit and delete the logged examples; pause logging.

Every query and change runs on the store thread; the table is refilled from
the rows it sends back.
"""

from __future__ import annotations

from typing import Any

from draftwheel.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
)

HEADERS = ["Id", "When", "Task", "Outcome", "Stage", "Text", "Kept"]


def _short(text: str | None, n: int = 80) -> str:
    text = (text or "").replace("\n", " ⏎ ")
    return text if len(text) <= n else text[: n - 1] + "…"


class EditExampleDialog(QDialog):
    def __init__(self, row: dict[str, Any], parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Example {row['id']}")
        self.row = row
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Original text:"))
        original = QPlainTextEdit(row["input_text"])
        original.setReadOnly(True)
        layout.addWidget(original)
        layout.addWidget(QLabel("Suggestion:"))
        sug = QPlainTextEdit(row.get("output_text") or "")
        sug.setReadOnly(True)
        layout.addWidget(sug)
        layout.addWidget(QLabel("Text kept (edit to correct the example):"))
        self.final = QPlainTextEdit(row["final_text"])
        layout.addWidget(self.final)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 520)


class DataView(QWidget):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.rows: list[dict[str, Any]] = []
        self.search = QLineEdit()
        self.search.setObjectName("exampleSearch")
        self.search.setPlaceholderText("Search the original or kept text")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)
        self.pause_box = QCheckBox("Pause logging")
        self.pause_box.setToolTip("While paused, outcomes are not stored")
        self.pause_box.setChecked(services.settings.logging_paused)
        self.count = QLabel()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("examplesTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        edit_btn = QPushButton("Edit…")
        edit_btn.clicked.connect(self.edit_selected)
        del_btn = QPushButton("Delete")
        del_btn.clicked.connect(self.delete_selected)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.pause_box)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        for b in (edit_btn, del_btn, refresh):
            bottom.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def reload(self) -> None:
        self.services.store.submit(
            self.services.store.ops.edits, self.search.text().strip(), on_done=self.show_rows, on_error=self._error
        )

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        t = self.table
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = [
                str(r["id"]),
                str(r["created_at"])[:16],
                r["task"],
                r["outcome"],
                r["stage"],
                _short(r["input_text"]),
                _short(r["final_text"]),
            ]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if col in (5, 6):
                    item.setToolTip(r["input_text"] if col == 5 else r["final_text"])
                t.setItem(i, col, item)
        self.count.setText(f"{len(rows)} example{'s' * (len(rows) != 1)}")

    def selected(self) -> dict[str, Any] | None:
        idx = self.table.currentRow()
        return self.rows[idx] if 0 <= idx < len(self.rows) else None

    def edit_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dlg = EditExampleDialog(row, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            text = dlg.final.toPlainText()
            if text != row["final_text"]:
                self.services.store.submit(
                    self.services.store.ops.update_final,
                    row["id"],
                    text,
                    on_done=lambda _r: self.reload(),
                    on_error=self._error,
                )

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "Delete example", f"Delete example {row['id']} for good?")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_id(row["id"])

    def delete_id(self, edit_id: int) -> None:
        self.services.store.submit(
            self.services.store.ops.delete, edit_id, on_done=lambda _r: self.reload(), on_error=self._error
        )

    def _error(self, message: str) -> None:
        QMessageBox.warning(self, "Examples", message)
