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

from typing import Any, cast

from draftwheel.errors import DraftwheelError
from draftwheel.ui.ground_pages import ENDPOINT, DocumentsPage, GeneratePage, ProfilePage, ReviewPage
from draftwheel.ui.qt import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QObject,
    QPushButton,
    Qt,
    QTabWidget,
    QVBoxLayout,
)
from draftwheel.workers.ground_worker import (
    LOCAL,
    GroundRequest,
    GroundWorker,
    apply_review,
    import_preview,
    pending_pairs,
    save_profile,
)

STEPS = ("1. Documents", "2. Author profile", "3. Generate", "4. Review")


class GroundWizard(QDialog):
    result: Any  # the GroundResult of the last run, None before one (shadows QDialog.result(), as callers expect)

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
        self._build_pages()
        self.message = QLabel("")
        self.back_btn, self.next_btn, self.close_btn = (
            QPushButton("< Back"),
            QPushButton("Next >"),
            QPushButton("Close"),
        )
        self.setLayout(_layout(self))
        self._update_buttons()

    def _build_pages(self) -> None:
        self.documents_page = DocumentsPage(self._browse, self.import_folder)
        self.profile_page = ProfilePage()
        self.generate_page = GeneratePage(self.services.settings, self.start_run, self.cancel_run)
        self.verdicts = PairVerdicts(self)
        v = self.verdicts
        self.review_page = ReviewPage(self._show_selected, v.accept_selected, v.edit_selected, v.reject_selected)
        self.tabs = QTabWidget()
        for page, step in zip(
            (self.documents_page, self.profile_page, self.generate_page, self.review_page), STEPS, strict=True
        ):
            self.tabs.addTab(page, step)
        self.tabs.currentChanged.connect(self._update_buttons)
        # The pages' widgets, by the names the tests and the steps below use.
        docs, prof, gen, rev = self.documents_page, self.profile_page, self.generate_page, self.review_page
        self.folder_edit, self.import_btn, self.files_table = docs.folder_edit, docs.import_btn, docs.files_table
        self.import_summary = docs.import_summary
        self.author_edit, self.voice_edit, self.vocabulary_edit = (
            prof.author_edit,
            prof.voice_edit,
            prof.vocabulary_edit,
        )
        self.positions_edit, self.notes_edit = prof.positions_edit, prof.notes_edit
        self.pairs_spin, self.generator_combo, self.run_btn = gen.pairs_spin, gen.generator_combo, gen.run_btn
        self.cancel_btn, self.progress, self.progress_label = gen.cancel_btn, gen.progress, gen.progress_label
        self.report_view, self.pairs_table, self.answer_edit = rev.report_view, rev.pairs_table, rev.answer_edit
        self.accept_btn, self.edit_btn, self.reject_btn = rev.buttons
        self._update_review_buttons()

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
        self.worker.submit(
            import_preview,
            folder,
            self.paths,
            on_done=lambda r, f=folder: self._imported(f, r),
            on_error=self._import_failed,
        )

    def _import_failed(self, message: str) -> None:
        self._set_busy(False)
        self._error(message)

    def _imported(self, folder: str, preview: dict) -> None:
        self._set_busy(False)
        result = preview["result"]
        self.documents_page.show_import(result)
        if not result.passages:
            self.imported = None
            self._error("No readable passages in this folder: see the reasons listed for each file.")
            return
        self.imported, self.imported_folder = result, folder
        if preview["profile"] is not None:
            self.profile_page.show_profile(preview["profile"])
        self.show_message(f"Imported {folder}. Next: check your author profile.")

    # -- step 2: profile -----------------------------------------------------------------
    def use_profile(self):
        """The edited profile, saved to the data folder; None (and a message) when it is not valid."""
        try:
            profile = self.profile_page.profile_from_form()
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
        settings, kind = self.services.settings, self.generator_combo.currentData()
        request = GroundRequest(
            folder=self.imported_folder,
            n_pairs=self.pairs_spin.value(),
            profile=profile,
            generator=kind,
            endpoint=settings.remote_endpoint if kind == ENDPOINT else "",
            model=settings.remote_model if kind == ENDPOINT else "",
            protocol=settings.remote_protocol,
        )
        self.generate_page.set_progress(0, 0)  # busy until the first report
        self.cancelling = False
        where = "on this computer" if request.generator == LOCAL else "at the remote endpoint"
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
        self.generate_page.set_progress(min(p.done, total), total)
        if self.cancelling:
            return  # keep saying that it is cancelling
        self.progress_label.setText(progress_words(p))

    def _on_run_failed(self, message: str) -> None:
        self._set_busy(False)
        self.generate_page.set_progress(0, 1)
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
        self.generate_page.set_progress(1, 1)
        kept = result.report.kept
        if self.cancelling:
            self.cancelling = False
            said = (
                f"Cancelled. The {_pairs(kept)} written before you cancelled were stored for review."
                if kept
                else "Cancelled. No pairs were stored."
            )
        else:
            said = f"Done: {_pairs(kept)} stored for review."
        self.progress_label.setText(said)
        self.report_view.setPlainText(report_text(result))
        self.tabs.setCurrentIndex(3)
        self.show_message(said)
        self.reload_pairs()

    # -- step 4: review -------------------------------------------------------------------
    def reload_pairs(self) -> None:
        ids = list(self.result.stored_ids) if self.result is not None else None
        self.worker.submit(pending_pairs, self.paths, ids, on_done=self._fill_pairs, on_error=self._error)

    def _fill_pairs(self, rows: list[dict]) -> None:
        self.pairs = rows
        self.review_page.show_pairs(rows, self.verdicts.set_included)
        self._update_review_buttons()
        if not rows and self.result is not None:
            self.show_message("No pending pairs from this run left to review.")

    def selected_pair(self) -> dict | None:
        row = self.review_page.selected_row()
        return self.pairs[row] if row is not None and row < len(self.pairs) else None

    def _show_selected(self) -> None:
        pair = self.selected_pair()
        self.answer_edit.setPlainText((pair["final"] or "") if pair else "")
        self._update_review_buttons()

    def _update_review_buttons(self) -> None:
        has = getattr(self, "review_page", None) is not None and self.selected_pair() is not None
        for b in self.review_page.buttons:
            b.setEnabled(has and not self.busy)

    # -- closing --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # A local run holds the engine thread: cancel it so suggestions are not kept waiting,
        # and join the worker's thread before Qt may delete it with this dialog.
        self.worker.shutdown()
        super().closeEvent(event)

    def done(self, code: int) -> None:
        # Esc, reject() and accept() end here and close the dialog without a closeEvent (and
        # delete it with WA_DeleteOnClose), so the worker is stopped and joined here as well.
        self.worker.shutdown()
        super().done(code)


