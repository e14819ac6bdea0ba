"""The four pages of the grounded-generation wizard (:mod:`draftwheel.ui.ground_wizard`).

Each page lays out its widgets and shows what it is given; the wizard runs the slow work on
its worker and moves between the pages. Buttons call the callbacks the wizard passes in.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence

from draftwheel.app.settings_form import PROTOCOL_NAMES
from draftwheel.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from draftwheel.workers.ground_worker import LOCAL, parse_profile_text

ENDPOINT = "endpoint"


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tip or text)
    return item


def _one_line(text: str | None, width: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fill_table(
    table: QTableWidget, rows: Sequence[Sequence[str]], tips: Sequence[Sequence[str]] | None = None
) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, _item(text, tips[r][c] if tips else ""))


class DocumentsPage(QWidget):
    """Step 1: the folder, and every file in it with what was read from it or why not."""

    def __init__(self, on_browse: Callable[[], None], on_import: Callable[[], None]):
        super().__init__()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Folder with your .txt, .md, .docx and .pdf files")
        self.folder_edit.returnPressed.connect(on_import)
        browse = QPushButton("Browse…")
        browse.clicked.connect(on_browse)
        self.import_btn = QPushButton("Import")
        self.import_btn.clicked.connect(on_import)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.import_btn)
        self.files_table = QTableWidget(0, 3)
        self.files_table.setHorizontalHeaderLabels(["File", "Result", "Details"])
        self.files_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.files_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.import_summary = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Choose the folder that holds your own writing. Every file is listed with what "
                "could be read from it, or why not."
            )
        )
        layout.addLayout(row)
        layout.addWidget(self.files_table, 1)
        layout.addWidget(self.import_summary)

    def show_import(self, result) -> None:
        """List an ImportResult's documents (with their passage counts) and the files it could not use."""
        counts: dict[str, int] = {}
        for p in result.passages:
            counts[p.doc] = counts.get(p.doc, 0) + 1
        rows = [(d.rel, "read", f"{counts.get(d.rel, 0)} passage(s), {d.kind}") for d in result.documents]
        rows += [(i.path, i.status, i.reason) for i in result.issues]
        rows.sort(key=lambda r: r[0])
        _fill_table(self.files_table, rows)
        self.files_table.resizeColumnsToContents()
        self.import_summary.setText(
            f"{len(result.documents)} document(s) read, {len(result.passages)} passage(s); "
            f"{len(result.issues)} file(s) not used."
        )


