"""The main window: the editor, the review panel, toolbar, menus and status bar.

The window never runs model, store or training work itself: it hands requests
to the workers in :class:`~draftwheel.ui.services.Services` and reacts to
their signals. Dialogs that report a problem are opened window-modal with
``open()`` (not ``exec()``), so the event loop and the text stay live.
"""

from __future__ import annotations

import logging
from pathlib import Path

from draftwheel.config import Settings
from draftwheel.engine.prompts import Task, custom_task, tasks
from draftwheel.errors import DraftwheelError
from draftwheel.ui.data_view import DataView
from draftwheel.app.documents import (
    FILE_FILTER,
    SAVE_FILTERS,
    AutosaveRecord,
    Documents,
    release_autosave,
    save_filter_for,
)
from draftwheel.ui.qt import (
    QAction,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFontDatabase,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    Qt,
    QTextCursor,
    QTimer,
    QToolBar,
)
from draftwheel.ui.review import STAGE_NAMES, ReviewPanel
from draftwheel.app.review import ACCEPT_ALL, APPLY, CLOSED, REJECT, STREAMING, ReviewSession
from draftwheel.ui.review_history import ReviewHistory
from draftwheel.ui.help_menu import build_help_menu
from draftwheel.ui.services import Services
from draftwheel.ui.status_bar import FittedLabel, StatusBar
from draftwheel.ui.training_view import TrainingView
from draftwheel.workers.adapters import BASE, list_choices
from draftwheel.workers.engine_worker import EngineStatus, Suggestion
from draftwheel.workers.store_worker import TrainingProgress

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 1500  # after the last keystroke
APP_NAME = "Draftwheel"


