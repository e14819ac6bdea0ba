"""Tools -> "Training pairs from my documents…": the grounded-generation wizard.

Four steps on tabs (Back / Next move between them):

1. Documents: pick a folder; every file is listed with what was read from it
   or why it could not be (encrypted PDF, not UTF-8, unsupported type...).
2. Author profile: the saved or computed profile as a form (name, voice,
   typical words, positions, notes); saved to the data folder when used.
3. Generate: number of pairs and generator (the local model, or the remote
   endpoint from Settings when one is configured); runs in a worker with a
   progress bar and Cancel.
4. Review: the report (pairs per kind and theme, grounding pass rate,
   duplicates removed) and the new pending pairs, to Accept / Edit / Reject and
   to keep in or leave out of training, applied through
   :mod:`draftwheel.ground.storage`.

Every slow call (import, run, store) happens on a worker thread; errors are
shown in the wizard's message line, never raised into Qt.
"""

from __future__ import annotations

import dataclasses
import json

from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
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
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from draftwheel.workers.ground_worker import (
    LOCAL,
    GroundRequest,
    GroundWorker,
    apply_review,
    import_preview,
    parse_profile_text,
    pending_pairs,
    save_profile,
)

STEPS = ("1. Documents", "2. Author profile", "3. Generate", "4. Review")
ENDPOINT = "endpoint"


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tip or text)
    return item