class ProfilePage(QWidget):
    """Step 2: the author profile as a form."""

    def __init__(self) -> None:
        super().__init__()
        self.base_profile = None  # the AuthorProfile last shown: its measured stats are kept
        self.author_edit = QLineEdit()
        self.author_edit.setPlaceholderText("the author")
        self.voice_edit = self._box(
            "How you write, in a sentence or two: e.g. “Short, direct sentences; first person; dry humour.”"
        )
        self.vocabulary_edit = QLineEdit()
        self.vocabulary_edit.setPlaceholderText("Words you often use, separated by commas")
        self.positions_edit = self._box("Views you hold, one per line")
        self.notes_edit = self._box("Anything else the generator should know (optional)")
        self.stats_label = QLabel("Import a folder first; a profile is computed from it.")
        self.stats_label.setWordWrap(True)
        form = QFormLayout()
        for label, field in (
            ("Author:", self.author_edit),
            ("Voice:", self.voice_edit),
            ("Typical words:", self.vocabulary_edit),
            ("Positions:", self.positions_edit),
            ("Notes:", self.notes_edit),
        ):
            form.addRow(label, field)
        intro = QLabel("How the generator should write as you. It is saved in the data folder when you generate.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.stats_label)
        layout.addStretch(1)

    @staticmethod
    def _box(placeholder: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setPlaceholderText(placeholder)
        box.setMaximumHeight(90)
        return box

    def show_profile(self, profile) -> None:
        """Fill the form from an AuthorProfile (computed from the documents or saved earlier)."""
        self.base_profile = profile
        self.author_edit.setText(profile.author)
        self.voice_edit.setPlainText(profile.voice)
        self.vocabulary_edit.setText(", ".join(profile.vocabulary))
        self.vocabulary_edit.setCursorPosition(0)  # show the first (most typical) words
        self.positions_edit.setPlainText("\n".join(profile.positions))
        self.notes_edit.setPlainText(profile.notes)
        stats = profile.stats or {}
        said = [
            f"{k.replace('_', ' ')}: {v:.2f}".rstrip("0").rstrip(".")
            if isinstance(v, float)
            else f"{k.replace('_', ' ')}: {v}"
            for k, v in stats.items()
            if isinstance(v, (int, float, str))
        ]
        self.stats_label.setText("Measured from your documents — " + "; ".join(said) if said else "")

    def profile_from_form(self):
        """The AuthorProfile the form describes (its measured stats kept); DraftwheelError when unusable."""
        fields = {
            "author": self.author_edit.text().strip() or "the author",
            "voice": " ".join(self.voice_edit.toPlainText().split()),
            "vocabulary": [w.strip() for w in self.vocabulary_edit.text().split(",") if w.strip()],
            "positions": [p.strip() for p in self.positions_edit.toPlainText().splitlines() if p.strip()],
            "notes": self.notes_edit.toPlainText().strip(),
        }
        if self.base_profile is not None:
            return dataclasses.replace(self.base_profile, **fields)
        # Same parser and messages as ``--profile FILE``.
        return parse_profile_text(json.dumps(fields))


class GeneratePage(QWidget):
    """Step 3: how many pairs, which generator, Generate / Cancel and the progress of a run."""

    def __init__(self, settings, on_run: Callable[[], None], on_cancel: Callable[[], None]):
        super().__init__()
        self.pairs_spin = QSpinBox()
        self.pairs_spin.setRange(1, 1000)
        self.pairs_spin.setValue(20)
        self.generator_combo = QComboBox()
        self.generator_combo.addItem("Local model (on this computer)", LOCAL)
        if settings.remote_endpoint and settings.remote_model:
            speaks = PROTOCOL_NAMES.get(settings.remote_protocol, settings.remote_protocol)
            self.generator_combo.addItem(
                f"Endpoint ({speaks}): {settings.remote_model} at {settings.remote_endpoint}", ENDPOINT
            )
        form = QFormLayout()
        form.addRow("Pairs to keep:", self.pairs_spin)
        form.addRow("Generator:", self.generator_combo)
        self.run_btn = QPushButton("Generate")
        self.run_btn.clicked.connect(on_run)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(on_cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_btn)
        buttons.addWidget(self.cancel_btn)
        buttons.addStretch(1)
        self.progress = QProgressBar()
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        self.set_progress(0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addStretch(1)

    def set_progress(self, done: int, total: int) -> None:
        """``total`` 0 shows a busy bar (nothing counted yet)."""
        self.progress.setRange(0, total)
        if total:
            self.progress.setValue(done)


class ReviewPage(QWidget):
    """Step 4: the run's report and its pending pairs, to Accept / Edit / Reject and keep in or out of training."""

    def __init__(
        self,
        on_select: Callable[[], None],
        on_accept: Callable[[], None],
        on_edit: Callable[[], None],
        on_reject: Callable[[], None],
    ):
        super().__init__()
        self.report_view = QTextBrowser()
        self.pairs_table = QTableWidget(0, 6)
        self.pairs_table.setHorizontalHeaderLabels(["#", "Kind", "Theme", "Input", "Answer", "Use for training"])
        self.pairs_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.pairs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pairs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pairs_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pairs_table.itemSelectionChanged.connect(on_select)
        self.answer_edit = QPlainTextEdit()
        self.answer_edit.setPlaceholderText("Select a pair; edit its answer here, then press Edit.")
        self.answer_edit.setMaximumHeight(110)
        self.accept_btn = QPushButton("Accept")
        self.edit_btn = QPushButton("Edit")
        self.reject_btn = QPushButton("Reject")
        self.accept_btn.clicked.connect(on_accept)
        self.edit_btn.clicked.connect(on_edit)
        self.reject_btn.clicked.connect(on_reject)
        row = QHBoxLayout()
        for b in self.buttons:
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(QLabel("Pending pairs from this run:"))
        layout.addWidget(self.pairs_table, 2)
        layout.addWidget(self.answer_edit)
        layout.addLayout(row)

    @property
    def buttons(self) -> tuple[QPushButton, QPushButton, QPushButton]:
        return self.accept_btn, self.edit_btn, self.reject_btn

    def show_pairs(self, rows: list[dict], on_include: Callable[[int, bool], None]) -> None:
        """One line per pending pair (id, kind, theme, input, answer) with its "use for training" box."""
        table = self.pairs_table
        table.blockSignals(True)
        _fill_table(
            table,
            [
                (
                    str(row["id"]),
                    row["kind"] or "",
                    row["theme"] or "",
                    _one_line(row["input"]),
                    _one_line(row["final"]),
                )
                for row in rows
            ],
            [("", "", "", "", row["final"]) for row in rows],
        )
        for r, row in enumerate(rows):
            box = QCheckBox()
            box.setChecked(row["include_in_training"])
            box.toggled.connect(lambda on, i=row["id"]: on_include(i, on))
            table.setCellWidget(r, 5, box)
        table.blockSignals(False)
        self.answer_edit.clear()

    def selected_row(self) -> int | None:
        model = self.pairs_table.selectionModel()
        rows = model.selectedRows() if model else []
        return rows[0].row() if rows else None