class MainWindow(QMainWindow):
    def __init__(self, services: Services, offer_restore: bool = True, sole_owner: bool = False):
        """``offer_restore``: this is the app's start (reopen the last document, offer autosaves left by a
        crash); ``sole_owner``: this process holds the data folder's instance lock."""
        super().__init__()
        self.services = services
        self.paths = services.paths
        self.session: ReviewSession | None = None
        self.last_dialog: QMessageBox | None = None
        self.restore_prompt: QMessageBox | None = None
        self.last_task: Task = tasks()["grammar"]
        self.logged_ids: list[int | None] = []
        self.train_task: str = self.last_task.name  # what "Train now" trains: the task of the counter shown
        self.documents = Documents(self.paths.home, self.paths.autosave_dir, io=services.store.submit,
                                   sole_owner=sole_owner)
        self.destroyed.connect(lambda _=None, d=self.documents: release_autosave(d.autosave.id))

        self.setObjectName("mainWindow")
        self.resize(1180, 720)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("editor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.editor.setFont(font)
        self.editor.setPlaceholderText("Write or open a draft. Select text (or put the cursor in a paragraph), "
                                       "then pick a task: Ctrl+1 … Ctrl+5.")
        self.review = ReviewPanel()
        self.review.diff_view.setFont(font)
        self.review.editor.setFont(font)
        self.review.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(self.review)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status()
        self._build_docks()
        self._wire()
        self._update_title()

        st = services.engine.status
        if st is not None:
            self._on_loaded(st)
        else:
            self.model_label.setText("Loading model…")
            self.statusBar().showMessage("Loading the model in the background…")
        self.refresh_adapters()
        self.services.store.refresh_progress(self.last_task.name, self.services.settings.train_threshold)
        if services.settings.auto_train:
            self.services.training.resume_interrupted()  # a run the last session's crash cut short
        if services.settings_error:
            QTimer.singleShot(0, lambda: self.show_error("Settings could not be read",
                                                         services.settings_error or ""))
        self._restore_layout()
        if offer_restore:
            QTimer.singleShot(0, self.start_session)

    # -- construction ------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        S = QKeySequence.StandardKey
        self.new_act = self._action("&New", self.new_document, S.New)
        self.open_act = self._action("&Open…", self.open_dialog, S.Open)
        self.save_act = self._action("&Save", self.save, S.Save)
        self.save_as_act = self._action("Save &As…", self.save_as, S.SaveAs)
        self.quit_act = self._action("&Quit", self.close, S.Quit)
        self.undo_act = self._action("&Undo", self.undo, S.Undo)
        self.redo_act = self._action("&Redo", self.redo, S.Redo)
        self.undo_act.setEnabled(False)
        self.redo_act.setEnabled(False)
        self.task_acts: dict[str, QAction] = {}
        for task in tasks().values():
            act = self._action(task.label, lambda _=False, t=task: self.revise(t), task.shortcut or None,
                               task.instruction)
            self.task_acts[task.name] = act
        self.custom_act = self._action("Custom instruction…", self.focus_custom, "Ctrl+I",
                                       "Type your own instruction")
        self.accept_act = self._action("Accept all", self.accept_all, "Ctrl+Return")
        self.reject_act = self._action("Reject", self.reject, "Ctrl+Shift+Backspace")
        self.cancel_act = self._action("Stop generating", self.cancel_generation, Qt.Key.Key_Escape)
        self.cancel_act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_act = self._action("&Settings…", self.open_settings, S.Preferences)
        self.pause_act = self._action("Pause logging", self.set_logging_paused)
        self.pause_act.setCheckable(True)
        self.pause_act.setChecked(self.services.settings.logging_paused)
        self.train_now_act = self._action("Train now", self.train_now)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.new_act, self.open_act])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        m.addActions([self.save_act, self.save_as_act])
        m.addSeparator()
        m.addAction(self.quit_act)
        m = mb.addMenu("&Edit")
        m.addActions([self.undo_act, self.redo_act])
        m.addSeparator()
        for text, slot, key in (("Cu&t", self.editor.cut, QKeySequence.StandardKey.Cut),
                                ("&Copy", self.editor.copy, QKeySequence.StandardKey.Copy),
                                ("&Paste", self.editor.paste, QKeySequence.StandardKey.Paste),
                                ("Select &All", self.editor.selectAll, QKeySequence.StandardKey.SelectAll)):
            m.addAction(self._action(text, slot, key))
        m = mb.addMenu("&Revise")
        m.addActions(list(self.task_acts.values()))
        m.addAction(self.custom_act)
        m.addSeparator()
        m.addActions([self.accept_act, self.reject_act, self.cancel_act])
        self.view_menu = mb.addMenu("&View")
        m = mb.addMenu("&Tools")
        m.addActions([self.settings_act, self.pause_act, self.train_now_act])
        self.ground_act = m.addAction("Training pairs from my documents…", self.open_ground_wizard)
        self.help_menu = build_help_menu(self)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Revise")
        tb.setObjectName("reviseToolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        for act in self.task_acts.values():
            tb.addAction(act)
        self.instruction = QLineEdit()
        self.instruction.setObjectName("customInstruction")
        self.instruction.setPlaceholderText("Custom instruction, then Enter")
        self.instruction.setClearButtonEnabled(True)
        self.instruction.setMinimumWidth(220)
        self.instruction.returnPressed.connect(self.revise_custom)
        tb.addWidget(self.instruction)
        tb.addSeparator()
        tb.addWidget(QLabel(" Adapter: "))
        self.adapter_box = QComboBox()
        self.adapter_box.setObjectName("adapterSwitcher")
        self.adapter_box.setMinimumWidth(160)
        # Adapter names are the user's own ("grant writing 2026"): the box grows to show them whole.
        self.adapter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.adapter_box.setToolTip("Base model or one of your personal adapters")
        self.adapter_box.addItem("Automatic", "")
        self.adapter_box.addItem("Base model", BASE)
        self.adapter_box.activated.connect(self._on_adapter_chosen)
        tb.addWidget(self.adapter_box)

    def _build_status(self) -> None:
        sb = StatusBar(self)
        self.setStatusBar(sb)
        sb.watch_status_tips(self)
        self.paused_label = FittedLabel("Logging paused")
        self.paused_label.setObjectName("pausedIndicator")
        self.paused_label.setToolTip("Outcomes are not stored while logging is paused (Tools › Pause logging).")
        self.paused_label.setStyleSheet("background: #ffe08a; color: #3d2e00; border-radius: 3px;")
        self.model_label = FittedLabel()
        self.adapter_label = FittedLabel("Adapter: –")
        self.stage_label = FittedLabel("Stage: –")
        self.speed_label = FittedLabel("– tokens/s", wrap=False)
        self.train_label = FittedLabel()
        for w in (self.paused_label, self.model_label, self.adapter_label, self.stage_label, self.speed_label,
                  self.train_label):
            sb.add_field(w)
        self._show_paused(self.services.settings.logging_paused)

    def _show_paused(self, paused: bool) -> None:
        self.paused_label.setVisible(bool(paused))


    def _build_docks(self) -> None:
        self.training_view = TrainingView(self.services)
        self.data_view = DataView(self.services)
        self.training_dock = QDockWidget("Training", self)
        self.training_dock.setObjectName("trainingDock")
        self.training_dock.setWidget(self.training_view)
        self.data_dock = QDockWidget("Examples", self)
        self.data_dock.setObjectName("dataDock")
        self.data_dock.setWidget(self.data_view)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.training_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.data_dock)
        self.tabifyDockWidget(self.training_dock, self.data_dock)
        self.training_dock.hide()
        self.data_dock.hide()
        t = self.training_dock.toggleViewAction()
        t.setShortcut(QKeySequence("Ctrl+Shift+T"))
        d = self.data_dock.toggleViewAction()
        d.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.view_menu.addActions([t, d])
        self.training_dock.visibilityChanged.connect(self.training_view.set_watching)
        self.data_dock.visibilityChanged.connect(lambda on: on and self.data_view.reload())
        self.data_view.pause_box.toggled.connect(self.set_logging_paused)

    def _wire(self) -> None:
        eng, store, training = self.services.engine, self.services.store, self.services.training
        eng.loading.connect(self._on_loading)
        eng.loaded.connect(self._on_loaded)
        eng.load_failed.connect(self._on_load_failed)
        eng.chunk.connect(self._on_chunk)
        eng.revised.connect(self._on_revised)
        eng.revise_failed.connect(self._on_revise_failed)
        eng.adapter_changed.connect(self._on_adapter_changed)
        eng.adapter_failed.connect(self._on_adapter_failed)
        store.logged.connect(self._on_logged)
        store.log_failed.connect(self._on_log_failed)
        store.progress.connect(self._on_progress)
        training.promoted.connect(self._on_promoted)
        training.resumed.connect(self._on_training_resumed)
        self.review.accept_all_requested.connect(self.accept_all)
        self.review.decisions_changed.connect(self._update_review_actions)
        # Accepted suggestions stay followed after their review: undo/redo and edits right after are stored.
        self.review_history = ReviewHistory(self.editor, self.services.store, self)
        training.decided.connect(self._on_training_decided)
        training.run_failed.connect(self._on_training_failed)
        self.review.apply_requested.connect(self.apply)
        self.review.reject_requested.connect(self.reject)
        self.review.cancel_requested.connect(self.cancel_generation)
        doc = self.editor.document()
        doc.modificationChanged.connect(self.setWindowModified)
        doc.undoAvailable.connect(self._update_review_actions)
        doc.redoAvailable.connect(self._update_review_actions)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        doc.contentsChanged.connect(self._schedule_autosave)
        doc.modificationChanged.connect(self.documents.set_modified)

    # -- dialogs -------------------------------------------------------------
    def show_error(self, title: str, message: str) -> QMessageBox:
        """Say what happened and what to do, without blocking the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_dialog = box
        return box

    # -- model -----------------------------------------------------------------
    def _on_loading(self, message: str) -> None:
        self.model_label.setText("Loading model…")
        self.statusBar().showMessage(message)

    def _on_loaded(self, st: EngineStatus) -> None:
        self.model_label.setText(f"Model: {st.model}")
        self.adapter_label.setText(self._adapter_text(st.choice, st.adapter))
        self._select_adapter(st.choice)
        self.statusBar().showMessage(f"Model {st.model} ready ({st.n_threads} threads).", 5000)

    def _on_load_failed(self, message: str) -> None:
        self.model_label.setText("Model: not loaded")
        self.statusBar().showMessage("The model could not be loaded.")
        self.show_error("The model could not be loaded",
                        f"{message}\n\nYou can keep writing and saving. Open Settings (Ctrl+,) to choose "
                        "another model or add a GGUF file.")

    # -- adapters --------------------------------------------------------------
    def refresh_adapters(self) -> None:
        self.services.store.submit(list_choices, self.paths, on_done=self._fill_adapters)

    def _fill_adapters(self, choices) -> None:
        self.adapter_box.blockSignals(True)
        self.adapter_box.clear()
        self.adapter_box.addItem("Automatic", "")
        self.adapter_box.setItemData(0, "The task's promoted personal adapter, if it has one; else the base model",
                                     Qt.ItemDataRole.ToolTipRole)
        self.adapter_box.addItem("Base model", BASE)
        for c in choices:
            self.adapter_box.addItem(f"{c.name} ★" if c.promoted else c.name, c.name)
            i = self.adapter_box.count() - 1
            self.adapter_box.setItemData(i, f"Task: {c.task}" + (" · promoted" if c.promoted else ""),
                                         Qt.ItemDataRole.ToolTipRole)
        self.adapter_box.blockSignals(False)
        st = self.services.engine.status
        self._select_adapter(st.choice if st else self.services.settings.adapter)

    def _select_adapter(self, choice: str) -> None:
        i = self.adapter_box.findData(choice)
        if i >= 0:
            self.adapter_box.blockSignals(True)
            self.adapter_box.setCurrentIndex(i)
            self.adapter_box.blockSignals(False)

    def _on_adapter_chosen(self, index: int) -> None:
        self.use_adapter(self.adapter_box.itemData(index) or "")

    def use_adapter(self, choice: str) -> None:
        """Switch adapters on the engine thread: "" automatic, "base", or an adapter's name."""
        if not self.services.engine.ready:
            self.statusBar().showMessage("The model is still loading; choose the adapter again when it is ready.",
                                         5000)
            return
        self.adapter_label.setText(f"Adapter: switching to {choice or 'automatic'}…")
        self.services.engine.choose_adapter(choice)

    def _adapter_text(self, choice: str, active: str | None) -> str:
        if choice == "":
            return f"Adapter: automatic ({active or 'base model'})"
        return f"Adapter: {active or 'base model'}"

    def _on_adapter_changed(self, st: EngineStatus) -> None:
        self.adapter_label.setText(self._adapter_text(st.choice, st.adapter))
        self._select_adapter(st.choice)
        try:
            self.services.save_settings(self.services.settings.updated(adapter=st.choice))
        except (OSError, DraftwheelError) as exc:
            log.warning("could not remember the adapter choice: %s", exc)

    def _on_adapter_failed(self, message: str) -> None:
        st = self.services.engine.status
        if st is not None:
            self.adapter_label.setText(self._adapter_text(st.choice, st.adapter))
            self._select_adapter(st.choice)
        self.show_error("The adapter could not be used", message)

    # -- revising ----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.session is not None and self.session.state != CLOSED

    def focus_custom(self) -> None:
        self.instruction.setFocus()
        self.instruction.selectAll()

    def revise_custom(self) -> None:
        text = self.instruction.text().strip()
        if not text:
            self.statusBar().showMessage("Type an instruction first, e.g. “Make it sound more confident”.", 5000)
            return
        self.revise(custom_task(text))

    def _target_cursor(self) -> QTextCursor:
        """The selection, or the paragraph (lines between blank lines) around the cursor."""
        cursor = self.editor.textCursor()
        if cursor.hasSelection():
            return cursor
        doc = self.editor.document()
        block = cursor.block()
        if not block.text().strip():
            return cursor
        first = last = block
        while first.previous().isValid() and first.previous().text().strip():
            first = first.previous()
        while last.next().isValid() and last.next().text().strip():
            last = last.next()
        c = QTextCursor(doc)
        c.setPosition(first.position())
        # length() counts UTF-16 units like positions do (len() of the text would not: an emoji is two),
        # and includes the block's separator.
        c.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        return c

    def revise(self, task: Task) -> ReviewSession | None:
        """Start a suggestion for the selection (or the paragraph at the cursor)."""
        session = self.open_review(task)
        if session is not None:
            # The text the user corrected after the last accepted suggestion is stored before this
            # suggestion's few-shot examples are read (at once when there is nothing to store); from
            # here on, that suggestion's text is no longer followed.
            self.review_history.end_followup(on_done=lambda _r=None: self._start_job(session))
        return session

    def open_review(self, task: Task) -> ReviewSession | None:
        """The review of the selection (or the paragraph at the cursor), before anything is generated."""
        eng = self.services.engine
        if self.busy:
            self.statusBar().showMessage("Finish reviewing the current suggestion first (accept, reject or Esc).",
                                         5000)
            return None
        if not eng.ready:
            self.statusBar().showMessage("The model is not loaded yet; your suggestion can start when it is.", 5000)
            return None
        cursor = self._target_cursor()
        text = cursor.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")
        if not text.strip():
            self.statusBar().showMessage("Select some text, or put the cursor in a paragraph, then pick a task.",
                                         5000)
            return None
        self.editor.setTextCursor(cursor)  # show what is being revised
        self.last_task = task
        session = ReviewSession(text, cursor.selectionStart(), cursor.selectionEnd(), task)
        self.session = session
        self.editor.setReadOnly(True)  # positions must stay valid until the answer is applied
        self._update_review_actions()  # no undo/redo under a pending suggestion
        self.review.begin(session)
        self.review.show()
        self.stage_label.setText("Stage: …")
        self.statusBar().showMessage(f"{task.label}: generating…")
        return session

    def _start_job(self, session: ReviewSession) -> None:
        if session is self.session and session.state == STREAMING and not session.job:
            # Only the words go to the model; the span's edge whitespace is put back around its answer.
            session.job = self.services.engine.revise(session.request_text, session.task).id

    def _on_chunk(self, job_id: int, piece: str) -> None:
        if self.session is None or self.session.job != job_id or self.session.state != STREAMING:
            return
        self.session.add(piece)
        self.review.add_text()

    def _on_revised(self, sug: Suggestion) -> None:
        s = self.session
        if s is None or s.job != sug.job:
            return
        self.stage_label.setText(f"Stage: {STAGE_NAMES.get(sug.stage, sug.stage)}")
        self.speed_label.setText(f"{sug.tokens_per_s:.0f} tokens/s")
        st = self.services.engine.status
        self.adapter_label.setText(self._adapter_text(st.choice if st else "", sug.adapter))
        if sug.cancelled:
            self._close_review()
            self.statusBar().showMessage("Stopped. Your text is unchanged.", 5000)
            return
        s.finish(sug)
        self.review.finished()
        self.statusBar().showMessage("Review the suggestion: Accept all (Ctrl+Return), or pick changes.", 8000)

    def _on_revise_failed(self, job_id: int, message: str) -> None:
        if self.session is None or self.session.job != job_id:
            return
        self._close_review()
        self.show_error("The suggestion failed", message)

    def cancel_generation(self) -> None:
        if self.session is not None and self.session.state == STREAMING:
            if not self.session.job:  # not handed to the engine yet
                self._close_review()
                self.statusBar().showMessage("Stopped. Your text is unchanged.", 5000)
                return
            self.services.engine.cancel()
            self.statusBar().showMessage("Stopping…")

    def accept_all(self) -> None:
        """Accept every change not rejected ("Accept the rest" once a change was decided)."""
        self._finish(ACCEPT_ALL)

    def apply(self) -> None:
        self._finish(APPLY)

    def reject(self) -> None:
        self._finish(REJECT)

    def _reviewable(self) -> bool:
        return self.session is not None and self.session.suggestion is not None and self.session.state != CLOSED

    def _finish(self, answer: str) -> None:
        if not self._reviewable() or (answer != REJECT and not self.session.offers):  # type: ignore[union-attr]
            return  # a refused answer can only be closed
        res = self.session.resolve(answer)  # type: ignore[union-attr]
        self.editor.setReadOnly(False)
        cursor = QTextCursor(self.editor.document())
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
        self.editor.setTextCursor(cursor)
        if res.record is not None:
            self.services.store.log_outcome(res.record)
            if res.changed:
                self.review_history.applied(res.record, res.start, end)
            else:
                self.review_history.sent()
        self.statusBar().showMessage(f"{res.outcome.capitalize()}." if res.record is not None
                                     else "No suggestion applied. Your text is unchanged.", 4000)
        self._close_review()

    def _close_review(self) -> None:
        if self.session is not None:
            self.session.state = CLOSED
        self.session = None
        self.review.clear()
        self.review.hide()
        self.editor.setReadOnly(False)
        self._update_review_actions()
        self.editor.setFocus()

    def _update_review_actions(self, *_args) -> None:
        """Undo/Redo only when no suggestion is pending (text must not move under it); the accept label."""
        doc = self.editor.document()
        self.undo_act.setEnabled(not self.busy and doc.isUndoAvailable())
        self.redo_act.setEnabled(not self.busy and doc.isRedoAvailable())
        self.accept_act.setText(self.session.accept_label if self.session is not None else "Accept all")

    def undo(self) -> None:
        if not self.busy:
            self.editor.undo()

    def redo(self) -> None:
        if not self.busy:
            self.editor.redo()

    # -- logging and training progress -----------------------------------------------
    def _on_logged(self, edit_id) -> None:
        self.logged_ids.append(edit_id)
        self.review_history.logged(edit_id)  # an undo that came before the id is stored now
        if edit_id is None:
            self.statusBar().showMessage("Logging is paused: this outcome was not stored.", 4000)
        self.services.store.refresh_progress(self.last_task.name, self.services.settings.train_threshold)
        if self.data_dock.isVisible():
            self.data_view.reload()

    def _on_log_failed(self, message: str) -> None:
        self.logged_ids.append(None)
        self.review_history.logged(None)
        self.show_error("The outcome could not be stored", f"{message}\n\nYour text is not affected.")

    def _on_progress(self, p: TrainingProgress) -> None:
        """The counter of the task last revised (custom instructions are not trained: the counter stays)."""
        from draftwheel.flywheel import policy

        if p.task in policy.UNTRAINABLE_TASKS:
            return
        self.train_task = p.task
        label = policy.task_label(p.task)
        self.train_label.setText(policy.counter_text(label, p.done, p.threshold))
        self.train_label.setToolTip(f"Kept (accepted or edited) suggestions for “{label}” since its last training; "
                                    "rejected ones, undone ones and anything while logging was paused do not count.")
        self.training_view.set_train_task(label)
        st = self.services.settings
        if p.remaining == 0 and st.auto_train:
            # The flywheel's policy decides on the training thread (it may be running, or unable to run).
            self.services.training.auto_train(p.task, p.threshold)

    def _on_training_decided(self, decision: dict) -> None:
        """What became of "Train now", the threshold trigger or the start-up resume, in words."""
        message = decision.get("message") or ""
        if not message:
            return
        self.statusBar().showMessage(message, 15000)
        self.training_view.say(message)

    def _on_training_failed(self, failure: dict) -> None:
        """A training ended in failure: the status bar and the training view say so, with its log."""
        text = f"Training “{failure.get('label') or failure.get('task')}” failed: {failure.get('message')}"
        self.statusBar().showMessage(text)
        self.training_view.show_failure(text, failure.get("log"))
        btn = getattr(self, "training_failed_btn", None)
        if btn is None:
            from draftwheel.ui.qt import QPushButton
            from draftwheel.ui.training_view import open_log

            btn = self.training_failed_btn = QPushButton("Training failed: open its log")
            btn.setObjectName("trainingFailedButton")
            btn.setFlat(True)
            btn.clicked.connect(lambda: btn.property("log") and open_log(btn.property("log")))
            self.statusBar().addPermanentWidget(btn)
        btn.setProperty("log", failure.get("log") or "")
        btn.setToolTip(text)
        btn.show()

    def _on_training_resumed(self, found: dict) -> None:
        self.statusBar().showMessage(
            f"Resuming the training “{found['name']}” that was interrupted; it continues in the background.", 8000)

    def train_now(self) -> None:
        """Train the task the counter shows; the answer (started, or why not) comes back as a decision."""
        btn = getattr(self, "training_failed_btn", None)
        if btn is not None:
            btn.hide()
        self.services.training.train_now(self.train_task, self.services.settings.train_threshold)
        self.training_dock.show()
        self.training_dock.raise_()

    def _on_promoted(self, name: str) -> None:
        self.refresh_adapters()
        box = QMessageBox(QMessageBox.Icon.Information, "New personal adapter",
                          f"The adapter “{name}” beat the previous stage on your held-out edits and is now "
                          "in use for its task. You can switch adapters in the toolbar.",
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_dialog = box
        self.statusBar().showMessage(f"New adapter promoted: {name}", 10000)

    def set_logging_paused(self, paused: bool) -> None:
        settings = self.services.settings
        if settings.logging_paused != paused:
            try:
                self.services.save_settings(settings.updated(logging_paused=bool(paused)))
            except (OSError, DraftwheelError) as exc:
                self.show_error("The setting could not be saved", str(exc))
                return
        for w in (self.pause_act, self.data_view.pause_box):
            w.blockSignals(True)
            w.setChecked(bool(paused))
            w.blockSignals(False)
        self._show_paused(paused)
        self.statusBar().showMessage("Logging paused." if paused else "Logging resumed.", 4000)

    # -- settings ------------------------------------------------------------------
    def open_ground_wizard(self) -> None:
        from draftwheel.ui.ground_wizard import open_ground_wizard

        self.ground_wizard = open_ground_wizard(self.services, self)

    def open_settings(self) -> None:
        from draftwheel.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.services, self)
        dlg.saved.connect(self.apply_settings)
        dlg.open()
        self.settings_dialog = dlg

    def apply_settings(self, old: Settings, new: Settings) -> None:
        reload = (old.model, old.n_threads, old.n_ctx, old.backend) != (new.model, new.n_threads, new.n_ctx,
                                                                        new.backend)
        if reload:
            self.services.engine.load(new)
        else:
            self.services.engine.update_settings(new)
        self.set_logging_paused(new.logging_paused)
        self.services.store.refresh_progress(self.train_task, self.services.settings.train_threshold)
        self.services.store.refresh_progress(self.last_task.name, new.train_threshold)

    # -- documents -------------------------------------------------------------------
    @property
    def path(self) -> str | None:
        return self.documents.path

    @property
    def recent(self):
        return self.documents.recent

    @property
    def autosave(self):
        return self.documents.autosave

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.documents.title}[*] — {APP_NAME}")

    def text(self) -> str:
        return self.editor.toPlainText()

    def _confirm_discard(self) -> bool:
        """True when the current text may be replaced (saved, discarded or unmodified)."""
        if not self.editor.document().isModified():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to “{self.documents.title}” first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.busy or not self._confirm_discard():
            return
        self.documents.new()
        self._set_document("")

    def _set_document(self, text: str) -> None:
        """Show ``text`` as the controller's current document (path and modified state come from it)."""
        modified = self.documents.modified
        self.editor.setPlainText(text)  # also clears the undo history
        self.editor.document().setModified(modified)
        self.setWindowModified(modified)
        self._update_title()

    def open_dialog(self) -> None:
        if self.busy or not self._confirm_discard():
            return
        start = str(Path(self.path).parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open a draft", start, FILE_FILTER)
        if path:
            self.open_path(path, confirm=False)

    def open_path(self, path: str, confirm: bool = True) -> bool:
        if self.busy:
            return False
        if confirm and not self._confirm_discard():
            return False
        try:
            text = self.documents.open(path)
        except DraftwheelError as exc:
            self.show_error("The file could not be opened", str(exc))
            return False
        self._set_document(text)
        self.statusBar().showMessage(f"Opened {self.path}", 4000)
        return True

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent.list()
        if not items:
            act = self.recent_menu.addAction("No recent files")
            act.setEnabled(False)
            return
        for p in items:
            self.recent_menu.addAction(p, lambda p=p: self.open_path(p))

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.path or str(Path.home() / "Untitled.md")
        path, chosen = QFileDialog.getSaveFileName(self, "Save the draft as", start, ";;".join(SAVE_FILTERS),
                                                   save_filter_for(start))
        return self.save_to(path, chosen) if path else False

    def save_to(self, path: str, chosen_filter: str = "") -> bool:
        """Save to ``path``; with ``chosen_filter`` (Save As) the format's extension is added when missing."""
        try:
            self.documents.save_as(self.text(), path, chosen_filter)
        except DraftwheelError as exc:
            self.show_error("The file could not be saved", str(exc))
            return False
        self.editor.document().setModified(False)
        self._update_title()
        self.statusBar().showMessage(f"Saved {self.path}", 4000)
        return True

    # -- autosave, restore and the window's place ------------------------------------------
    def _schedule_autosave(self) -> None:
        # Not restarted by every keystroke: while the user types on, unsaved text is still written
        # AUTOSAVE_DELAY_MS after the first change.
        if not self.autosave_timer.isActive():
            self.autosave_timer.start()

    def autosave_now(self) -> None:
        """Write unsaved text to the autosave folder (on the store thread: a slow disk never stalls typing)."""
        self.autosave_timer.stop()
        self.documents.set_modified(self.editor.document().isModified())
        self.documents.autosave_text(self.text(),
                                     on_error=lambda m: self.statusBar().showMessage(f"Autosave failed: {m}"))

    def start_session(self) -> None:
        """At start: reopen the last document, then offer the unsaved text a crash left behind."""
        last = self.documents.layout.last_document()
        if last and self.path is None and not self.editor.document().isModified():
            self.open_path(last, confirm=False)
        self.offer_restore()

    def offer_restore(self) -> None:
        """Ask about the next autosave left by a crash: each file is asked about once per start."""
        if self.restore_prompt is not None and self.restore_prompt.isVisible():
            return  # one question at a time; the next follows its answer
        rec = self.documents.next_restore()
        if rec is None:
            return
        when = _ago(rec.saved_at)
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"Draftwheel found unsaved text of “{rec.title}” from {when}, kept when the app last "
                          "closed without saving it.",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("restoreDialog")
        words = len(rec.text.split())
        box.setInformativeText(f"{words} word{'s' * (words != 1)}. Restore it to keep working on it, discard it, "
                               "or keep it for the next start.")
        preview = rec.text[:2000] + ("…" if len(rec.text) > 2000 else "")
        box.setDetailedText(preview)
        self.restore_button = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        self.later_button = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.restore_button)
        box.setEscapeButton(self.later_button)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(button, rec=rec) -> None:
            if button is self.restore_button:
                self.restore(rec)
            elif button is self.discard_button:
                self.documents.discard(rec)
            QTimer.singleShot(0, self.offer_restore)  # then the next one, if any

        box.buttonClicked.connect(answered)
        box.open()
        self.restore_prompt = box

    def restore(self, rec: AutosaveRecord) -> bool:
        """Show ``rec``'s text; unsaved text already in the editor is saved or discarded only if the user says so."""
        if self.busy:
            self.statusBar().showMessage(f"Finish the review first; “{rec.title}” stays kept for the next start.")
            return False
        self.documents.set_modified(self.editor.document().isModified())
        if not self._confirm_discard():
            self.statusBar().showMessage(f"The unsaved text of “{rec.title}” is kept; it is offered again at the "
                                         "next start.", 8000)
            return False
        self._set_document(self.documents.restore(rec))
        self.statusBar().showMessage(f"Restored unsaved text of {rec.title}. Save it to keep it.", 8000)
        return True

    def _restore_layout(self) -> None:
        geometry = self.documents.layout.blob("geometry")
        if geometry:
            self.restoreGeometry(geometry)
        state = self.documents.layout.blob("state")
        if state:
            self.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.busy and self.session is not None and self.session.state == STREAMING:
            self.services.engine.cancel()
        if not self._confirm_discard():
            event.ignore()
            return
        self.autosave_timer.stop()
        self.documents.layout.remember(geometry=bytes(self.saveGeometry()), state=bytes(self.saveState()),
                                       last_document=self.path)
        self.documents.close()
        event.accept()


def _ago(ts: float) -> str:
    import time

    mins = max(0, int((time.time() - ts) // 60))
    if mins < 1:
        return "moments ago"
    if mins < 120:
        return f"{mins} minute{'s' * (mins != 1)} ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