def _one_line(text: str | None, width: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


class GroundWizard(QDialog):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.paths = services.paths
        self.setWindowTitle("Training pairs from my documents")
        self.resize(900, 640)  # refitted to the parent's screen by place_over()
        self.worker = GroundWorker(self.paths, services.engine, self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_run_failed)
        self.imported = None  # ImportResult of the folder shown on step 1
        self.imported_folder = ""
        self.profile = None  # AuthorProfile used for the run
        self.result = None  # GroundResult of the last run
        self.pairs: list[dict] = []  # pending pairs of the last run, as on the review table
        self.busy = False
        self.cancelling = False  # Cancel was pressed for the current run

        self.tabs = QTabWidget()
        self.tabs.addTab(self._documents_page(), STEPS[0])
        self.tabs.addTab(self._profile_page(), STEPS[1])
        self.tabs.addTab(self._generate_page(), STEPS[2])
        self.tabs.addTab(self._review_page(), STEPS[3])
        self.tabs.currentChanged.connect(self._update_buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.back_btn = QPushButton("< Back")
        self.next_btn = QPushButton("Next >")
        self.close_btn = QPushButton("Close")
        self.back_btn.clicked.connect(lambda: self.tabs.setCurrentIndex(self.tabs.currentIndex() - 1))
        self.next_btn.clicked.connect(self._next)
        self.close_btn.clicked.connect(self.close)
        nav = QHBoxLayout()
        nav.addWidget(self.message, 1)
        nav.addWidget(self.back_btn)
        nav.addWidget(self.next_btn)
        nav.addWidget(self.close_btn)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(nav)
        self._update_buttons()

    # -- pages ----------------------------------------------------------------------
    def _documents_page(self) -> QWidget:
        page = QWidget()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Folder with your .txt, .md, .docx and .pdf files")
        self.folder_edit.returnPressed.connect(self.import_folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.import_btn = QPushButton("Import")
        self.import_btn.clicked.connect(self.import_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.import_btn)
        self.files_table = QTableWidget(0, 3)
        self.files_table.setHorizontalHeaderLabels(["File", "Result", "Details"])
        self.files_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.files_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.import_summary = QLabel("")
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Choose the folder that holds your own writing. Every file is listed with what "
                                "could be read from it, or why not."))
        layout.addLayout(row)
        layout.addWidget(self.files_table, 1)
        layout.addWidget(self.import_summary)
        return page

    def _profile_page(self) -> QWidget:
        page = QWidget()
        self.author_edit = QLineEdit()
        self.author_edit.setPlaceholderText("the author")
        self.voice_edit = QPlainTextEdit()
        self.voice_edit.setPlaceholderText("How you write, in a sentence or two: e.g. “Short, direct sentences; "
                                           "first person; dry humour.”")
        self.voice_edit.setMaximumHeight(90)
        self.vocabulary_edit = QLineEdit()
        self.vocabulary_edit.setPlaceholderText("Words you often use, separated by commas")
        self.positions_edit = QPlainTextEdit()
        self.positions_edit.setPlaceholderText("Views you hold, one per line")
        self.positions_edit.setMaximumHeight(90)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText("Anything else the generator should know (optional)")
        self.notes_edit.setMaximumHeight(90)
        self.stats_label = QLabel("Import a folder first; a profile is computed from it.")
        self.stats_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Author:", self.author_edit)
        form.addRow("Voice:", self.voice_edit)
        form.addRow("Typical words:", self.vocabulary_edit)
        form.addRow("Positions:", self.positions_edit)
        form.addRow("Notes:", self.notes_edit)
        intro = QLabel("How the generator should write as you. It is saved in the data folder when you generate.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.stats_label)
        layout.addStretch(1)
        return page

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
        said = [f"{k.replace('_', ' ')}: {v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float)
                else f"{k.replace('_', ' ')}: {v}" for k, v in stats.items() if isinstance(v, (int, float, str))]
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
        base = getattr(self, "base_profile", None)
        if base is not None:
            return dataclasses.replace(base, **fields)
        # Same parser and messages as ``--profile FILE``.
        return parse_profile_text(json.dumps(fields))

    def _generate_page(self) -> QWidget:
        page = QWidget()
        self.pairs_spin = QSpinBox()
        self.pairs_spin.setRange(1, 1000)
        self.pairs_spin.setValue(20)
        self.generator_combo = QComboBox()
        self.generator_combo.addItem("Local model (on this computer)", LOCAL)
        settings = self.services.settings
        if settings.remote_endpoint and settings.remote_model:
            self.generator_combo.addItem(f"Endpoint: {settings.remote_model} at {settings.remote_endpoint}", ENDPOINT)
        form = QFormLayout()
        form.addRow("Pairs to keep:", self.pairs_spin)
        form.addRow("Generator:", self.generator_combo)
        self.run_btn = QPushButton("Generate")
        self.run_btn.clicked.connect(self.start_run)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel_run)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_btn)
        buttons.addWidget(self.cancel_btn)
        buttons.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addStretch(1)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        self.report_view = QTextBrowser()
        self.pairs_table = QTableWidget(0, 6)
        self.pairs_table.setHorizontalHeaderLabels(["#", "Kind", "Theme", "Input", "Answer", "Use for training"])
        self.pairs_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.pairs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pairs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pairs_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pairs_table.itemSelectionChanged.connect(self._show_selected)
        self.answer_edit = QPlainTextEdit()
        self.answer_edit.setPlaceholderText("Select a pair; edit its answer here, then press Edit.")
        self.answer_edit.setMaximumHeight(110)
        self.accept_btn = QPushButton("Accept")
        self.edit_btn = QPushButton("Edit")
        self.reject_btn = QPushButton("Reject")
        self.accept_btn.clicked.connect(self.accept_selected)
        self.edit_btn.clicked.connect(self.edit_selected)
        self.reject_btn.clicked.connect(self.reject_selected)
        row = QHBoxLayout()
        for b in (self.accept_btn, self.edit_btn, self.reject_btn):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(QLabel("Pending pairs from this run:"))
        layout.addWidget(self.pairs_table, 2)
        layout.addWidget(self.answer_edit)
        layout.addLayout(row)
        self._update_review_buttons()
        return page

    # -- navigation and messages -------------------------------------------------------
    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _error(self, message: str) -> None:
        self.show_message(message, error=True)

    def _update_buttons(self, *_args) -> None:
        i = self.tabs.currentIndex()
        self.back_btn.setEnabled(i > 0 and not self.busy)
        self.next_btn.setEnabled(i < len(STEPS) - 1 and not self.busy)

    def _next(self) -> None:
        i = self.tabs.currentIndex()
        if i == 0 and self.imported is None:
            self._error("Import a folder first.")
            return
        if i == 1 and self.use_profile() is None:
            return
        self.tabs.setCurrentIndex(i + 1)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.import_btn.setEnabled(not busy)
        self.run_btn.setEnabled(not busy)
        self.cancel_btn.setEnabled(busy and self.worker.running_job)
        self.tabs.tabBar().setEnabled(not busy)
        self._update_buttons()
        self._update_review_buttons()

    # -- step 1: documents -----------------------------------------------------------------
    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with your documents", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
            self.import_folder()

    def import_folder(self) -> None:
        folder = self.folder_edit.text().strip()
        if not folder:
            self._error("Choose a folder first.")
            return
        self._set_busy(True)
        self.show_message(f"Reading {folder}…")
        self.worker.submit(import_preview, folder, self.paths,
                           on_done=lambda r, f=folder: self._imported(f, r), on_error=self._import_failed)

    def _import_failed(self, message: str) -> None:
        self._set_busy(False)
        self._error(message)

    def _imported(self, folder: str, preview: dict) -> None:
        self._set_busy(False)
        result = preview["result"]
        counts: dict[str, int] = {}
        for p in result.passages:
            counts[p.doc] = counts.get(p.doc, 0) + 1
        rows = [(d.rel, "read", f"{counts.get(d.rel, 0)} passage(s), {d.kind}") for d in result.documents]
        rows += [(i.path, i.status, i.reason) for i in result.issues]
        rows.sort(key=lambda r: r[0])
        self.files_table.setRowCount(len(rows))
        for r, (name, status, detail) in enumerate(rows):
            for c, text in enumerate((name, status, detail)):
                self.files_table.setItem(r, c, _item(text))
        self.files_table.resizeColumnsToContents()
        self.import_summary.setText(f"{len(result.documents)} document(s) read, {len(result.passages)} passage(s); "
                                    f"{len(result.issues)} file(s) not used.")
        if not result.passages:
            self.imported = None
            self._error("No readable passages in this folder: see the reasons listed for each file.")
            return
        self.imported, self.imported_folder = result, folder
        if preview["profile"] is not None:
            self.show_profile(preview["profile"])
        self.show_message(f"Imported {folder}. Next: check your author profile.")

    # -- step 2: profile -----------------------------------------------------------------
    def use_profile(self):
        """The edited profile, saved to the data folder; None (and a message) when it is not valid."""
        try:
            profile = self.profile_from_form()
            save_profile(profile, self.paths)  # small atomic write: fine on the GUI thread
        except DraftwheelError as exc:
            self._error(str(exc))
            return None
        except OSError as exc:
            self._error(f"The profile could not be saved ({exc}).")
            return None
        self.profile = profile
        self.show_message("Profile saved.")
        return profile

    # -- step 3: generate ------------------------------------------------------------------
    def start_run(self) -> None:
        if self.busy:
            return
        if self.imported is None:
            self._error("Import a folder first (step 1).")
            return
        profile = self.use_profile()
        if profile is None:
            self.tabs.setCurrentIndex(1)
            return
        settings = self.services.settings
        kind = self.generator_combo.currentData()
        request = GroundRequest(folder=self.imported_folder, n_pairs=self.pairs_spin.value(), profile=profile,
                                generator=kind, endpoint=settings.remote_endpoint if kind == ENDPOINT else "",
                                model=settings.remote_model if kind == ENDPOINT else "")
        self.progress.setRange(0, 0)  # busy until the first report
        self.cancelling = False
        where = "on this computer" if kind == LOCAL else "at the remote endpoint"
        self.progress_label.setText(f"Starting: reading your documents, then writing pairs {where}…")
        self.show_message("Generating pairs… (you can keep this open or cancel)")
        self._set_busy(True)
        self.worker.start(request)
        self.cancel_btn.setEnabled(self.worker.running_job)

    def cancel_run(self) -> None:
        self.cancelling = True
        self.worker.cancel()
        self.cancel_btn.setEnabled(False)
        self.progress_label.setText("Cancelling: stopping after the request in progress…")
        self.show_message("Cancelling…")

    def _on_progress(self, p) -> None:
        total = max(p.total, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(p.done, total))
        if self.cancelling:
            return  # keep saying that it is cancelling
        self.progress_label.setText(progress_words(p))

    def _on_run_failed(self, message: str) -> None:
        self._set_busy(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if self.cancelling:
            self.cancelling = False
            self.progress_label.setText("Cancelled. No pairs were stored.")
            self.show_message("Cancelled. No pairs were stored.")
            return
        self.progress_label.setText("Stopped by an error (see below).")
        self._error(message)

    def _on_finished(self, result) -> None:
        self._set_busy(False)
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        report = result.report
        if self.cancelling:
            self.cancelling = False
            said = (f"Cancelled. The {_pairs(report.kept)} written before you cancelled "
                    "were stored for review." if report.kept else "Cancelled. No pairs were stored.")
        else:
            said = f"Done: {_pairs(report.kept)} stored for review."
        self.progress_label.setText(said)
        self.report_view.setPlainText(self.report_text(result))
        self.tabs.setCurrentIndex(3)
        self.show_message(said)
        self.reload_pairs()

    @staticmethod
    def report_text(result) -> str:
        r = result.report
        lines = [f"Documents: {len(result.imported.documents)}, passages: {len(result.imported.passages)}, "
                 f"themes: {len(result.themes)}",
                 f"Grounding pass rate: {r.pass_rate:.0%} ({r.grounded} of {r.generated} candidates)",
                 f"Duplicates removed: {r.duplicates}",
                 f"Pairs kept: {r.kept}", ""]
        lines.append("Pairs per kind:")
        lines += [f"  {kind}: {row['kept']} kept of {row['attempted']} tried" for kind, row in r.by_kind.items()]
        lines.append("Pairs per theme:")
        lines += [f"  {theme}: {n}" for theme, n in sorted(r.by_theme.items(), key=lambda x: -x[1])] or ["  (none)"]
        lines += ["", "Details:", r.to_text()]
        return "\n".join(lines)

    # -- step 4: review -------------------------------------------------------------------
    def reload_pairs(self) -> None:
        ids = list(self.result.stored_ids) if self.result is not None else None
        self.worker.submit(pending_pairs, self.paths, ids, on_done=self._fill_pairs, on_error=self._error)

    def _fill_pairs(self, rows: list[dict]) -> None:
        self.pairs = rows
        table = self.pairs_table
        table.blockSignals(True)
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (str(row["id"]), row["kind"] or "", row["theme"] or "", _one_line(row["input"]),
                      _one_line(row["final"]))
            for c, text in enumerate(values):
                table.setItem(r, c, _item(text, row["final"] if c == 4 else ""))
            box = QCheckBox()
            box.setChecked(row["include_in_training"])
            box.toggled.connect(lambda on, i=row["id"]: self.set_included(i, on))
            table.setCellWidget(r, 5, box)
        table.blockSignals(False)
        self.answer_edit.clear()
        self._update_review_buttons()
        if not rows and self.result is not None:
            self.show_message("No pending pairs from this run left to review.")

    def selected_pair(self) -> dict | None:
        rows = self.pairs_table.selectionModel().selectedRows() if self.pairs_table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.pairs):
            return None
        return self.pairs[rows[0].row()]

    def _show_selected(self) -> None:
        pair = self.selected_pair()
        self.answer_edit.setPlainText((pair["final"] or "") if pair else "")
        self._update_review_buttons()

    def _update_review_buttons(self) -> None:
        has = getattr(self, "pairs_table", None) is not None and self.selected_pair() is not None
        for b in (self.accept_btn, self.edit_btn, self.reject_btn):
            b.setEnabled(has and not self.busy)

    def _review(self, what: str, **verdicts) -> None:
        def done(_counts) -> None:
            self.show_message(what)
            self.reload_pairs()

        self.worker.submit(apply_review, self.paths, on_done=done, on_error=self._error, **verdicts)

    def accept_selected(self) -> None:
        pair = self.selected_pair()
        if pair is not None:
            self._review(f"Pair #{pair['id']} accepted.", accept_ids=[pair["id"]])

    def reject_selected(self) -> None:
        pair = self.selected_pair()
        if pair is not None:
            self._review(f"Pair #{pair['id']} rejected (left out of training).", reject_ids=[pair["id"]])

    def edit_selected(self) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        text = self.answer_edit.toPlainText()
        if not text.strip():
            self._error("The edited answer is empty: write the corrected answer, or reject the pair.")
            return
        self._review(f"Pair #{pair['id']} saved with your answer.", edits={pair["id"]: text})

    def set_included(self, pair_id: int, include: bool) -> None:
        key = "include_ids" if include else "exclude_ids"
        word = "used for" if include else "left out of"
        self.worker.submit(apply_review, self.paths, on_done=lambda _c: self.show_message(
            f"Pair #{pair_id} will be {word} training."), on_error=self._error, **{key: [pair_id]})

    # -- closing --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # A local run holds the engine thread: stop it so suggestions are not kept waiting.
        self.worker.cancel()
        self.worker.shutdown()
        super().closeEvent(event)

    def done(self, code: int) -> None:  # Esc / reject also close the wizard
        self.worker.cancel()
        super().done(code)