class PairVerdicts(QObject):
    """Step 4's verdicts on the selected pair (accept, edit, reject, in or out of training), stored through
    the wizard's worker, after which the wizard's table is reloaded."""

    def __init__(self, wizard: GroundWizard):
        super().__init__(wizard)

    @property
    def w(self) -> GroundWizard:
        # The wizard is this object's Qt parent, not an attribute: a reference cycle would leave the
        # dialog's deletion to Python's cyclic collector, on whichever thread (a worker's) runs it.
        return cast("GroundWizard", self.parent())

    def review(self, what: str, task: str = "", **verdicts) -> None:
        def done(_counts) -> None:
            self.w.show_message(what)
            self.w.reload_pairs()
            if task:
                self._kept(task)

        self.w.worker.submit(apply_review, self.w.paths, on_done=done, on_error=self.w._error, **verdicts)

    def accept_selected(self) -> None:
        pair = self.w.selected_pair()
        if pair is not None:
            self.review(f"Pair #{pair['id']} accepted.", pair.get("task", ""), accept_ids=[pair["id"]])

    def reject_selected(self) -> None:
        pair = self.w.selected_pair()
        if pair is not None:
            self.review(f"Pair #{pair['id']} rejected (left out of training).", reject_ids=[pair["id"]])

    def edit_selected(self) -> None:
        pair = self.w.selected_pair()
        if pair is None:
            return
        text = self.w.answer_edit.toPlainText()
        if not text.strip():
            self.w._error("The edited answer is empty: write the corrected answer, or reject the pair.")
            return
        self.review(f"Pair #{pair['id']} saved with your answer.", pair.get("task", ""), edits={pair["id"]: text})

    def _kept(self, task: str) -> None:
        """A kept pair counts towards its style's training (voice or answer), as a kept edit in the
        editor does: the flywheel's threshold trigger decides, on the training thread."""
        services = self.w.services
        training = getattr(services, "training", None)
        if training is not None and services.settings.auto_train:
            training.auto_train(task, services.settings.train_threshold)

    def set_included(self, pair_id: int, include: bool) -> None:
        key = "include_ids" if include else "exclude_ids"
        word = "used for" if include else "left out of"
        self.w.worker.submit(
            apply_review,
            self.w.paths,
            on_done=lambda _c: self.w.show_message(f"Pair #{pair_id} will be {word} training."),
            on_error=self.w._error,
            **{key: [pair_id]},
        )


def _layout(w: GroundWizard) -> QVBoxLayout:
    """The tabs above the message line and Back / Next / Close."""
    w.message.setWordWrap(True)
    w.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    w.back_btn.clicked.connect(lambda: w.tabs.setCurrentIndex(w.tabs.currentIndex() - 1))
    w.next_btn.clicked.connect(w._next)
    w.close_btn.clicked.connect(w.close)
    nav = QHBoxLayout()
    nav.addWidget(w.message, 1)
    for b in (w.back_btn, w.next_btn, w.close_btn):
        nav.addWidget(b)
    layout = QVBoxLayout()
    layout.addWidget(w.tabs, 1)
    layout.addLayout(nav)
    return layout


def _pairs(n: int) -> str:
    return f"{n} pair{'s' * (n != 1)}"


def report_text(result) -> str:
    """A GroundResult's report (pairs per kind and theme, grounding pass rate, duplicates) as plain text."""
    r = result.report
    lines = [
        f"Documents: {len(result.imported.documents)}, passages: {len(result.imported.passages)}, "
        f"themes: {len(result.themes)}",
        f"Grounding pass rate: {r.pass_rate:.0%} ({r.grounded} of {r.generated} candidates)",
        f"Duplicates removed: {r.duplicates}",
        f"Pairs kept: {r.kept}",
        "",
    ]
    lines.append("Pairs per kind:")
    lines += [f"  {kind}: {row['kept']} kept of {row['attempted']} tried" for kind, row in r.by_kind.items()]
    lines.append("Pairs per theme:")
    lines += [f"  {theme}: {n}" for theme, n in sorted(r.by_theme.items(), key=lambda x: -x[1])] or ["  (none)"]
    lines += ["", "Details:", r.to_text()]
    return "\n".join(lines)


def progress_words(p) -> str:
    """A ground Progress (done, total, kept, message, stage) as a sentence a user reads at a glance."""
    if p.stage == "import":
        name = f" ({p.message})" if p.message else ""
        return f"Reading your documents: {p.done} of {p.total} files{name}."
    note = f" Last one: {p.message}." if p.message else ""
    return (
        f"Writing pairs: {p.done} of up to {p.total} tried, {_pairs(p.kept)} kept so far "
        f"(it stops once enough are kept).{note}"
    )


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