def _pairs(n: int) -> str:
    return f"{n} pair{'s' * (n != 1)}"


def progress_words(p) -> str:
    """A ground Progress (done, total, kept, message, stage) as a sentence a user reads at a glance."""
    if p.stage == "import":
        name = f" ({p.message})" if p.message else ""
        return f"Reading your documents: {p.done} of {p.total} files{name}."
    note = f" Last one: {p.message}." if p.message else ""
    return (f"Writing pairs: {p.done} of up to {p.total} tried, {_pairs(p.kept)} kept so far "
            f"(it stops once enough are kept).{note}")


def place_over(dialog, parent) -> None:
    """Size ``dialog`` to fit the parent's screen (at most 900x640) and centre it over the parent window."""
    screen = (parent.screen() if parent is not None else dialog.screen()).availableGeometry()
    width = min(900, int(screen.width() * 0.9))
    height = min(640, int(screen.height() * 0.9))
    dialog.resize(width, height)
    anchor = parent.frameGeometry() if parent is not None and parent.isVisible() else screen
    rect = dialog.frameGeometry()
    rect.moveCenter(anchor.center())
    # Keep the title bar on the screen even when the parent window is partly off it.
    x = max(screen.left(), min(rect.left(), screen.right() - rect.width()))
    y = max(screen.top(), min(rect.top(), screen.bottom() - rect.height()))
    dialog.move(x, y)


def open_ground_wizard(services, parent=None) -> GroundWizard:
    wizard = GroundWizard(services, parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    place_over(wizard, parent)
    wizard.show()
    return wizard
